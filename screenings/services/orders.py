"""Orders and tickets: placing an order, check-in, refunds, sending the tickets again. One transaction each.

Locks follow the one order of screenings/locking.py (screening, then the polls a refund
touches, tickets, orders), so concurrent orders, refunds, check-ins, cancellations, votes
and decisions never deadlock. Seats sold are the screening's tickets that are not refunded.
(Venues and screenings: ticketing.py.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import AlreadyCheckedIn, Conflict, Invalid, NotFound, NotOnSale, SoldOut, Throttled
from config.ratelimit import RateLimit
from screenings import policy
from screenings.codes import ticket_code_valid
from screenings.emails import order_tickets_email_send
from screenings.localtime import venue_time_format
from screenings.locking import locked, locked_one
from screenings.models import Order, Screening, Ticket
from screenings.models.ticketing import ORDER_QUANTITY_CEILING
from screenings.payments import DEFAULT_PROVIDER, payment_provider_get
from screenings.pricing import quantize
from screenings.selectors.ticketing import screening_sale_refusal, seats_sold
from screenings.signals import tickets_refund_prepare, tickets_refunded

MAX_TICKETS_PER_ORDER = ORDER_QUANTITY_CEILING  # what any order may ask for; each screening caps lower
# Idempotency keys are client-made secrets: long enough that nobody guesses one (a UUID, 16+ random bytes).
IDEMPOTENCY_KEY_MIN_LENGTH, IDEMPOTENCY_KEY_MAX_LENGTH = 16, 80
# The tickets go to the order's own address only, so a resend discloses nothing; the limit keeps
# the order link (or a busy box office) from turning the platform into a mail cannon.
RESEND_LIMIT = RateLimit("order-resend", limit=3, window=3600)


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
    seats_left = max(screening.capacity - seats_sold(screening), 0)
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
    tickets_refund(tickets=[ticket])
    return ticket


def tickets_refund(*, tickets: list[Ticket]) -> None:
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


@transaction.atomic
def order_tickets_resend(*, order: Order, by=None) -> Order:
    """Send the order's tickets to its e-mail again. `by`: the organizer at the box office; None
    when the holder of the order link asks (the link is the credential)."""
    if by is not None:
        policy.screening_manage_check(user=by, screening=order.screening)
    if RESEND_LIMIT.hit(str(order.pk)) > RESEND_LIMIT.limit:
        raise Throttled(
            _("The tickets were sent again several times already: try again in %(minutes)d minutes.")
            % {"minutes": max(1, RESEND_LIMIT.retry_after(str(order.pk)) // 60)}
        )
    transaction.on_commit(lambda: order_tickets_email_send(order_id=order.pk))
    return order
