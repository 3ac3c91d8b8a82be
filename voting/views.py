"""Live pages: the organizer's console, the cinema screen, the join form and the audience's phone page."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from screenings.models import Screening, Ticket
from voting.rules import RULE
from voting.selectors import screening_graph_get, ticket_for_screening_get


def _join_url(screening: Screening) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("screening-join", args=[screening.id])


@login_required
def screening_console(request, screening_id: int):
    screening = get_object_or_404(Screening.objects.select_related("production", "venue"), pk=screening_id)
    if not (request.user.is_superuser or screening.organizer_id == request.user.id):
        raise PermissionDenied("Only the screening's organizer runs its console.")
    return render(
        request,
        "voting/console.html",
        {
            "screening": screening,
            "graph": screening_graph_get(screening=screening),
            "rule": RULE,
            "join_url": _join_url(screening),
        },
    )


def screening_screen(request, screening_id: int):
    screening = get_object_or_404(Screening.objects.select_related("production"), pk=screening_id)
    join_url = _join_url(screening)
    # Sized by CSS from its viewBox alone; a full four-module quiet zone so phones lock on from the seats.
    qr_svg = segno.make(join_url, error="m").svg_inline(
        scale=6, dark="#000", light="#fff", border=4, omitsize=True, svgclass="join-qr"
    )
    return render(request, "voting/screen.html", {"screening": screening, "join_url": join_url, "qr_svg": qr_svg})


@require_http_methods(["GET", "POST"])
def screening_join(request, screening_id: int):
    screening = get_object_or_404(Screening.objects.select_related("production"), pk=screening_id)
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    error = None
    if code:
        if ticket_for_screening_get(code=code, screening_id=screening.id):
            return redirect("ticket-live", code=code)
        error = "This code is not a valid ticket for this screening."
    return render(
        request,
        "voting/join.html",
        {"screening": screening, "error": error, "code": code},
        status=400 if error else 200,
    )


def ticket_live(request, code: str):
    ticket = get_object_or_404(Ticket.objects.select_related("screening__production", "screening__venue"), code=code)
    return render(request, "voting/live.html", {"ticket": ticket, "screening": ticket.screening})
