"""The buyer's tickets by email, through Django's email backend (console by default)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from screenings.models import Order
from screenings.qr import order_url, ticket_qr_svg, ticket_url

logger = logging.getLogger(__name__)


def order_tickets_email_send(*, order_id: int) -> None:
    """Send the order's tickets: codes, links to the ticket pages, one QR SVG per ticket, and
    the order link (every ticket of the order voting from one phone).

    Called on commit: a mail server failure is logged, never turned into an
    error for a buyer whose tickets are already sold (the ticket pages work without email).
    """
    order = Order.objects.select_related("screening__production", "screening__venue").get(pk=order_id)
    tickets = [(ticket, ticket_url(ticket.code)) for ticket in order.tickets.order_by("id")]
    context = {
        "order": order,
        "screening": order.screening,
        "tickets": tickets,
        "order_url": order_url(order.code),
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=_("Your tickets: %(title)s") % {"title": order.screening.production.title},
        body=render_to_string("screenings/public/email_tickets.txt", context),
        to=[order.email],
    )
    message.attach_alternative(render_to_string("screenings/public/email_tickets.html", context), "text/html")
    for number, (ticket, _url) in enumerate(tickets, start=1):
        message.attach(f"ticket-{number}.svg", ticket_qr_svg(ticket.code), "image/svg+xml")
    try:
        message.send()
    except Exception:
        logger.exception("Could not email the tickets of order %s", order_id)
