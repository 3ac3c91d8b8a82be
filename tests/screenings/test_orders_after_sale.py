"""After the sale: the door's payment step, sending an order's tickets again, the attendee list."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail

from screenings.models import Order
from screenings.services.orders import order_place, ticket_refund
from tests.factories import ScreeningFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def screening(organizer):
    return ScreeningFactory(organizer=organizer, base_price="12.00", half_price=True)


def _order(screening, quantity=3, **kwargs) -> Order:
    order, _ = order_place(screening_id=screening.pk, email="family@example.org", quantity=quantity, **kwargs)
    return order


def test_the_admission_that_settles_an_order_says_what_to_collect(
    screening, organizer, client_for, django_capture_on_commit_callbacks
):
    order = _order(screening, quantity=3)
    first, second, third = order.tickets.order_by("id")
    ticket_refund(code=third.code, user=organizer)  # refunded before the show: not collected
    api = client_for(organizer)

    answer = api.post(f"/api/tickets/{first.code}/check-in/", {"screening": screening.pk}, format="json").json()
    again = api.post(f"/api/tickets/{second.code}/check-in/", {"screening": screening.pk}, format="json").json()

    assert answer["status"] == "checked_in"
    assert answer["collect"] == {"amount": "12.00", "currency": screening.currency, "tickets": 2}
    assert again["collect"] is None  # the order is paid: the rest of the party walks in
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_the_order_link_sends_the_tickets_again_to_the_orders_address_only(
    screening, client, django_capture_on_commit_callbacks
):
    order = _order(screening, quantity=2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/{order.code}/resend/", {"email": "attacker@example.org"}, follow=True)

    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["family@example.org"]]
    assert "We sent the tickets again to family@example.org." in response.content.decode()
    assert all(t.code in mail.outbox[0].body for t in order.tickets.all())


def test_resending_is_limited(screening, client, django_capture_on_commit_callbacks):
    order = _order(screening, quantity=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            response = client.post(f"/o/{order.code}/resend/", follow=True)
    assert len(mail.outbox) == 3
    assert "sent again several times already" in response.content.decode()


def test_a_wrong_order_code_cannot_resend(client):
    assert client.post("/o/not-an-order-code-at-all-0000000000000000/resend/").status_code == 404


def test_the_box_office_order_page_resends_for_its_own_organizer_only(
    screening, organizer, client, django_capture_on_commit_callbacks
):
    order = _order(screening, quantity=2)
    client.force_login(UserFactory())
    assert client.get(f"/box-office/orders/{order.pk}/").status_code == 403
    assert client.post(f"/box-office/orders/{order.pk}/resend/").status_code == 403

    client.force_login(organizer)
    page = client.get(f"/box-office/orders/{order.pk}/").content.decode()
    assert "family@example.org" in page and "to pay at the door" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/box-office/orders/{order.pk}/resend/")
    assert [m.to for m in mail.outbox] == [["family@example.org"]]


def test_the_attendee_list_has_every_ticket_and_no_codes(screening, organizer, client):
    order = _order(screening, quantity=2, name='=HYPERLINK("http://evil")')
    client.force_login(organizer)
    response = client.get(f"/box-office/screenings/{screening.pk}/attendees.csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["ticket"] for r in rows] == ["1", "2"]
    assert {r["email"] for r in rows} == {"family@example.org"}
    assert all(r["name"].startswith("'=") for r in rows)  # a formula stays text in a spreadsheet
    assert all(r["payment_status"] == "pending" and r["status"] == "valid" for r in rows)
    body = response.content.decode()
    assert all(t.code not in body and t.code[:8] in body for t in order.tickets.all())

    client.force_login(UserFactory())
    assert client.get(f"/box-office/screenings/{screening.pk}/attendees.csv").status_code == 403
