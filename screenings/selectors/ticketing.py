"""Reads of venues, screenings, orders and tickets shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from screenings.codes import ticket_code_valid
from screenings.models import Order, Play, Screening, Ticket, Venue

_NOT_REFUNDED = ~Q(tickets__status=Ticket.Status.REFUNDED)


def screenings_with_sales(queryset: QuerySet[Screening] | None = None) -> QuerySet[Screening]:
    """Screenings annotated with seats_sold, seats_left, checked_in and revenue (tickets not refunded)."""
    queryset = Screening.objects.all() if queryset is None else queryset
    sold = Count("tickets", filter=_NOT_REFUNDED)
    playing_since = Play.objects.filter(screening=OuterRef("pk"), episode=OuterRef("now_playing")).values("started_at")
    return queryset.select_related("production", "venue", "now_playing").annotate(
        now_playing_started_at=Subquery(playing_since[:1]),
        seats_sold=sold,
        seats_left=Greatest(F("capacity") - sold, Value(0)),
        checked_in=Count("tickets", filter=Q(tickets__status=Ticket.Status.CHECKED_IN)),
        revenue=Coalesce(Sum("tickets__price", filter=_NOT_REFUNDED), Value(Decimal(0))),
    )


def screening_sales_list(*, organizer) -> QuerySet[Screening]:
    """The organizer's screenings, soonest first, with their sales (one query)."""
    return screenings_with_sales(Screening.objects.filter(organizer=organizer)).order_by("starts_at", "id")


def screening_with_sales_get(*, screening_id: int) -> Screening | None:
    return screenings_with_sales(Screening.objects.filter(pk=screening_id)).first()


def screening_tickets_list(*, screening: Screening, query: str = "") -> QuerySet[Ticket]:
    """The screening's tickets, searchable by code (prefix), buyer email or name."""
    tickets = Ticket.objects.filter(screening=screening).select_related("order").order_by("id")
    query = query.replace("\x00", "").strip()  # PostgreSQL text cannot hold a NUL
    if query:
        tickets = tickets.filter(
            Q(code__startswith=query) | Q(order__email__icontains=query) | Q(order__name__icontains=query)
        )
    return tickets


def ticket_by_code_get(*, code: str) -> Ticket | None:
    if not ticket_code_valid(code):
        return None
    return Ticket.objects.select_related("order", "screening__production", "screening__venue").filter(code=code).first()


def venue_list(*, owner) -> QuerySet[Venue]:
    return Venue.objects.filter(owner=owner).order_by("name", "id")


def ticket_for_screening_get(*, code: str, screening_id: int) -> Ticket | None:
    """A ticket that may join this screening's live pages: this screening's, not refunded."""
    return tickets_for_screenings_get(wanted=[(code, screening_id)]).get((code, screening_id))


def tickets_for_screenings_get(*, wanted: list[tuple[str, int]]) -> dict[tuple[str, int], Ticket]:
    """`ticket_for_screening_get` for many (code, screening id) at once, in one query: the
    tickets found, by (code, screening id); the others may not join (a crowd's hellos)."""
    codes = {code for code, _screening_id in wanted if ticket_code_valid(code)}
    if not codes:
        return {}
    tickets = Ticket.objects.filter(code__in=codes).exclude(status=Ticket.Status.REFUNDED).select_related("screening")
    found = {(ticket.code, ticket.screening_id): ticket for ticket in tickets}
    return {pair: found[pair] for pair in wanted if pair in found}


@dataclass(frozen=True)
class OrderTicket:
    """One ticket of an order as the order's phone shows it: "Ticket 2 of 4", and whether it votes."""

    ticket: Ticket
    number: int
    of: int

    @property
    def refunded(self) -> bool:
        return self.ticket.status == Ticket.Status.REFUNDED


def order_by_code_get(*, code: str) -> Order | None:
    """The order whose link holds `code` (never by id or e-mail: those are not secrets)."""
    if not ticket_code_valid(code):
        return None
    return Order.objects.select_related("screening__production", "screening__venue").filter(code=code).first()


def order_tickets_list(*, order: Order) -> list[OrderTicket]:
    """Every ticket of the order, numbered 1…N in the order they were sold (refunded ones keep their number)."""
    tickets = list(order.tickets.order_by("id"))
    for ticket in tickets:
        ticket.screening = order.screening  # one query for the lot
    return [OrderTicket(ticket=t, number=n, of=len(tickets)) for n, t in enumerate(tickets, start=1)]


# --- When a screening sells: the one rule of the buy page, the API's `on_sale` and order_place -----

# Tickets sell from creation (the documented flow) until the screening ends or is cancelled,
# within the screening's optional sales window.
SALE_STATUSES = {Screening.Status.SCHEDULED, Screening.Status.ON_SALE, Screening.Status.LIVE}


def seats_sold(screening: Screening) -> int:
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
