"""Organizer pages: my screenings with sales, a screening's tickets, the door check-in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.errors import DomainError
from screenings.models import Screening
from screenings.selectors.ticketing import screening_sales_list, screening_tickets_list, screening_with_sales_get
from screenings.services.ticketing import screening_cancel, ticket_refund


def _own_screening(request, screening_id: int) -> Screening:
    screening = screening_with_sales_get(screening_id=screening_id)
    if screening is None:
        raise Http404("No such screening.")
    if not (request.user.is_superuser or screening.organizer_id == request.user.pk):
        raise PermissionDenied("Only the screening's organizer may open its box office.")
    return screening


@login_required
def box_office(request):
    return render(request, "screenings/box_office/screenings.html",
                  {"screenings": screening_sales_list(organizer=request.user)})  # fmt: skip


@login_required
def screening_tickets(request, screening_id: int):
    screening = _own_screening(request, screening_id)
    query = request.GET.get("q", "")
    page = Paginator(screening_tickets_list(screening=screening, query=query), 100).get_page(request.GET.get("page"))
    return render(request, "screenings/box_office/tickets.html", {"screening": screening, "page": page, "q": query})


@login_required
@require_POST
def ticket_refund_action(request, screening_id: int):
    screening = _own_screening(request, screening_id)
    code = request.POST.get("code", "")
    try:
        ticket_refund(code=code, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Ticket {code[:8]}… refunded; its seat is on sale again.")
    return redirect("box-office-tickets", screening_id=screening.pk)


@login_required
@require_POST
def screening_cancel_action(request, screening_id: int):
    screening = _own_screening(request, screening_id)
    try:
        refunded = screening_cancel(screening=screening, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Screening cancelled; {len(refunded)} tickets refunded.")
    return redirect("box-office")


@login_required
def check_in_page(request, screening_id: int):
    return render(request, "screenings/box_office/check_in.html", {"screening": _own_screening(request, screening_id)})
