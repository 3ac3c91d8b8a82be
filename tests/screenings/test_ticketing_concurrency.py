"""Guarantee 1: never more tickets than capacity, however many buyers race (PostgreSQL).

Real threads, each with its own database connection, post to the real API
view stack at the same moment. At most RACE_CONNECTIONS of them hold a
connection at once, because the shared PostgreSQL server allows 100 clients
in all; the race between those is real (they queue on the screening's row lock).
"""

import os
import threading
from collections import Counter

import pytest
from django.db import connections
from rest_framework.test import APIClient

from screenings.models import Order, Ticket
from screenings.services.orders import order_place
from tests.factories import ScreeningFactory

BUYERS, SEATS_LEFT, CAPACITY = 200, 50, 100
RACE_CONNECTIONS = int(os.environ.get("TICKET_RACE_CONNECTIONS", "40"))

# The race needs PostgreSQL (row locks, concurrent writers); SQLite serialises every writer.
pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def race(count: int, request) -> list:
    """Start `count` threads together; each runs request() on its own connection."""
    barrier, gate = threading.Barrier(count), threading.BoundedSemaphore(RACE_CONNECTIONS)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        with gate:
            try:
                results[index] = request(index)
            except Exception as exc:
                results[index] = exc
            finally:
                connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads), "a buyer is stuck"
    return results


@pytest.mark.parametrize("round_", range(int(os.environ.get("TICKET_RACE_ROUNDS", "3"))))
def test_200_buyers_racing_for_the_last_50_seats_get_exactly_50(round_):
    screening = ScreeningFactory(capacity=CAPACITY)
    for n, quantity in enumerate([20, 20, 10]):  # one e-mail holds at most max_tickets_per_buyer (20)
        order_place(screening_id=screening.pk, email=f"early{n}@example.org", quantity=quantity)
    url = f"/api/screenings/{screening.pk}/orders/"

    def buy(index: int):
        response = APIClient().post(url, {"email": f"buyer{index}@example.org", "quantity": 1}, format="json")
        return response.status_code, response.json().get("error", {}).get("code")

    results = race(BUYERS, buy)

    outcomes = Counter(r if isinstance(r, tuple) else ("exception", repr(r)) for r in results)
    assert outcomes == {(201, None): SEATS_LEFT, (409, "sold_out"): BUYERS - SEATS_LEFT}
    assert Ticket.objects.filter(screening=screening).exclude(status="refunded").count() == CAPACITY
    assert Order.objects.filter(screening=screening, email__startswith="buyer").count() == SEATS_LEFT


def test_concurrent_retries_with_one_idempotency_key_buy_once():
    screening = ScreeningFactory(capacity=CAPACITY)

    def retry(index: int):
        order, created = order_place(
            screening_id=screening.pk, email="ana@example.org", quantity=2, idempotency_key="one-purchase-0123456789"
        )
        return order.pk, created

    results = race(20, retry)

    assert len({order_id for order_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 19 + [True]
    assert Ticket.objects.filter(screening=screening).count() == 2


def test_buyers_with_one_email_racing_cannot_exceed_the_per_buyer_cap():
    """The per-buyer cap is counted under the screening's row lock, like the seats."""
    cap = 10
    screening = ScreeningFactory(capacity=CAPACITY, max_tickets_per_order=3, max_tickets_per_buyer=cap)
    url = f"/api/screenings/{screening.pk}/orders/"
    spellings = ["ana@example.org", "ANA@example.org", "Ana@Example.Org"]

    def buy(index: int):
        body = {"email": spellings[index % 3], "quantity": 1 + index % 3}
        response = APIClient().post(url, body, format="json")
        return response.status_code, response.json().get("error", {}).get("code")

    results = race(60, buy)

    outcomes = Counter(r if isinstance(r, tuple) else ("exception", repr(r)) for r in results)
    assert set(outcomes) <= {(201, None), (400, "invalid")}, outcomes
    held = Ticket.objects.filter(screening=screening, order__email__iexact="ana@example.org").count()
    assert 0 < held <= cap
