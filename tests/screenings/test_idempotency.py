"""Idempotency keys: a replay returns the original order only to the client that made it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from screenings.models import Order

pytestmark = pytest.mark.django_db

KEY = "f3c1a9e4-2b7d-4c55-9a61-0d8e5b7c2f10"


def order(screening, *, key=None, email="ana@example.org", quantity=2, name=""):
    headers = {"Idempotency-Key": key} if key else {}
    body = {"email": email, "quantity": quantity, "name": name}
    return APIClient().post(f"/api/screenings/{screening.pk}/orders/", body, format="json", headers=headers)


def codes(response) -> set[str]:
    return {t["code"] for t in response.json().get("tickets", [])}


def test_the_original_client_replays_and_gets_the_original_order(screening):
    first = order(screening, key=KEY)
    again = order(screening, key=KEY, email="Ana@Example.org")  # e-mail case does not matter

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_a_guess_of_email_and_quantity_without_the_key_reveals_no_code(screening):
    original = codes(order(screening, key=KEY))

    for guess in ("demo-seed-order-guess", "00000000-0000-0000-0000-000000000000", KEY[:-1] + "1", None):
        response = order(screening, key=guess)
        assert response.status_code == 201  # a purchase of the guesser's own, not a replay
        assert not original & codes(response)
        assert not response.has_header("Idempotent-Replayed")


def test_the_key_without_the_buyers_email_reveals_no_code(screening):
    original = codes(order(screening, key=KEY))

    response = order(screening, key=KEY, email="mallory@example.org")

    assert not original & codes(response)
    assert not response.has_header("Idempotent-Replayed")


def test_the_database_holds_no_key_that_replays(screening):
    original = codes(order(screening, key=KEY))
    stored = Order.objects.get()

    assert stored.idempotency_digest and KEY not in stored.idempotency_digest
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM screenings_order")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert KEY not in row
    # What a database reader sees does not work as a key.
    assert not original & codes(order(screening, key=stored.idempotency_digest))


def test_keys_expire(screening, settings):
    first = order(screening, key=KEY)
    Order.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS, minutes=1))

    later = order(screening, key=KEY)

    assert later.status_code == 201 and not later.has_header("Idempotent-Replayed")
    assert not codes(first) & codes(later)
    assert Order.objects.filter(idempotency_digest__isnull=False).count() == 1  # the old one let its key go


@pytest.mark.parametrize("key", ["short", "x" * 15, "x" * 81])
def test_keys_must_be_long_enough_to_be_secret(screening, key):
    response = order(screening, key=key)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "idempotency_key" in response.json()["error"]["fields"]
    assert not Order.objects.exists()
