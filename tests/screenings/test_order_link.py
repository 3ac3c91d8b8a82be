"""The order link (/o/<code>/): one phone for every ticket of an order, behind a secret of its own."""

from __future__ import annotations

import secrets

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from screenings.models import Order
from screenings.selectors.ticketing import order_by_code_get, order_tickets_list
from screenings.services.orders import order_place, ticket_refund
from tests.factories import EpisodeFactory, OrderFactory, ScreeningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(screening, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves on commit
        placed, _ = order_place(screening_id=screening.pk, email="parent@example.org", name="Parent", quantity=4)
    return placed


def test_every_order_gets_its_own_unguessable_code(order, screening):
    other, _ = order_place(screening_id=screening.pk, email="other@example.org", quantity=1)
    codes = {t.code for t in order.tickets.all()}

    assert len(order.code) == 43 and order.code != other.code  # secrets.token_urlsafe(32): 256 bits
    assert order.code not in codes
    assert Order.objects.filter(code=order.code).count() == 1


def test_the_order_code_finds_the_order_and_nothing_else_does(order):
    assert order_by_code_get(code=order.code) == order
    for wrong in (str(order.pk), order.email, order.tickets.first().code, secrets.token_urlsafe(32), "", "a\x00b"):
        assert order_by_code_get(code=wrong) is None


def test_tickets_are_numbered_and_refunded_ones_keep_their_number(order, organizer):
    refunded = order.tickets.order_by("id")[2]
    ticket_refund(code=refunded.code, user=organizer)

    rows = order_tickets_list(order=order_by_code_get(code=order.code))

    assert [(r.number, r.of) for r in rows] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [r.ticket.id for r in rows] == sorted(order.tickets.values_list("id", flat=True))
    assert [r.refunded for r in rows] == [False, False, True, False]


def test_the_order_email_and_confirmation_carry_the_order_link(order, screening, settings):
    link = f"{settings.SITE_URL.rstrip('/')}/o/{order.code}/"
    message = mail.outbox[-1]

    assert link in message.body and link in message.alternatives[0][0]
    assert "Vote with all 4 tickets of this order from one phone" in message.body

    bought = Client().post(
        f"/screenings/{screening.pk}/",
        {"email": "kid@example.org", "quantity": 2, "idempotency_key": secrets.token_urlsafe(16)},
    )
    assert bought.status_code == 201
    second = Order.objects.get(email="kid@example.org")
    page = bought.content.decode()
    assert f"/o/{second.code}/" in page and 'id="order-link"' in page and "<svg" in page


def test_the_api_order_answer_has_the_order_link(api_client, screening):
    response = api_client.post(f"/api/screenings/{screening.pk}/orders/", {"email": "a@example.org", "quantity": 2})

    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["id"])
    assert response.json()["order_url"] == f"{settings.SITE_URL.rstrip('/')}/o/{order.code}/"


def test_the_order_page_lists_the_tickets_and_offers_one_phone(order, organizer):
    refunded = order.tickets.order_by("id")[3]
    ticket_refund(code=refunded.code, user=organizer)

    page = Client().get(f"/o/{order.code}/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "Vote with all 3 tickets of this order on this phone" in body
    assert f'href="/o/{order.code}/live/"' in body
    assert "Ticket 1 of 4" in body and "Ticket 4 of 4" in body
    for ticket in order.tickets.exclude(pk=refunded.pk):
        assert f"/t/{ticket.code}/" in body
    assert refunded.code not in body  # a refunded ticket's code is not handed out again


def test_the_live_page_holds_the_codes_of_the_tickets_that_vote(order, organizer):
    refunded = order.tickets.order_by("id")[1]
    ticket_refund(code=refunded.code, user=organizer)

    page = Client().get(f"/o/{order.code}/live/")

    body = page.content.decode()
    assert page.status_code == 200 and 'id="order-tickets"' in body and "live/order.js" in body
    for ticket in order.tickets.exclude(pk=refunded.pk):
        assert ticket.code in body
    assert refunded.code not in body and '"refunded": true' in body


def test_the_order_id_or_email_opens_nothing(order):
    client = Client()
    for path in (f"/o/{order.pk}/", f"/o/{order.pk}/live/", "/o/parent@example.org/"):
        assert client.get(path).status_code == 404
    assert order.tickets.first().code not in client.get(f"/o/{order.pk}/").content.decode()


def test_guessing_order_codes_counts_towards_the_ticket_code_limit(order):
    limit = settings.TICKET_LOOKUP_FAILURE_LIMIT
    client = Client()
    statuses = [client.get(f"/o/{secrets.token_urlsafe(32)}/").status_code for _ in range(limit)]
    assert statuses == [404] * limit

    assert client.get(f"/o/{secrets.token_urlsafe(32)}/live/").status_code == 429
    assert client.get(f"/o/{order.code}/").status_code == 429  # the address is refused until the window ends
    assert APIClient().get(f"/api/tickets/{secrets.token_urlsafe(32)}/").status_code == 429  # one count


def test_valid_order_codes_never_count(order):
    for _ in range(2 * settings.TICKET_LOOKUP_FAILURE_LIMIT):
        assert Client().get(f"/o/{order.code}/").status_code == 200

    assert Client().get(f"/o/{secrets.token_urlsafe(32)}/").status_code == 404


def test_an_order_made_without_the_service_still_gets_a_code():
    assert len(OrderFactory().code) == 43


def test_an_online_screenings_order_phone_is_the_familys_screen_too(producer):
    screening = ScreeningFactory(venue=None, production__owner=producer)
    EpisodeFactory(production=screening.production, title="Pilot", published=True)
    order, _ = order_place(screening_id=screening.pk, email="family@example.org", quantity=2)

    body = Client().get(f"/o/{order.code}/live/").content.decode()

    assert 'id="stage"' in body and 'id="episodes"' in body and "Pilot" in body
    assert "live/player.js" in body


@pytest.mark.django_db(transaction=True)
def test_orders_placed_before_the_migration_get_codes_of_their_own(screening):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("screenings", "0005_sale_limits_and_idempotency_digest")], [("screenings", "0006_order_code")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("screenings", "Order")
    for n in range(3):
        old.objects.create(screening_id=screening.pk, email=f"early{n}@example.org", total=0, currency="EUR")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    codes = list(Order.objects.filter(email__startswith="early").values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 3 and all(len(code) == 43 for code in codes)
