"""Sale limits (API.md 1.1 "Limits"): caps per order and per buyer, sales window, not_on_sale."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from screenings.models import Screening, Ticket
from screenings.selectors.ticketing import screening_on_sale
from screenings.services.orders import order_place, ticket_refund
from tests.factories import ScreeningFactory

pytestmark = pytest.mark.django_db


def order(screening, *, email="ana@example.org", quantity=1):
    return APIClient().post(
        f"/api/screenings/{screening.pk}/orders/", {"email": email, "quantity": quantity}, format="json"
    )


def error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_one_client_with_one_email_cannot_take_the_hall_with_default_caps():
    """The issue's attack: ten orders of 20 took all 200 seats in 6 s."""
    screening = ScreeningFactory(capacity=200)

    statuses = [order(screening, email="hoarder@example.org", quantity=20).status_code for _ in range(10)]

    assert statuses[0] == 201 and set(statuses[1:]) == {400}
    assert Ticket.objects.filter(screening=screening).count() == screening.max_tickets_per_buyer < 200


def test_caps_are_shown_in_the_screenings_json():
    screening = ScreeningFactory(max_tickets_per_order=6, max_tickets_per_buyer=8)

    body = APIClient().get(f"/api/screenings/{screening.pk}/").json()

    assert body["max_tickets_per_order"] == 6 and body["max_tickets_per_buyer"] == 8
    assert body["sales_open_at"] is None and body["sales_close_at"] is None and body["on_sale"] is True


def test_over_the_order_cap_is_invalid_naming_the_cap():
    screening = ScreeningFactory(max_tickets_per_order=4)

    body = error(order(screening, quantity=5), 400, "invalid")

    assert "4" in " ".join(body["fields"]["quantity"])
    assert order(screening, quantity=4).status_code == 201


def test_the_buyer_cap_counts_every_order_of_one_email_in_any_case_but_not_refunds(organizer):
    screening = ScreeningFactory(organizer=organizer, max_tickets_per_order=5, max_tickets_per_buyer=6)
    assert order(screening, email="ana@example.org", quantity=5).status_code == 201

    body = error(order(screening, email="ANA@Example.ORG", quantity=2), 400, "invalid")
    assert "6" in " ".join(body["fields"]["quantity"])
    assert order(screening, email="Ana@example.org", quantity=1).status_code == 201

    ticket = Ticket.objects.filter(screening=screening).first()
    ticket_refund(code=ticket.code, user=organizer)
    assert order(screening, email="ana@example.org", quantity=1).status_code == 201
    assert order(screening, email="bo@example.org", quantity=5).status_code == 201  # another buyer


def test_more_than_the_seats_left_is_sold_out_with_the_number_left():
    screening = ScreeningFactory(capacity=3)
    order(screening, email="a@example.org", quantity=2)

    body = error(order(screening, quantity=2), 409, "sold_out")

    assert body["fields"]["remaining"] == 1


def test_a_new_screening_sells_at_once_and_the_window_bounds_the_sale():
    now = timezone.now()
    screening = ScreeningFactory(status=Screening.Status.SCHEDULED)
    assert order(screening).status_code == 201

    screening.sales_open_at = now + timedelta(hours=1)
    screening.save()
    error(order(screening), 409, "not_on_sale")
    assert APIClient().get(f"/api/screenings/{screening.pk}/").json()["on_sale"] is False

    screening.sales_open_at, screening.sales_close_at = now - timedelta(hours=2), now - timedelta(minutes=1)
    screening.save()
    error(order(screening), 409, "not_on_sale")

    screening.sales_close_at = now + timedelta(hours=1)
    screening.save()
    assert order(screening, email="b@example.org").status_code == 201


@pytest.mark.parametrize("status", [Screening.Status.ENDED, Screening.Status.CANCELLED])
def test_an_ended_or_cancelled_screening_is_not_on_sale(status):
    screening = ScreeningFactory(status=status)

    error(order(screening), 409, "not_on_sale")


def test_the_buy_page_and_the_api_agree(client):
    now = timezone.now()
    cases = [
        {},
        {"sales_open_at": now + timedelta(days=1)},
        {"sales_close_at": now - timedelta(minutes=1), "sales_open_at": now - timedelta(days=1)},
        {"status": Screening.Status.CANCELLED},
        {"status": Screening.Status.LIVE},
    ]
    for fields in cases:
        screening = ScreeningFactory(**fields)
        api = APIClient().get(f"/api/screenings/{screening.pk}/").json()["on_sale"]
        page = client.get(f"/screenings/{screening.pk}/").content.decode()
        assert api == screening_on_sale(screening) == ('id="buy"' in page), fields
        assert api != ('id="not-on-sale"' in page)


def test_the_buy_page_names_the_cap_it_refused():
    screening = ScreeningFactory(max_tickets_per_order=3)
    page = APIClient().get(f"/screenings/{screening.pk}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)

    response = APIClient().post(
        f"/screenings/{screening.pk}/", {"email": "a@example.org", "quantity": 4, "idempotency_key": key}
    )

    assert response.status_code == 400
    assert "At most 3 tickets per order" in response.content.decode()
    assert not Ticket.objects.exists()


def test_organizers_set_the_limits_through_the_api(client_for, organizer):
    screening = ScreeningFactory(organizer=organizer)
    api = client_for(organizer)
    opens = (timezone.now() + timedelta(days=1)).replace(microsecond=0)

    response = api.patch(
        f"/api/screenings/{screening.pk}/",
        {"max_tickets_per_order": 2, "max_tickets_per_buyer": 3, "sales_open_at": opens.isoformat()},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["max_tickets_per_order"], body["max_tickets_per_buyer"], body["on_sale"]) == (2, 3, False)
    assert api.patch(f"/api/screenings/{screening.pk}/", {"sales_open_at": None}, format="json").json()["on_sale"]
    bad = api.patch(
        f"/api/screenings/{screening.pk}/",
        {"sales_open_at": opens.isoformat(), "sales_close_at": (opens - timedelta(hours=1)).isoformat()},
        format="json",
    )
    error(bad, 400, "invalid")


def test_organizers_set_the_limits_on_the_box_office_form(client, organizer):
    screening = ScreeningFactory(organizer=organizer)
    client.force_login(organizer)
    page = client.get(f"/box-office/screenings/{screening.pk}/").content.decode()
    assert 'name="max_tickets_per_order"' in page and 'name="sales_open_at"' in page

    response = client.post(
        f"/box-office/screenings/{screening.pk}/",
        {
            "starts_at": "2030-01-01T20:00",
            "capacity": 100,
            "base_price": "12.00",
            "currency": "EUR",
            "half_price": "on",
            "round_votes": "on",
            "max_tickets_per_order": 4,
            "max_tickets_per_buyer": 5,
            "sales_open_at": "2029-12-01T10:00",
            "sales_close_at": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    screening.refresh_from_db()
    assert (screening.max_tickets_per_order, screening.max_tickets_per_buyer) == (4, 5)
    assert screening.sales_open_at is not None and screening.sales_close_at is None
    assert not screening_on_sale(screening)


def test_service_refuses_before_writing_anything():
    screening = ScreeningFactory(max_tickets_per_buyer=2)
    order_place(screening_id=screening.pk, email="a@example.org", quantity=2)

    with pytest.raises(Exception, match="per buyer"):
        order_place(screening_id=screening.pk, email="A@example.org", quantity=1)
    assert Ticket.objects.filter(screening=screening).count() == 2
