import pytest
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_console_is_for_the_organizer_only(client, screening, organizer, story):
    url = f"/screenings/{screening.id}/console/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(organizer)
    response = client.get(url)
    assert response.status_code == 200
    assert b"Open poll" in response.content and b"default branch" in response.content
    assert f'"{story.start.id}"'.encode() in response.content  # the graph for the advance buttons


def test_screen_shows_the_join_qr_code(client, screening, settings):
    settings.SITE_URL = "https://cinema.example"
    response = client.get(f"/screenings/{screening.id}/screen/")
    assert response.status_code == 200
    assert b"<svg" in response.content
    assert f"https://cinema.example/screenings/{screening.id}/join/".encode() in response.content


def test_join_redirects_a_valid_code_to_the_live_page(client, screening, make_tickets):
    ticket = make_tickets(1)[0]
    url = f"/screenings/{screening.id}/join/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": ticket.code})
    assert response.status_code == 302 and response["Location"] == f"/t/{ticket.code}/live/"
    assert client.get(url, {"code": ticket.code}).status_code == 302
    assert client.post(url, {"code": "wrong"}).status_code == 400
    refunded = make_tickets(1, status="refunded", refunded_at=timezone.now())[0]
    assert client.post(url, {"code": refunded.code}).status_code == 400


def test_live_page(client, make_tickets):
    ticket = make_tickets(1)[0]
    response = client.get(f"/t/{ticket.code}/live/")
    assert response.status_code == 200
    assert ticket.code.encode() in response.content and b"audience.js" in response.content
    assert client.get("/t/unknown/live/").status_code == 404
