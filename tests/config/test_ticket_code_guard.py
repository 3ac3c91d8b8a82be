"""Failed ticket-code lookups are limited per client address; valid holders are never slowed."""

import secrets

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from config import ratelimit
from config.ratelimit import RateLimit, ticket_guess_blocked
from screenings.services.orders import order_place
from tests.factories import ScreeningFactory

pytestmark = pytest.mark.django_db

LIMIT = settings.TICKET_LOOKUP_FAILURE_LIMIT


@pytest.fixture
def code():
    order, _ = order_place(screening_id=ScreeningFactory().pk, email="ana@example.org", quantity=1)
    return order.tickets.get().code


def guess() -> str:
    return secrets.token_urlsafe(32)


def test_guessing_codes_is_throttled_after_the_limit_on_every_ticket_path():
    api = APIClient()
    statuses = [api.get(f"/api/tickets/{guess()}/").status_code for _ in range(LIMIT)]
    assert statuses == [404] * LIMIT

    for path in ("/api/tickets/{}/", "/api/tickets/{}/qr.svg", "/api/tickets/{}/receipts/"):
        response = api.get(path.format(guess()))
        assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
        assert int(response["Retry-After"]) > 0
    page = Client().get(f"/t/{guess()}/")
    assert page.status_code == 429 and "Too many unknown ticket codes" in page.content.decode()
    assert Client().get(f"/t/{guess()}/live/").status_code == 429


def test_failures_on_pages_and_api_share_one_count():
    for n in range(LIMIT):
        path = f"/t/{guess()}/" if n % 2 else f"/api/tickets/{guess()}/"
        Client().get(path)

    assert APIClient().get(f"/api/tickets/{guess()}/").status_code == 429


def test_valid_codes_never_count(code):
    api = APIClient()
    for _ in range(3 * LIMIT):
        assert api.get(f"/api/tickets/{code}/").status_code == 200
        assert Client().get(f"/t/{code}/").status_code == 200

    assert api.get(f"/api/tickets/{guess()}/").status_code == 404  # still the first failure


def test_another_address_is_not_affected(code):
    for _ in range(LIMIT):
        APIClient().get(f"/api/tickets/{guess()}/", REMOTE_ADDR="198.51.100.1")

    assert APIClient().get(f"/api/tickets/{guess()}/", REMOTE_ADDR="198.51.100.1").status_code == 429
    assert APIClient().get(f"/api/tickets/{code}/", REMOTE_ADDR="198.51.100.2").status_code == 200
    assert APIClient().get(f"/api/tickets/{guess()}/", REMOTE_ADDR="198.51.100.2").status_code == 404


def test_rotating_forwarded_for_does_not_help():
    for n in range(LIMIT):
        APIClient().get(f"/api/tickets/{guess()}/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    assert APIClient().get(f"/api/tickets/{guess()}/", HTTP_X_FORWARDED_FOR="203.0.113.250").status_code == 429


def test_organizer_check_in_with_unknown_codes_counts_too(client_for, organizer):
    api = client_for(organizer)
    for _ in range(LIMIT):
        assert api.post(f"/api/tickets/{guess()}/check-in/", {}, format="json").status_code == 404

    assert api.post(f"/api/tickets/{guess()}/check-in/", {}, format="json").status_code == 429


def test_the_limiter_fails_open_when_redis_is_down(monkeypatch):
    monkeypatch.setattr(ratelimit, "_client", None)
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        limit = RateLimit("probe", limit=1, window=60)
        assert limit.hit("198.51.100.3") == 0
        assert limit.exceeded("198.51.100.3") is False
        assert ticket_guess_blocked("198.51.100.3") is False
        assert APIClient().get(f"/api/tickets/{guess()}/").status_code == 404
    monkeypatch.setattr(ratelimit, "_client", None)  # the next test reconnects to the real Redis


def test_counts_live_in_redis_shared_by_processes():
    """Another process (a fresh client on the same Redis) sees the same count."""
    import redis

    for _ in range(3):
        APIClient().get(f"/api/tickets/{guess()}/", REMOTE_ADDR="198.51.100.4")
    other = redis.Redis.from_url(settings.REDIS_URL)
    assert int(other.get(f"{settings.RATE_LIMIT_PREFIX}:ticket-fail:198.51.100.4")) == 3
