"""Ticketing: venues, screenings, orders, check-in, refunds. Each operation is one transaction.

Locks follow the one order of screenings/locking.py (screening, venue, then the
polls a refund touches, tickets, orders), so concurrent orders, refunds, check-ins,
cancellations, edits, votes and decisions never deadlock. Seats sold are the
screening's tickets that are not refunded.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import AlreadyCheckedIn, Conflict, Invalid, NotFound, NotOnSale, SoldOut
from screenings import policy
from screenings.codes import ticket_code_valid
from screenings.emails import order_tickets_email_send
from screenings.localtime import venue_time_format
from screenings.locking import locked, locked_one
from screenings.models import Order, Production, Screening, Ticket, Venue
from screenings.models.ticketing import ORDER_QUANTITY_CEILING
from screenings.payments import DEFAULT_PROVIDER, payment_provider_get
from screenings.pricing import minor_unit, quantize
from screenings.signals import tickets_refund_prepare, tickets_refunded

MAX_TICKETS_PER_ORDER = ORDER_QUANTITY_CEILING  # what any order may ask for; each screening caps lower
# Idempotency keys are client-made secrets: long enough that nobody guesses one (a UUID, 16+ random bytes).
IDEMPOTENCY_KEY_MIN_LENGTH, IDEMPOTENCY_KEY_MAX_LENGTH = 16, 80
# Tickets sell from creation (the documented flow) until the screening ends or is cancelled,
# within the screening's optional sales window.
SALE_STATUSES = {Screening.Status.SCHEDULED, Screening.Status.ON_SALE, Screening.Status.LIVE}


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


def _seats_sold(screening: Screening) -> int:
    return screening.tickets.exclude(status=Ticket.Status.REFUNDED).count()


def screening_sale_refusal(screening: Screening, *, now: datetime | None = None) -> str | None:
    """Why `screening` sells no ticket right now, or None while it is on sale.

    The one rule the buy page, the API's `on_sale` and order_place all apply.
    """
    if screening.status not in SALE_STATUSES:
        return _("Tickets are not on sale: the screening is %(status)s.") % {"status": screening.status}
    now = now or timezone.now()
    if screening.sales_open_at and now < screening.sales_open_at:
        return _("Ticket sales open at %(time)s.") % {"time": screening.sales_open_at.isoformat()}
    if screening.sales_close_at and now >= screening.sales_close_at:
        return _("Ticket sales closed at %(time)s.") % {"time": screening.sales_close_at.isoformat()}
    return None


def screening_on_sale(screening: Screening, *, now: datetime | None = None) -> bool:
    return screening_sale_refusal(screening, now=now) is None


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


def idempotency_digest(*, screening_id: int, email: str, key: str) -> str:
    """What is stored for an Idempotency-Key: an HMAC (SECRET_KEY) of the key, scoped to the
    screening and the buyer's e-mail. A replay must present the key itself; the database
    alone reveals nothing that replays an order."""
    message = f"{screening_id}\n{email.strip().lower()}\n{key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def idempotency_key_check(key: str | None) -> None:
    if key and not IDEMPOTENCY_KEY_MIN_LENGTH <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        message = _("An idempotency key has %(low)d to %(high)d characters: send a random one (e.g. a UUID).") % {
            "low": IDEMPOTENCY_KEY_MIN_LENGTH,
            "high": IDEMPOTENCY_KEY_MAX_LENGTH,
        }
        raise Invalid(message, fields={"idempotency_key": [message]})


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
        sold = _seats_sold(screening)
        if capacity < sold:
            raise Invalid(
                _("%(sold)s seats are already sold.") % {"sold": sold},
                fields={"capacity": [_("At least %(sold)s.") % {"sold": sold}]},
            )
        screening.capacity = capacity
    if starts_at is not None:
        screening.starts_at = starts_at
    if half_price is not None:
        screening.half_price = half_price
    if require_check_in is not None:
        screening.require_check_in = require_check_in
    if round_votes is not None:
        screening.round_votes = round_votes
    if max_tickets_per_order is not None:
        screening.max_tickets_per_order = max_tickets_per_order
    if max_tickets_per_buyer is not None:
        screening.max_tickets_per_buyer = max_tickets_per_buyer
    if sales_open_at is not _UNSET:
        screening.sales_open_at = sales_open_at
    if sales_close_at is not _UNSET:
        screening.sales_close_at = sales_close_at
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
    _refund(tickets)
    return tickets


# --- Orders ---------------------------------------------------------------------


@transaction.atomic
def order_place(
    *,
    screening_id: int,
    email: str,
    quantity: int,
    name: str = "",
    idempotency_key: str | None = None,
    payment_provider: str = DEFAULT_PROVIDER,
) -> tuple[Order, bool]:
    """Sell `quantity` tickets, or none. Returns (order, created); a retry with the same
    idempotency key, e-mail and request within IDEMPOTENCY_KEY_TTL_HOURS returns the original
    order with created=False.

    Under the screening's row lock, in this order: the idempotency key, whether the screening
    is on sale, the per-order cap, the per-buyer cap (tickets this e-mail holds, any case),
    the seats left. Every check reads what the orders before it committed.
    """
    if not 1 <= quantity <= ORDER_QUANTITY_CEILING:
        raise Invalid(
            _("Buy between 1 and %(n)d tickets.") % {"n": ORDER_QUANTITY_CEILING},
            fields={"quantity": [_("Between 1 and %(n)d.") % {"n": ORDER_QUANTITY_CEILING}]},
        )
    idempotency_key_check(idempotency_key)
    # The row lock serialises every order of this screening: count, then sell, with no one in between.
    screening = locked_one(Screening.objects, screening_id)
    if screening is None:
        raise NotFound(_("No such screening."))
    digest = (
        idempotency_digest(screening_id=screening.pk, email=email, key=idempotency_key) if idempotency_key else None
    )
    if digest:
        earlier = Order.objects.filter(screening=screening, idempotency_digest=digest).first()
        if earlier is not None:
            ttl = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
            if earlier.created_at >= timezone.now() - ttl:
                if (earlier.name, earlier.tickets.count()) != (name, quantity):
                    raise Conflict(_("This idempotency key was used for a different order."))
                return earlier, False
            # Expired: the key no longer names that order; this request is a new purchase.
            Order.objects.filter(pk=earlier.pk).update(idempotency_digest=None)
    refusal = screening_sale_refusal(screening)
    if refusal:
        raise NotOnSale(refusal)
    if quantity > screening.max_tickets_per_order:
        cap = screening.max_tickets_per_order
        raise Invalid(
            _("At most %(n)d tickets per order for this screening.") % {"n": cap},
            fields={"quantity": [_("At most %(n)d tickets per order.") % {"n": cap}]},
            max_tickets_per_order=cap,
        )
    held = (
        Ticket.objects.filter(screening=screening, order__email__iexact=email.strip())
        .exclude(status=Ticket.Status.REFUNDED)
        .count()
    )
    if held + quantity > screening.max_tickets_per_buyer:
        cap = screening.max_tickets_per_buyer
        raise Invalid(
            _("At most %(n)d tickets per buyer for this screening; this e-mail already holds %(held)d.")
            % {"n": cap, "held": held},
            fields={"quantity": [_("At most %(n)d tickets per buyer (%(held)d held).") % {"n": cap, "held": held}]},
            max_tickets_per_buyer=cap,
            held=held,
        )
    seats_left = max(screening.capacity - _seats_sold(screening), 0)
    if quantity > seats_left:
        raise SoldOut(
            _("Only %(n)d seats left.") % {"n": seats_left}, fields={"remaining": seats_left}, seats_left=seats_left
        )

    kind = Ticket.Kind.HALF if screening.half_price else Ticket.Kind.FULL
    price = quantize(screening.ticket_price, screening.currency)
    provider = payment_provider_get(payment_provider)
    order = Order.objects.create(
        screening=screening,
        email=email,
        name=name,
        total=price * quantity,
        currency=screening.currency,
        payment_provider=provider.name,
        idempotency_digest=digest,
    )
    Ticket.objects.bulk_create(
        Ticket(
            order=order,
            screening=screening,
            code=secrets.token_urlsafe(32),
            secret=secrets.token_hex(32),
            kind=kind,
            price=price,
        )
        for _ in range(quantity)
    )
    order.payment_status = provider.order_placed(order=order)
    order.save(update_fields=["payment_status"])
    transaction.on_commit(lambda: order_tickets_email_send(order_id=order.pk))
    return order, True


# --- Tickets --------------------------------------------------------------------


def _ticket_for_organizer(code: str, user, *, refunding: bool) -> Ticket:
    """The ticket, locked, once `user` is known to run its screening. A refund first locks the
    screening (its seat is sold again) and, through tickets_refund_prepare, the open polls the
    ticket may have voted in: the lock order puts both before the ticket."""
    found = ticket_code_valid(code) and Ticket.objects.filter(code=code).values_list("screening_id", flat=True).first()
    if not found:
        raise NotFound(_("No such ticket."))
    screening = locked_one(Screening.objects, found) if refunding else Screening.objects.get(pk=found)
    policy.screening_manage_check(user=user, screening=screening)
    if refunding:
        tickets_refund_prepare.send(sender=Ticket, screening=screening)
    ticket = locked(Ticket.objects.filter(code=code))[0]
    ticket.screening = screening
    return ticket


@transaction.atomic
def ticket_check_in(*, code: str, user, screening_id: int | None = None) -> Ticket:
    """Admit the ticket's holder once; a second scan is refused with the time of the first.
    With `screening_id` (the door's screening), a ticket for another screening is refused."""
    ticket = _ticket_for_organizer(code, user, refunding=False)
    if screening_id is not None and ticket.screening_id != screening_id:
        raise Conflict(
            _("This ticket is for another screening (%(screening)s).") % {"screening": ticket.screening},
            ticket_screening=ticket.screening_id,
        )
    if ticket.status == Ticket.Status.CHECKED_IN:
        raise AlreadyCheckedIn(
            _("Already checked in at %(time)s.")
            % {"time": venue_time_format(ticket.checked_in_at, ticket.screening, "TIME_FORMAT", english="H:i:s")},
            checked_in_at=ticket.checked_in_at.isoformat(),
        )
    if ticket.status == Ticket.Status.REFUNDED:
        raise Conflict(_("This ticket was refunded."), ticket_status=ticket.status)
    ticket.status, ticket.checked_in_at = Ticket.Status.CHECKED_IN, timezone.now()
    ticket.save(update_fields=["status", "checked_in_at"])
    order = locked_one(Order.objects, ticket.order_id)
    status = payment_provider_get(order.payment_provider).ticket_admitted(order=order)
    # The door's payment step: the admission that settles a pending order says what to collect
    # (the order's tickets that still stand, all of them, whoever of the party arrives first).
    ticket.collect = None
    if order.payment_status == Order.PaymentStatus.PENDING and status == Order.PaymentStatus.PAID:
        standing = list(order.tickets.exclude(status=Ticket.Status.REFUNDED).values_list("price", flat=True))
        ticket.collect = {"amount": sum(standing, Decimal(0)), "currency": order.currency, "tickets": len(standing)}
    if status != order.payment_status:
        order.payment_status = status
        order.save(update_fields=["payment_status"])
    return ticket


@transaction.atomic
def ticket_refund(*, code: str, user) -> Ticket:
    """Refund one ticket: its seat is sold again and it can no longer vote."""
    ticket = _ticket_for_organizer(code, user, refunding=True)
    if ticket.status == Ticket.Status.REFUNDED:
        raise Conflict(_("This ticket was already refunded."), ticket_status=ticket.status)
    _refund([ticket])
    return ticket


def _refund(tickets: list[Ticket]) -> None:
    """Mark locked tickets refunded, settle their orders with the provider, tell listeners."""
    if not tickets:
        return
    now = timezone.now()
    for ticket in tickets:
        ticket.status, ticket.refunded_at = Ticket.Status.REFUNDED, now
    Ticket.objects.bulk_update(tickets, ["status", "refunded_at"])
    amounts: dict[int, Decimal] = {}
    for ticket in tickets:
        amounts[ticket.order_id] = amounts.get(ticket.order_id, Decimal(0)) + ticket.price
    for order in locked(Order.objects.filter(pk__in=sorted(amounts))):
        all_refunded = not order.tickets.exclude(status=Ticket.Status.REFUNDED).exists()
        provider = payment_provider_get(order.payment_provider)
        status = provider.tickets_refunded(order=order, amount=amounts[order.pk], all_refunded=all_refunded)
        if status != order.payment_status:
            order.payment_status = status
            order.save(update_fields=["payment_status"])
    tickets_refunded.send(sender=Ticket, tickets=tickets)
