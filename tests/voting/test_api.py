import pytest
from django.utils import timezone

from screenings.models import Ticket
from tests.factories import TicketFactory, UserFactory
from voting.ballots import receipt_for
from voting.models import Vote

# Transactional: live counts are updated on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org_client(client_for, organizer):
    return client_for(organizer)


def test_console_flow_start_poll_vote_close_advance_end(org_client, api_client, screening, story, make_tickets):
    response = org_client.post(f"/api/screenings/{screening.id}/start/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "live"
    now_playing = response.json()["now_playing"]
    assert {k: now_playing[k] for k in ("id", "title", "media_url", "duration_seconds")} == {
        "id": story.start.id,
        "title": "Start",
        "media_url": "",
        "duration_seconds": 600,
    }
    assert now_playing["started_at"]  # API.md 1.1: screens play at now − started_at

    response = org_client.post(f"/api/screenings/{screening.id}/polls/", {"duration_seconds": 30}, format="json")
    assert response.status_code == 201, response.json()
    poll = response.json()
    assert poll["status"] == "open"
    assert [(o["id"], o["label"]) for o in poll["options"]] == [
        (story.to_left.id, "Go left"),
        (story.to_right.id, "Go right"),
    ]
    assert {"opens_at", "closes_at"} <= poll.keys()

    ticket = make_tickets(1)[0]
    response = api_client.post(
        f"/api/polls/{poll['id']}/votes/", {"ticket": ticket.code, "option": story.to_right.id}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "poll": poll["id"],
        "option": story.to_right.id,
        "receipt": receipt_for(ticket_secret=ticket.secret, poll_id=poll["id"]),
    }

    detail = api_client.get(f"/api/polls/{poll['id']}/").json()
    assert detail["counts"] == {str(story.to_left.id): 0, str(story.to_right.id): 1}
    assert detail["decision"] is None and "default branch" in detail["rule"]

    closed = org_client.post(f"/api/polls/{poll['id']}/close/")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "decided"
    assert closed.json()["decision"]["option"] == story.to_right.id
    assert closed.json()["decision"]["reason"] == "majority"

    response = org_client.post(f"/api/screenings/{screening.id}/advance/", {"episode": story.ending.id}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    response = org_client.post(f"/api/screenings/{screening.id}/end/")
    assert response.status_code == 200 and response.json()["status"] == "ended"


def test_vote_errors_have_the_documented_shape(api_client, live_screening, organizer, story, client_for):
    poll = (
        client_for(organizer)
        .post(f"/api/screenings/{live_screening.id}/polls/", {"duration_seconds": 30}, format="json")
        .json()
    )
    refunded = TicketFactory(order__screening=live_screening, status=Ticket.Status.REFUNDED, refunded_at=timezone.now())
    cases = [
        ({"ticket": "nope", "option": story.to_left.id}, 403, "forbidden"),
        ({"ticket": refunded.code, "option": story.to_left.id}, 403, "forbidden"),
        ({"ticket": TicketFactory().code, "option": story.to_left.id}, 403, "forbidden"),
        ({"ticket": "x", "option": "left"}, 400, "invalid"),
        ({}, 400, "invalid"),
    ]
    for body, status, code in cases:
        response = api_client.post(f"/api/polls/{poll['id']}/votes/", body, format="json")
        assert response.status_code == status, (body, response.json())
        assert response.json()["error"]["code"] == code
    response = api_client.post("/api/polls/999999/votes/", {"ticket": "x" * 10, "option": 1}, format="json")
    assert response.status_code in (403, 404)
    assert not Vote.objects.exists()


def test_closed_poll_vote_is_409(api_client, org_client, live_screening, story, make_tickets):
    poll = org_client.post(
        f"/api/screenings/{live_screening.id}/polls/", {"duration_seconds": 30}, format="json"
    ).json()
    org_client.post(f"/api/polls/{poll['id']}/close/")
    response = api_client.post(
        f"/api/polls/{poll['id']}/votes/",
        {"ticket": make_tickets(1)[0].code, "option": story.to_left.id},
        format="json",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "poll_closed"


def test_hidden_counts_are_null_for_the_public_while_open(api_client, org_client, live_screening):
    poll = org_client.post(
        f"/api/screenings/{live_screening.id}/polls/", {"duration_seconds": 30, "hide_results": True}, format="json"
    ).json()
    assert api_client.get(f"/api/polls/{poll['id']}/").json()["counts"] is None
    assert org_client.get(f"/api/polls/{poll['id']}/").json()["counts"] is not None
    org_client.post(f"/api/polls/{poll['id']}/close/")
    assert api_client.get(f"/api/polls/{poll['id']}/").json()["counts"] is not None


def test_console_endpoints_need_the_organizer(api_client, client_for, screening):
    paths = ["start/", "polls/", "end/", "advance/"]
    for path in paths:
        response = api_client.post(f"/api/screenings/{screening.id}/{path}", {}, format="json")
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    stranger = client_for(UserFactory())
    assert stranger.post(f"/api/screenings/{screening.id}/start/").status_code == 403
    assert stranger.post(f"/api/screenings/{screening.id + 999}/start/").status_code == 404


def test_poll_open_refusals(org_client, live_screening, screening):
    bad = org_client.post(f"/api/screenings/{live_screening.id}/polls/", {"duration_seconds": 0}, format="json")
    assert bad.status_code == 400 and "duration_seconds" in bad.json()["error"]["fields"]
    org_client.post(f"/api/screenings/{live_screening.id}/polls/", {"duration_seconds": 30}, format="json")
    second = org_client.post(f"/api/screenings/{live_screening.id}/polls/", {"duration_seconds": 30}, format="json")
    assert second.status_code == 409 and second.json()["error"]["code"] == "conflict"


def test_schema_lists_the_live_endpoints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for path in [
        "/api/screenings/{screening_id}/start/",
        "/api/screenings/{screening_id}/polls/",
        "/api/polls/{poll_id}/",
        "/api/polls/{poll_id}/close/",
        "/api/screenings/{screening_id}/advance/",
        "/api/screenings/{screening_id}/end/",
        "/api/polls/{poll_id}/votes/",
    ]:
        assert path in schema["paths"], path


def test_poll_detail_query_count_is_fixed(
    api_client, org_client, live_screening, make_tickets, story, django_assert_max_num_queries
):
    poll = org_client.post(
        f"/api/screenings/{live_screening.id}/polls/", {"duration_seconds": 30}, format="json"
    ).json()
    for ticket in make_tickets(20):
        api_client.post(
            f"/api/polls/{poll['id']}/votes/", {"ticket": ticket.code, "option": story.to_left.id}, format="json"
        )
    with django_assert_max_num_queries(4):
        api_client.get(f"/api/polls/{poll['id']}/")


def test_organizer_requires_check_in_through_the_api_and_votes_follow(
    org_client, api_client, screening, story, make_tickets
):
    ticket = make_tickets(1)[0]
    patched = org_client.patch(f"/api/screenings/{screening.id}/", {"require_check_in": True}, format="json")
    assert patched.status_code == 200 and patched.json()["require_check_in"] is True
    org_client.post(f"/api/screenings/{screening.id}/start/")
    poll = org_client.post(f"/api/screenings/{screening.id}/polls/", {"duration_seconds": 30}, format="json").json()
    vote = {"ticket": ticket.code, "option": story.to_left.id}

    refused = api_client.post(f"/api/polls/{poll['id']}/votes/", vote, format="json")
    org_client.post(f"/api/tickets/{ticket.code}/check-in/")
    accepted = api_client.post(f"/api/polls/{poll['id']}/votes/", vote, format="json")

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert accepted.status_code == 201
    assert Vote.objects.filter(poll_id=poll["id"], ticket=ticket).count() == 1
