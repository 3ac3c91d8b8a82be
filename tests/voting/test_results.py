from datetime import timedelta

import pytest
from django.utils import timezone

from screenings.models import Screening, Ticket
from tests.factories import BranchFactory, PollFactory, ProductionFactory, UserFactory, VoteFactory
from tests.voting.conftest import tickets_for
from voting.ballots import ballots_count, ballots_digest, receipt_for
from voting.models import Poll
from voting.selectors.results import poll_result_get, round_counts_get, ticket_receipts_list
from voting.services.rounds import round_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_poll(world):
    return round_open(
        production=world.production, episode=world.start, by=world.owner, closes_at=timezone.now() + timedelta(days=1)
    )


def vote(poll, ticket, branch):
    return VoteFactory(poll=poll, ticket=ticket, branch=branch)


@pytest.fixture
def voted_round(world, round_poll):
    """3 votes at Aurora (two screenings), 2 at Busan Hall, 1 online."""
    a1, a2, b1 = (tickets_for(s, 2) for s in world.screenings)
    online = tickets_for(world.online, 1)
    for ticket, branch in [
        (a1[0], world.left),
        (a1[1], world.right),
        (a2[0], world.left),
        (b1[0], world.right),
        (b1[1], world.right),
        (online[0], world.left),
    ]:
        vote(round_poll, ticket, branch)
    return round_poll


def test_result_is_the_documented_document(world, voted_round, decide_poll):
    decision = decide_poll(voted_round)

    result = poll_result_get(poll=voted_round)

    assert set(result) >= {"poll", "scope", "options", "counts", "decision", "rule", "ballots", "digest"}
    assert result["poll"] == voted_round.id and result["scope"] == "round"
    assert result["options"] == [{"id": world.left.id, "label": "Forest"}, {"id": world.right.id, "label": "Town"}]
    assert result["counts"] == {str(world.left.id): 3, str(world.right.id): 3}
    assert result["decision"] == {"option": world.left.id, "reason": "tie_break", "decided_at": decision.decided_at}
    assert result["rule"]["default_option"] == world.left.id and "most votes" in result["rule"]["text"].lower()
    assert len(result["ballots"]) == 6 and set(result["ballots"][0]) == {"receipt", "option"}
    assert result["digest"] == decision.digest


def test_result_counts_recomputed_from_the_ballots_equal_the_decision(world, voted_round, decide_poll):
    decide_poll(voted_round)
    result = poll_result_get(poll=voted_round)

    pairs = [(b["receipt"], b["option"]) for b in result["ballots"]]
    assert ballots_count(options=[o["id"] for o in result["options"]], ballots=pairs) == result["counts"]
    assert ballots_digest(poll_id=voted_round.id, ballots=pairs) == result["digest"]


def test_receipts_never_reveal_ticket_codes(world, voted_round, decide_poll):
    decide_poll(voted_round)
    text = str(poll_result_get(poll=voted_round))

    for ticket in Ticket.objects.all():
        assert ticket.code not in text and ticket.secret not in text


def test_result_before_the_decision_is_a_conflict(voted_round, api_client):
    response = api_client.get(f"/api/polls/{voted_round.id}/result/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict" and "not decided" in response.json()["error"]["message"]
    assert api_client.get("/api/polls/999999/result/").status_code == 404


def test_result_api_is_public(world, voted_round, decide_poll, api_client):
    decide_poll(voted_round)

    response = api_client.get(f"/api/polls/{voted_round.id}/result/")

    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {str(world.left.id): 3, str(world.right.id): 3}
    assert body["decision"]["reason"] == "tie_break" and len(body["ballots"]) == 6


def test_a_live_poll_result_too(decide_poll, api_client):
    poll = PollFactory()
    BranchFactory(source=poll.episode, is_default=True)
    first = VoteFactory(poll=poll)
    decide_poll(poll)

    body = api_client.get(f"/api/polls/{poll.id}/result/").json()

    assert body["scope"] == "live"
    assert (body["decision"]["option"], body["decision"]["reason"]) == (first.branch_id, "majority")
    assert body["ballots"] == [{"receipt": first.receipt, "option": first.branch_id}]


# --- Receipts -------------------------------------------------------------------


def test_a_voter_finds_their_receipt_counted(world, voted_round, decide_poll, api_client):
    ticket = Ticket.objects.filter(votes__poll=voted_round).first()
    assert ticket_receipts_list(ticket=ticket)[0]["counted"] is False

    decide_poll(voted_round)
    response = api_client.get(f"/api/tickets/{ticket.code}/receipts/")

    assert response.status_code == 200
    [row] = response.json()
    assert row["poll"] == voted_round.id and row["counted"] is True
    assert row["receipt"] == receipt_for(ticket_secret=ticket.secret, poll_id=voted_round.id)
    assert row["result_url"] == f"/polls/{voted_round.id}/result/"
    result = api_client.get(f"/api/polls/{voted_round.id}/result/").json()
    assert {"receipt": row["receipt"], "option": row["option"]} in result["ballots"]


def test_receipts_of_an_unknown_ticket_are_not_found(api_client):
    response = api_client.get("/api/tickets/nope/receipts/")

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# --- Counts ---------------------------------------------------------------------


def test_counts_per_venue_and_overall(world, voted_round, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        counts = round_counts_get(poll=voted_round, with_venues=True)

    left, right = str(world.left.id), str(world.right.id)
    assert counts["overall"] == {left: 3, right: 3} and counts["total"] == 6
    assert [(v["venue"], v["screenings"], v["counts"]) for v in counts["by_venue"]] == [
        ("Busan Hall", [world.screenings[2].id], {left: 0, right: 2}),
        ("Cinema Aurora", [world.screenings[0].id, world.screenings[1].id], {left: 2, right: 1}),
        ("Online", [world.online.id], {left: 1, right: 0}),
    ]


def test_refunded_tickets_do_not_count_live(world, voted_round):
    ticket = Ticket.objects.filter(votes__poll=voted_round, votes__branch=world.right).first()
    ticket.status, ticket.refunded_at = Ticket.Status.REFUNDED, timezone.now()
    ticket.save()

    assert round_counts_get(poll=voted_round, with_venues=False)["overall"][str(world.right.id)] == 2


@pytest.mark.parametrize("who", ["owner", "superuser"])
def test_the_producer_and_superusers_see_every_venue(world, voted_round, client_for, who):
    user = UserFactory(username="root", is_superuser=True) if who == "superuser" else getattr(world, who)

    body = client_for(user).get(f"/api/polls/{voted_round.id}/counts/").json()

    assert body["total"] == 6 and len(body["by_venue"]) == 3 and body["hidden"] is False


def test_an_organizer_sees_the_venues_of_their_own_screenings_only(world, voted_round, client_for):
    """Another organizer's per-venue counts are theirs: org-b sees Busan Hall and its online
    screening, not Cinema Aurora (org-a's), and the overall bars like everyone."""
    body = client_for(world.organizer_b).get(f"/api/polls/{voted_round.id}/counts/").json()

    assert body["total"] == 6 and body["hidden"] is False
    assert {v["venue"] for v in body["by_venue"]} == {"Busan Hall", "Online"}
    own = {s.id for s in Screening.objects.filter(organizer=world.organizer_b)}
    assert {s for v in body["by_venue"] for s in v["screenings"]} <= own


def test_audiences_see_overall_bars_only(world, voted_round, api_client, client_for):
    anonymous = api_client.get(f"/api/polls/{voted_round.id}/counts/").json()
    other = client_for(ProductionFactory().owner).get(f"/api/polls/{voted_round.id}/counts/").json()

    for body in (anonymous, other):
        assert body["overall"] == {str(world.left.id): 3, str(world.right.id): 3} and body["by_venue"] is None


def test_hidden_counts_stay_hidden_from_audiences_until_decided(
    world, voted_round, api_client, client_for, decide_poll
):
    Poll.objects.filter(pk=voted_round.pk).update(hide_results=True)
    url = f"/api/polls/{voted_round.id}/counts/"

    hidden = api_client.get(url).json()
    organizer = client_for(world.organizer_a).get(url).json()  # a round has no "own screening": hidden too
    staff = client_for(world.owner).get(url).json()
    voted_round.refresh_from_db()
    decide_poll(voted_round)
    after = api_client.get(url).json()

    assert hidden["hidden"] is True and hidden["overall"] is None and hidden["total"] is None
    assert organizer["hidden"] is True and organizer["by_venue"] is None
    assert staff["hidden"] is False and staff["total"] == 6
    assert after["hidden"] is False and after["total"] == 6
    assert api_client.get("/api/polls/999999/counts/").status_code == 404


def test_result_and_receipts_selectors_keep_their_query_counts(
    world, voted_round, decide_poll, django_assert_max_num_queries
):
    decide_poll(voted_round)
    poll = Poll.objects.get(pk=voted_round.pk)
    ticket = Ticket.objects.filter(votes__poll=poll).first()

    with django_assert_max_num_queries(3):
        poll_result_get(poll=poll)
    with django_assert_max_num_queries(1):
        ticket_receipts_list(ticket=ticket)


def test_new_endpoints_are_in_the_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    assert "post" in paths["/api/productions/{production_id}/rounds/"]
    for path in ["/api/polls/{poll_id}/result/", "/api/polls/{poll_id}/counts/", "/api/tickets/{code}/receipts/"]:
        assert "get" in paths[path]
    assert "409" in paths["/api/polls/{poll_id}/result/"]["get"]["responses"]
