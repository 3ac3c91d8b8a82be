"""Organizer pages: my screenings with sales, venue and screening forms, a screening's tickets, the door check-in.

Each page is its own thin view (parse a form, call a service, redirect or re-render): they share
that shape, not logic; what repeats lives once in the services and forms they call."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from screenings import policy
from screenings.exports import screening_attendees_csv
from screenings.models import Order, Screening, Venue
from screenings.pricing import MINOR_UNITS
from screenings.selectors.ticketing import (
    screening_sales_list,
    screening_tickets_list,
    screening_with_sales_get,
    venue_list,
)
from screenings.services.orders import order_tickets_resend, ticket_refund
from screenings.services.ticketing import (
    screening_cancel,
    screening_create,
    screening_on_sale_set,
    screening_update,
    venue_create,
    venue_update,
)
from screenings.views.box_office_forms import ScreeningEditForm, ScreeningForm, VenueForm


def _own_screening(request, screening_id: int) -> Screening:
    screening = screening_with_sales_get(screening_id=screening_id)
    if screening is None:
        raise Http404(_("No such screening."))
    if not policy.screening_can_manage(user=request.user, screening=screening):
        raise PermissionDenied(_("Only the screening's organizer may open its box office."))
    return screening


def _own_venue(request, venue_id: int) -> Venue:
    venue = get_object_or_404(Venue, pk=venue_id)
    if not policy.venue_can_manage(user=request.user, venue=venue):
        raise PermissionDenied(_("Only the venue's organizer may edit it."))
    return venue


@login_required
def box_office(request):
    return render(
        request,
        "screenings/box_office/screenings.html",
        {
            "screenings": screening_sales_list(organizer=request.user),
            "venues": venue_list(owner=request.user),
        },
    )


@login_required
def venue_form(request, venue_id: int | None = None):
    """Create a venue, or edit one of mine."""
    venue = _own_venue(request, venue_id) if venue_id else None
    initial = {f: getattr(venue, f) for f in ("name", "city", "seats", "time_zone")} if venue else None
    form = VenueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if venue:
                venue_update(venue=venue, user=request.user, **form.cleaned_data)
            else:
                venue = venue_create(owner=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Venue «%(name)s» saved.") % {"name": venue.name})
            return redirect("box-office")
    return render(request, "screenings/box_office/venue_form.html", {"form": form, "venue": venue})


@login_required
def screening_new(request):
    form = ScreeningForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            screening = screening_create(organizer=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Screening of «%(title)s» created.") % {"title": screening.production.title})
            return redirect("box-office")
    return render(
        request,
        "screenings/box_office/screening_form.html",
        {
            "form": form,
            "screening": None,
            "minor_units": MINOR_UNITS,
        },
    )


@login_required
def screening_edit(request, screening_id: int):
    screening = _own_screening(request, screening_id)
    zone = screening.venue.time_zone if screening.venue_id else "UTC"
    initial = {
        f: getattr(screening, f)
        for f in (
            "capacity",
            "base_price",
            "currency",
            "half_price",
            "require_check_in",
            "round_votes",
            "max_tickets_per_order",
            "max_tickets_per_buyer",
        )
    }
    # Naive wall-clock times: an aware value would be shown converted to the server's zone.
    for name in ("starts_at", "sales_open_at", "sales_close_at"):
        value = getattr(screening, name)
        initial[name] = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if value else None
    form = ScreeningEditForm(request.POST or None, initial=initial, time_zone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            screening_update(screening=screening, user=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Screening saved."))
            return redirect("box-office")
    return render(
        request,
        "screenings/box_office/screening_form.html",
        {
            "form": form,
            "screening": screening,
            "time_zone": zone,
            "minor_units": MINOR_UNITS,
        },
    )


@login_required
@require_POST
def screening_on_sale_action(request, screening_id: int):
    screening = _own_screening(request, screening_id)
    try:
        screening_on_sale_set(screening=screening, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("«%(title)s» is on sale.") % {"title": screening.production.title})
    return redirect("box-office")


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
        messages.success(request, _("Ticket %(code)s… refunded; its seat is on sale again.") % {"code": code[:8]})
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
        messages.success(request, _("Screening cancelled; %(count)s tickets refunded.") % {"count": len(refunded)})
    return redirect("box-office")


@login_required
def check_in_page(request, screening_id: int):
    context = {"screening": _own_screening(request, screening_id), "qr_decoder": settings.QR_DECODER_SCRIPT}
    return render(request, "screenings/box_office/check_in.html", context)


@login_required
def attendees_csv(request, screening_id: int):
    """The attendee list as a spreadsheet (screenings/exports.py: columns; no ticket codes)."""
    screening = _own_screening(request, screening_id)
    response = HttpResponse(screening_attendees_csv(screening=screening), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="screening-{screening.pk}-attendees.csv"'
    return response


def _own_order(request, order_id: int) -> Order:
    order = get_object_or_404(Order.objects.select_related("screening__production", "screening__venue"), pk=order_id)
    _own_screening(request, order.screening_id)
    return order


@login_required
def order_detail(request, order_id: int):
    order = _own_order(request, order_id)
    context = {"order": order, "screening": order.screening, "tickets": order.tickets.order_by("id")}
    return render(request, "screenings/box_office/order.html", context)


@login_required
@require_POST
def order_resend(request, order_id: int):
    order = _own_order(request, order_id)
    try:
        order_tickets_resend(order=order, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The tickets were sent again to %(email)s.") % {"email": order.email})
    return redirect("box-office-order", order_id=order.pk)
