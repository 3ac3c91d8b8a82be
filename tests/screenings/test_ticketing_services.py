from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from config.errors import AlreadyCheckedIn, Conflict, Forbidden, Invalid, SoldOut
from screenings.models import Order, Screening, Ticket
from screenings.pricing import MINOR_UNITS, half_price
from screenings.services.orders import order_place, ticket_check_in, ticket_refund
from screenings.services.ticketing import (
    screening_cancel,
    screening_create,
    screening_on_sale_set,
    screening_update,
    venue_create,
    venue_update,
)
from screenings.signals import tickets_refunded
from tests.factories import ScreeningFactory, VenueFactory

KEY = "retry-key-0123456789"

pytestmark = pytest.mark.django_db


def buy(screening, quantity=1, **kwargs):
    kwargs.setdefault("email", "ana@example.org")
    order, _ = order_place(screening_id=screening.pk, quantity=quantity, **kwargs)
    return order


@pytest.fixture
def refunds():
    """A real receiver of tickets_refunded, as voting connects one."""
    received = []

    def receiver(sender, tickets, **kwargs):
        received.append([t.code for t in tickets])

    tickets_refunded.connect(receiver, weak=False)
    yield received
    tickets_refunded.disconnect(receiver)


@pytest.mark.parametrize(
    ("base", "currency", "paid"),
    [("12.00", "EUR", "6.00"), ("12.99", "EUR", "6.50"), ("0.01", "USD", "0.01"), ("9001", "KRW", "4501")],
)
def test_half_price_ticket_records_the_rounded_half(organizer, base, currency, paid):
    screening = ScreeningFactory(organizer=organizer, base_price=Decimal(base), currency=currency, half_price=True)

    order = buy(screening, quantity=3)

    tickets = list(order.tickets.all())
    assert [t.price for t in tickets] == [Decimal(paid)] * 3
    assert {t.kind for t in tickets} == {Ticket.Kind.HALF}
    assert order.total == Decimal(paid) * 3


def test_full_price_screening_sells_full_tickets(organizer):
    screening = ScreeningFactory(organizer=organizer, base_price=Decimal("12.99"), half_price=False)

    ticket = buy(screening).tickets.get()

    assert (ticket.kind, ticket.price) == (Ticket.Kind.FULL, Decimal("12.99"))


def test_ticket_codes_are_long_url_safe_and_distinct_from_secrets(screening):
    tickets = list(buy(screening, quantity=5).tickets.all())

    assert len({t.code for t in tickets}) == 5
    for ticket in tickets:
        assert len(ticket.code) == 43  # 32 random bytes
        assert set(ticket.code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert len(ticket.secret) == 64 and ticket.secret != ticket.code


def test_at_door_order_is_pending_until_admitted_then_paid(screening, organizer):
    order = buy(screening, quantity=2)
    assert (order.payment_provider, order.payment_status) == ("at_door", Order.PaymentStatus.PENDING)

    ticket_check_in(code=order.tickets.first().code, user=organizer)

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID


def test_sold_out_sells_nothing(organizer):
    screening = ScreeningFactory(organizer=organizer, capacity=3)
    buy(screening, quantity=2)

    with pytest.raises(SoldOut) as err:
        buy(screening, quantity=2, email="late@example.org")

    assert err.value.extra == {"seats_left": 1}
    assert Order.objects.filter(email="late@example.org").count() == 0
    assert screening.tickets.count() == 2


def test_quantity_limits(screening):
    for quantity in (0, 21):
        with pytest.raises(Invalid):
            buy(screening, quantity=quantity)
    assert buy(screening, quantity=20).tickets.count() == 20


@pytest.mark.parametrize("status", [Screening.Status.SCHEDULED, Screening.Status.ON_SALE, Screening.Status.LIVE])
def test_tickets_sell_from_creation_until_the_end(organizer, status):
    screening = ScreeningFactory(organizer=organizer, status=status)

    assert buy(screening).tickets.count() == 1


@pytest.mark.parametrize("status", [Screening.Status.ENDED, Screening.Status.CANCELLED])
def test_no_sales_once_ended_or_cancelled(organizer, status):
    screening = ScreeningFactory(organizer=organizer, status=status)

    with pytest.raises(Conflict):
        buy(screening)


def test_idempotent_retry_returns_the_first_order(screening):
    first, created = order_place(screening_id=screening.pk, email="a@example.org", quantity=2, idempotency_key=KEY)
    again, created_again = order_place(
        screening_id=screening.pk, email="a@example.org", quantity=2, idempotency_key=KEY
    )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert screening.tickets.count() == 2


def test_reused_key_with_another_request_is_a_conflict(screening):
    order_place(screening_id=screening.pk, email="a@example.org", quantity=2, idempotency_key=KEY)

    with pytest.raises(Conflict):
        order_place(screening_id=screening.pk, email="a@example.org", quantity=3, idempotency_key=KEY)
    assert screening.tickets.count() == 2


def test_check_in_twice_is_refused_with_the_first_time(screening, organizer):
    ticket = buy(screening).tickets.get()
    first = ticket_check_in(code=ticket.code, user=organizer)

    with pytest.raises(AlreadyCheckedIn) as err:
        ticket_check_in(code=ticket.code, user=organizer)

    assert err.value.as_dict()["checked_in_at"] == first.checked_in_at.isoformat()


def test_refunded_ticket_cannot_check_in(screening, organizer):
    ticket = buy(screening).tickets.get()
    ticket_refund(code=ticket.code, user=organizer)

    with pytest.raises(Conflict) as err:
        ticket_check_in(code=ticket.code, user=organizer)
    assert err.value.extra == {"ticket_status": "refunded"}


def test_refund_frees_the_seat_and_tells_listeners(organizer, refunds):
    screening = ScreeningFactory(organizer=organizer, capacity=1)
    ticket = buy(screening).tickets.get()

    refunded = ticket_refund(code=ticket.code, user=organizer)

    assert refunded.status == Ticket.Status.REFUNDED and refunded.refunded_at is not None
    assert refunds == [[ticket.code]]
    assert buy(screening, email="next@example.org").tickets.count() == 1  # the seat sells again
    with pytest.raises(Conflict):
        ticket_refund(code=ticket.code, user=organizer)


def test_order_is_refunded_once_all_its_tickets_are(screening, organizer):
    order = buy(screening, quantity=2)
    first, second = order.tickets.all()

    ticket_refund(code=first.code, user=organizer)
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PENDING
    ticket_refund(code=second.code, user=organizer)
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED


def test_cancel_refunds_every_ticket(screening, organizer, refunds):
    one, two = buy(screening, quantity=1), buy(screening, quantity=2, email="b@example.org")
    checked = one.tickets.get()
    ticket_check_in(code=checked.code, user=organizer)

    refunded = screening_cancel(screening=screening, user=organizer)

    assert len(refunded) == 3
    assert set(screening.tickets.values_list("status", flat=True)) == {Ticket.Status.REFUNDED}
    assert sorted(refunds[0]) == sorted(t.code for t in [*one.tickets.all(), *two.tickets.all()])
    screening.refresh_from_db()
    assert screening.status == Screening.Status.CANCELLED
    with pytest.raises(Conflict):
        screening_cancel(screening=screening, user=organizer)


def test_only_the_organizer_or_a_superuser_manages_tickets(screening, stranger, superuser):
    ticket = buy(screening).tickets.get()

    for operation in (ticket_check_in, ticket_refund):
        with pytest.raises(Forbidden):
            operation(code=ticket.code, user=stranger)
    with pytest.raises(Forbidden):
        screening_cancel(screening=screening, user=stranger)
    assert ticket_check_in(code=ticket.code, user=superuser).status == Ticket.Status.CHECKED_IN


def test_capacity_cannot_exceed_the_venue_seats(organizer, production):
    venue = venue_create(owner=organizer, name="Hall", seats=50, time_zone="Asia/Seoul")
    common = {
        "organizer": organizer,
        "production": production,
        "starts_at": timezone.now() + timedelta(days=1),
        "base_price": Decimal("10"),
        "currency": "EUR",
        "half_price": True,
    }

    with pytest.raises(Invalid) as err:
        screening_create(venue=venue, capacity=51, **common)
    assert "capacity" in err.value.fields
    assert screening_create(venue=venue, capacity=50, **common).status == Screening.Status.SCHEDULED
    assert screening_create(venue=None, capacity=5000, **common).venue is None  # online


def test_screening_on_another_organizers_venue_is_forbidden(organizer, stranger, production):
    venue = VenueFactory(owner=stranger)

    with pytest.raises(Forbidden):
        screening_create(
            organizer=organizer,
            production=production,
            venue=venue,
            starts_at=timezone.now(),
            capacity=10,
            base_price=Decimal("10"),
            currency="EUR",
            half_price=False,
        )


def test_price_finer_than_the_minor_unit_is_invalid(organizer, production):
    with pytest.raises(Invalid) as err:
        screening_create(
            organizer=organizer,
            production=production,
            venue=None,
            starts_at=timezone.now(),
            capacity=10,
            base_price=Decimal("12000.50"),
            currency="KRW",
            half_price=True,
        )
    assert "base_price" in err.value.fields


def test_capacity_cannot_drop_below_seats_sold(screening, organizer):
    buy(screening, quantity=5)

    with pytest.raises(Invalid):
        screening_update(screening=screening, user=organizer, capacity=4)
    assert screening_update(screening=screening, user=organizer, capacity=5).capacity == 5


def test_venue_seats_cannot_drop_below_a_screening_capacity(screening, organizer, venue):
    with pytest.raises(Invalid):
        venue_update(venue=venue, user=organizer, seats=screening.capacity - 1)
    assert venue_update(venue=venue, user=organizer, seats=screening.capacity).seats == screening.capacity


def test_unknown_time_zone_is_invalid(organizer):
    with pytest.raises(Invalid):
        venue_create(owner=organizer, name="Hall", seats=10, time_zone="Mars/Olympus")


def test_on_sale_is_the_only_status_the_box_office_sets(organizer):
    """Going live and ending belong to the live services (they play and broadcast)."""
    screening = ScreeningFactory(organizer=organizer, status=Screening.Status.SCHEDULED)

    assert screening_on_sale_set(screening=screening, user=organizer).status == "on_sale"
    assert screening_on_sale_set(screening=screening, user=organizer).status == "on_sale"  # idempotent
    for status in ("live", "ended", "cancelled"):
        Screening.objects.filter(pk=screening.pk).update(status=status)
        with pytest.raises(Conflict):
            screening_on_sale_set(screening=screening, user=organizer)
        assert Screening.objects.get(pk=screening.pk).status == status


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(min_value=0, max_value=10**10 - 1), currency=st.sampled_from(["EUR", "USD", "KRW", "JPY"]))
def test_half_price_is_the_nearest_minor_unit_rounding_half_up(cents, currency):
    places = MINOR_UNITS[currency]
    base = Decimal(cents).scaleb(-places)
    unit = Decimal(1).scaleb(-places)

    half = half_price(base, currency)

    assert half.as_tuple().exponent == -places
    assert Decimal(0) <= half - base / 2 < unit  # never below half, less than a unit above
    assert half - base / 2 in (Decimal(0), unit / 2)  # exact, or the .5 case rounded up


def test_admin_refund_action_goes_through_the_service(client, superuser, screening, refunds):
    order = buy(screening, quantity=2)
    client.force_login(superuser)

    response = client.post(
        "/admin/screenings/ticket/",
        {"action": "refund_tickets", "_selected_action": [t.pk for t in order.tickets.all()]},
        follow=True,
    )

    assert "2 tickets refunded" in response.content.decode()
    assert set(order.tickets.values_list("status", flat=True)) == {Ticket.Status.REFUNDED}
    assert len(refunds) == 2
