"""Live pages: the organizer's console, the cinema screen, the join form, the audience's phone page
(one ticket) and the order's phone page (every ticket of one order)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from screenings import policy
from screenings.models import Screening, Ticket
from screenings.qr import qr_svg
from screenings.selectors.ticketing import order_by_code_get, order_tickets_list, ticket_for_screening_get
from voting.live.selectors import playable_episodes_get, screening_graph_get
from voting.rules import RULE


def _join_url(screening: Screening) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("screening-join", args=[screening.id])


@login_required
def screening_console(request, screening_id: int):
    screening = get_object_or_404(Screening.objects.select_related("production", "venue"), pk=screening_id)
    if not policy.screening_can_manage(user=request.user, screening=screening):
        raise PermissionDenied(_("Only the screening's organizer runs its console."))
    context = {
        "screening": screening,
        "graph": screening_graph_get(screening=screening, user=request.user),
        "rule": RULE,
        "join_url": _join_url(screening),
    }
    return render(request, "live/console.html", context)


def screening_screen(request, screening_id: int):
    screening = get_object_or_404(Screening.objects.select_related("production"), pk=screening_id)
    join_url = _join_url(screening)
    qr = mark_safe(qr_svg(join_url, css_class="join-qr"))  # noqa: S308 — segno's own SVG of our URL
    context = {
        "screening": screening,
        "join_url": join_url,
        "qr_svg": qr,
        "episodes": playable_episodes_get(screening=screening),
    }
    return render(request, "live/screen.html", context)


@require_http_methods(["GET", "POST"])
def screening_join(request, screening_id: int):
    screening = get_object_or_404(Screening.objects.select_related("production"), pk=screening_id)
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    error = None
    if code:
        if ticket_for_screening_get(code=code, screening_id=screening.id):
            return redirect("ticket-live", code=code)
        error = _("This code is not a valid ticket for this screening.")
    context = {"screening": screening, "error": error, "code": code}
    return render(request, "live/join.html", context, status=400 if error else 200)


def ticket_live(request, code: str):
    ticket = get_object_or_404(Ticket.objects.select_related("screening__production", "screening__venue"), code=code)
    # A refunded ticket's page says so, and opens no socket (the server would refuse its hello).
    refunded = ticket.status == Ticket.Status.REFUNDED
    context = {"ticket": ticket, "screening": ticket.screening, "refunded": refunded}
    if ticket.screening.venue_id is None and not refunded:  # an online screening: this page is the holder's screen too
        context["episodes"] = playable_episodes_get(screening=ticket.screening)
    return render(request, "live/live.html", context)


def order_live(request, code: str):
    """Every ticket of one order voting from this phone (docs/live-screenings.md): one ballot row and
    one socket per ticket; refunded tickets are listed as refunded, without their code."""
    order = order_by_code_get(code=code)
    if order is None:
        raise Http404("No such order.")
    screening = order.screening
    tickets = [
        {
            "number": row.number,
            "of": row.of,
            "refunded": row.refunded,
            "code": None if row.refunded else row.ticket.code,
            "url": None if row.refunded else reverse("ticket", args=[row.ticket.code]),
        }
        for row in order_tickets_list(order=order)
    ]
    voting = sum(not t["refunded"] for t in tickets)
    context = {"order": order, "screening": screening, "tickets": tickets, "voting": voting}
    if screening.venue_id is None:  # an online screening: this page is the family's screen too
        context["episodes"] = playable_episodes_get(screening=screening)
    return render(request, "live/order_live.html", context)
