"""Ticketing: venues and screenings (creating, editing, putting on sale, cancelling). One transaction each.

Locks follow the one order of screenings/locking.py (screening, venue, then the polls a
refund touches, tickets, orders). Orders, check-in and refunds: orders.py; when a screening
sells: screenings/selectors/ticketing.py (screening_sale_refusal).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import available_timezones

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import Conflict, Invalid
from screenings import policy
from screenings.locking import locked, locked_one
from screenings.models import Production, Screening, Ticket, Venue
from screenings.models.ticketing import ORDER_QUANTITY_CEILING
from screenings.pricing import minor_unit, quantize
from screenings.selectors.ticketing import seats_sold
from screenings.services.orders import tickets_refund
from screenings.signals import tickets_refund_prepare


def _check_time_zone(time_zone: str) -> None:
    if time_zone not in available_timezones():
        raise Invalid(_("Unknown time zone."), fields={"time_zone": [_("Unknown time zone.")]})


def _check_price(base_price: Decimal, currency: str) -> None:
    if quantize(base_price, currency) != base_price:
        places = minor_unit(currency)
        raise Invalid(
            _("A %(currency)s price has at most %(places)s decimal places.") % {"currency": currency, "places": places},
            fields={
                "base_price": [
                    _("At most %(places)s decimal places in %(currency)s.") % {"places": places, "currency": currency}
                ]
            },
        )


def _check_capacity(capacity: int, venue: Venue | None) -> None:
    if capacity < 1:
        raise Invalid(_("Capacity must be at least 1."), fields={"capacity": [_("Must be at least 1.")]})
    if venue is not None and capacity > venue.seats:
        raise Invalid(
            _("Capacity exceeds the venue's %(seats)s seats.") % {"seats": venue.seats},
            fields={"capacity": [_("At most %(seats)s (the venue's seats).") % {"seats": venue.seats}]},
        )


def _check_sale_limits(
    *, max_per_order: int | None, max_per_buyer: int | None, opens: datetime | None, closes: datetime | None
) -> None:
    if max_per_order is not None and not 1 <= max_per_order <= ORDER_QUANTITY_CEILING:
        raise Invalid(
            _("Tickets per order must be between 1 and %(n)d.") % {"n": ORDER_QUANTITY_CEILING},
            fields={"max_tickets_per_order": [_("Between 1 and %(n)d.") % {"n": ORDER_QUANTITY_CEILING}]},
        )
    if max_per_buyer is not None and max_per_buyer < 1:
        raise Invalid(_("Tickets per buyer must be at least 1."), fields={"max_tickets_per_buyer": [_("At least 1.")]})
    if opens and closes and opens >= closes:
        raise Invalid(_("Sales must open before they close."), fields={"sales_close_at": [_("After sales_open_at.")]})


# --- Venues ---------------------------------------------------------------------


@transaction.atomic
def venue_create(*, owner, name: str, seats: int, city: str = "", time_zone: str = "UTC") -> Venue:
    _check_time_zone(time_zone)
    if seats < 1:
        raise Invalid(_("A venue needs seats."), fields={"seats": [_("Must be at least 1.")]})
    return Venue.objects.create(owner=owner, name=name, city=city, seats=seats, time_zone=time_zone)


@transaction.atomic
def venue_update(
    *,
    venue: Venue,
    user,
    name: str | None = None,
    city: str | None = None,
    seats: int | None = None,
    time_zone: str | None = None,
) -> Venue:
    venue = locked_one(Venue.objects, venue.pk)
    policy.venue_manage_check(user=user, venue=venue)
    if time_zone is not None:
        _check_time_zone(time_zone)
        venue.time_zone = time_zone
    if seats is not None:
        largest = (
            venue.screenings.exclude(status__in=[Screening.Status.CANCELLED, Screening.Status.ENDED])
            .order_by("-capacity")
            .values_list("capacity", flat=True)
            .first()
        )
        least = max(largest or 1, 1)
        if seats < least:
            raise Invalid(
                _("Seats cannot drop below a screening's capacity."),
                fields={"seats": [_("At least %(least)s.") % {"least": least}]},
            )
        venue.seats = seats
    if name is not None:
        venue.name = name
    if city is not None:
        venue.city = city
    venue.save()
    return venue


# --- Screenings -----------------------------------------------------------------


@transaction.atomic
def screening_create(
    *,
    organizer,
    production: Production,
    venue: Venue | None,
    starts_at: datetime,
    capacity: int,
    base_price: Decimal,
    currency: str,
    half_price: bool,
    require_check_in: bool = False,
    round_votes: bool = True,
    max_tickets_per_order: int | None = None,
    max_tickets_per_buyer: int | None = None,
    sales_open_at: datetime | None = None,
    sales_close_at: datetime | None = None,
) -> Screening:
    policy.production_screen_check(user=organizer, production=production)
    if venue is not None:
        venue = locked_one(Venue.objects, venue.pk)  # seats cannot shrink meanwhile
        policy.venue_manage_check(user=organizer, venue=venue)
    _check_price(base_price, currency)
    _check_capacity(capacity, venue)
    _check_sale_limits(
        max_per_order=max_tickets_per_order,
        max_per_buyer=max_tickets_per_buyer,
        opens=sales_open_at,
        closes=sales_close_at,
    )
    limits = {
        name: value
        for name, value in [
            ("max_tickets_per_order", max_tickets_per_order),
            ("max_tickets_per_buyer", max_tickets_per_buyer),
        ]
        if value is not None
    }
    return Screening.objects.create(
        production=production,
        organizer=organizer,
        venue=venue,
        starts_at=starts_at,
        capacity=capacity,
        base_price=base_price,
        currency=currency,
        half_price=half_price,
        require_check_in=require_check_in,
        round_votes=round_votes,
        sales_open_at=sales_open_at,
        sales_close_at=sales_close_at,
        **limits,
    )


_UNSET = object()


@transaction.atomic
def screening_update(
    *,
    screening: Screening,
    user,
    starts_at: datetime | None = None,
    capacity: int | None = None,
    base_price: Decimal | None = None,
    currency: str | None = None,
    half_price: bool | None = None,
    require_check_in: bool | None = None,
    round_votes: bool | None = None,
    max_tickets_per_order: int | None = None,
    max_tickets_per_buyer: int | None = None,
    sales_open_at=_UNSET,
    sales_close_at=_UNSET,
) -> Screening:
    """Change a screening's details (sales_open_at / sales_close_at: None clears them). Tickets keep the price they were sold at; voting
    policies (check-in required, release-round votes) apply from the next vote on."""
    screening = locked_one(Screening.objects, screening.pk)
    policy.screening_manage_check(user=user, screening=screening)
    if screening.status in (Screening.Status.ENDED, Screening.Status.CANCELLED):
        raise Conflict(_("The screening is %(status)s.") % {"status": screening.status})
    if currency is not None and currency != screening.currency and screening.tickets.exists():
        raise Invalid(_("Tickets were sold in another currency."), fields={"currency": [_("Tickets already sold.")]})
    new_currency = currency or screening.currency
    new_price = screening.base_price if base_price is None else base_price
    _check_price(new_price, new_currency)
    if capacity is not None:
        # The venue's lock orders this check with venue_update shrinking its seats.
        venue = locked_one(Venue.objects, screening.venue_id) if screening.venue_id else None
        _check_capacity(capacity, venue)
        sold = seats_sold(screening)
        if capacity < sold:
            raise Invalid(
                _("%(sold)s seats are already sold.") % {"sold": sold},
                fields={"capacity": [_("At least %(sold)s.") % {"sold": sold}]},
            )
        screening.capacity = capacity
    plain = {
        "starts_at": starts_at,
        "half_price": half_price,
        "require_check_in": require_check_in,
        "round_votes": round_votes,
        "max_tickets_per_order": max_tickets_per_order,
        "max_tickets_per_buyer": max_tickets_per_buyer,
    }
    for name, value in plain.items():  # None: unchanged
        if value is not None:
            setattr(screening, name, value)
    for name, value in {"sales_open_at": sales_open_at, "sales_close_at": sales_close_at}.items():
        if value is not _UNSET:  # None clears a sales bound, _UNSET leaves it
            setattr(screening, name, value)
    _check_sale_limits(
        max_per_order=screening.max_tickets_per_order,
        max_per_buyer=screening.max_tickets_per_buyer,
        opens=screening.sales_open_at,
        closes=screening.sales_close_at,
    )
    screening.currency, screening.base_price = new_currency, new_price
    screening.save()
    return screening


@transaction.atomic
def screening_on_sale_set(*, screening: Screening, user) -> Screening:
    """Mark a scheduled screening on sale (it already sells while scheduled: the box office's
    word for "announced"). Going live and ending belong to the live screening services
    (voting/live/services.py: screening_start, screening_end), which also play and broadcast."""
    screening = locked_one(Screening.objects, screening.pk)
    policy.screening_manage_check(user=user, screening=screening)
    if screening.status == Screening.Status.ON_SALE:
        return screening
    if screening.status != Screening.Status.SCHEDULED:
        raise Conflict(_("A %(status)s screening cannot be put on sale.") % {"status": screening.status})
    screening.status = Screening.Status.ON_SALE
    screening.save(update_fields=["status"])
    return screening


@transaction.atomic
def screening_cancel(*, screening: Screening, user) -> list[Ticket]:
    """Cancel the screening and refund every ticket it sold; returns the refunded tickets."""
    screening = locked_one(Screening.objects, screening.pk)
    policy.screening_manage_check(user=user, screening=screening)
    if screening.status in (Screening.Status.ENDED, Screening.Status.CANCELLED):
        raise Conflict(_("The screening is already %(status)s.") % {"status": screening.status})
    screening.status = Screening.Status.CANCELLED
    screening.save(update_fields=["status"])
    tickets_refund_prepare.send(sender=Ticket, screening=screening)
    tickets = locked(Ticket.objects.filter(screening=screening).exclude(status=Ticket.Status.REFUNDED))
    tickets_refund(tickets=tickets)
    return tickets
