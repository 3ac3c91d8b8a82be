import csv
import io
import json

import pytest

from screenings.models import Ticket
from tests.factories import PollFactory, ProductionFactory, UserFactory, VoteFactory
from tests.voting.conftest import tickets_for
from voting.exports import COLUMNS

pytestmark = pytest.mark.django_db

DOCUMENTED = {
    "polls": [
        "poll",
        "scope",
        "status",
        "episode",
        "episode_title",
        "screening",
        "venue",
        "opens_at",
        "closes_at",
        "release_at",
        "hide_results",
        "quorum",
        "votes",
    ],
    "decisions": ["poll", "scope", "option", "option_label", "reason", "total_votes", "counts", "digest", "decided_at"],
    "ballots": ["poll", "receipt", "option", "cast_at"],
}


@pytest.fixture
def decided(world, decide_poll):
    poll = PollFactory(screening=world.screenings[0], episode=world.start)
    for ticket, branch in zip(tickets_for(world.screenings[0], 3), [world.left, world.left, world.right]):
        VoteFactory(poll=poll, ticket=ticket, branch=branch)
    decide_poll(poll)
    return poll


def _url(world, kind, fmt):
    return f"/productions/{world.production.id}/export/{kind}.{fmt}"


def test_columns_are_the_documented_ones():
    assert COLUMNS == DOCUMENTED


@pytest.mark.parametrize("kind", list(DOCUMENTED))
def test_csv_exports_download_with_the_documented_columns(world, decided, client, kind):
    client.force_login(world.owner)

    response = client.get(_url(world, kind, "csv"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == DOCUMENTED[kind] and len(rows) == (3 if kind == "ballots" else 1)


@pytest.mark.parametrize("kind", list(DOCUMENTED))
def test_json_exports_have_the_same_fields(world, decided, client, kind):
    client.force_login(world.owner)

    rows = json.loads(client.get(_url(world, kind, "json")).content)

    assert all(list(row) == DOCUMENTED[kind] for row in rows) and rows


def test_exported_values(world, decided, client):
    client.force_login(world.owner)

    [decision] = json.loads(client.get(_url(world, "decisions", "json")).content)
    [poll] = list(csv.DictReader(io.StringIO(client.get(_url(world, "polls", "csv")).content.decode())))

    assert decision["counts"] == {str(world.left.id): 2, str(world.right.id): 1}
    assert (decision["option"], decision["reason"], decision["total_votes"]) == (world.left.id, "majority", 3)
    assert poll["venue"] == "Cinema Aurora" and poll["votes"] == "3" and poll["hide_results"] == "false"


def test_ballot_exports_are_anonymous(world, decided, client):
    client.force_login(world.owner)
    body = "".join(client.get(_url(world, "ballots", fmt)).content.decode() for fmt in ("csv", "json"))

    for ticket in Ticket.objects.all():
        assert ticket.code not in body and ticket.secret not in body and ticket.order.email not in body
    assert all(vote.receipt in body for vote in decided.votes.all())


def test_exports_and_analytics_are_for_the_owner_only(world, decided, client):
    urls = [_url(world, "ballots", "csv"), f"/productions/{world.production.id}/analytics/"]

    anonymous = [client.get(u) for u in urls]
    client.force_login(ProductionFactory().owner)
    other = [client.get(u) for u in urls]
    client.force_login(world.organizer_a)
    organizer = [client.get(u) for u in urls]
    client.force_login(UserFactory(username="root", is_superuser=True))
    superuser = [client.get(u) for u in urls]

    assert all(r.status_code == 302 and "/accounts/login/" in r["Location"] for r in anonymous)
    assert all(r.status_code == 403 for r in other + organizer)
    assert all(r.status_code == 200 for r in superuser)


def test_unknown_export_kind_or_format_is_not_found(world, client):
    client.force_login(world.owner)

    assert client.get(_url(world, "tickets", "csv")).status_code == 404
    assert client.get(_url(world, "ballots", "xml")).status_code == 404
    assert client.get("/productions/999999/analytics/").status_code == 404


def test_a_formula_in_a_venue_or_title_comes_out_neutralised(world, decided, client):
    """OWASP CSV injection: one organizer's venue name lands in another producer's export."""
    venue = world.screenings[0].venue
    venue.name = "=1+2"
    venue.save()
    decided.episode.title = '@SUM(A1)+HYPERLINK("http://x")'
    decided.episode.save()
    client.force_login(world.owner)

    body = client.get(_url(world, "polls", "csv")).content.decode()
    [poll] = list(csv.DictReader(io.StringIO(body)))

    assert poll["venue"] == "'=1+2" and poll["episode_title"].startswith("'@SUM")
    assert "\n=1+2" not in body and ",=1+2" not in body
    # JSON keeps the value as it is: it is data, not a spreadsheet.
    assert json.loads(client.get(_url(world, "polls", "json")).content)[0]["venue"] == "=1+2"
