"""Public ticketing pages: a screening with its buy form, a ticket with its QR code, and an order's
link (every ticket of the order, to vote with all of them from one phone)."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from config.ratelimit import order_rate_check
from screenings.qr import order_qr_svg, order_url, ticket_qr_svg
from screenings.selectors.ticketing import (
    order_by_code_get,
    order_tickets_list,
    screening_sale_refusal,
    screening_with_sales_get,
    ticket_by_code_get,
)
from screenings.services.orders import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_KEY_MIN_LENGTH,
    MAX_TICKETS_PER_ORDER,
    order_place,
    order_tickets_resend,
)


class BuyForm(forms.Form):
    email = forms.EmailField()
    name = forms.CharField(max_length=200, required=False)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_TICKETS_PER_ORDER, initial=1)
    # One key per rendered form: submitting it twice (double click, reload) buys once.
    idempotency_key = forms.CharField(
        min_length=IDEMPOTENCY_KEY_MIN_LENGTH, max_length=IDEMPOTENCY_KEY_MAX_LENGTH, widget=forms.HiddenInput
    )

    def __init__(self, *args, screening, **kwargs):
        super().__init__(*args, **kwargs)
        cap = min(screening.max_tickets_per_order, screening.max_tickets_per_buyer)
        self.fields["quantity"].widget.attrs["max"] = cap  # the browser's hint; order_place decides


def screening_page(request, screening_id: int):
    screening = screening_with_sales_get(screening_id=screening_id)
    if screening is None:
        raise Http404(_("No such screening."))
    status = 200
    if request.method == "POST":
        form = BuyForm(request.POST, screening=screening)
        if form.is_valid():
            try:
                order_rate_check(request)
                order, _created = order_place(screening_id=screening.pk, **form.cleaned_data)
            except DomainError as error:
                error.add_to_form(form)
                status = error.status
            else:
                tickets = [(t, mark_safe(ticket_qr_svg(t.code, scale=3))) for t in order.tickets.order_by("id")]  # noqa: S308 — segno's own SVG
                return render(
                    request,
                    "screenings/public/order_done.html",
                    {
                        "order": order,
                        "screening": screening,
                        "tickets": tickets,
                        "order_url": order_url(order.code),
                        "order_qr": mark_safe(order_qr_svg(order.code)),  # noqa: S308 — segno's own SVG
                    },
                    status=201,
                )
        else:
            status = 400
    else:
        form = BuyForm(initial={"idempotency_key": secrets.token_urlsafe(16)}, screening=screening)
    refusal = screening_sale_refusal(screening)  # the same rule as order_place and the API's on_sale
    context = {"screening": screening, "form": form, "on_sale": refusal is None, "sale_refusal": refusal}
    return render(request, "screenings/public/screening.html", context, status=status)


def ticket_page(request, code: str):
    ticket = ticket_by_code_get(code=code)
    if ticket is None:
        raise Http404(_("No such ticket."))
    qr = mark_safe(ticket_qr_svg(ticket.code))  # noqa: S308 — segno's own SVG, the code is URL-safe
    return render(request, "screenings/public/ticket.html", {"ticket": ticket, "screening": ticket.screening, "qr": qr})


def order_page(request, code: str):
    """The order link (/o/<code>/): the order's tickets, each with its status and page, and the
    way to vote with all of them on this phone. The code is the credential: a wrong one is a 404
    that counts towards the ticket-code guessing limit (config/middleware.py)."""
    order = order_by_code_get(code=code)
    if order is None:
        raise Http404("No such order.")
    rows = order_tickets_list(order=order)
    voting = [row for row in rows if not row.refunded]
    screening = order.screening
    context = {
        "order": order,
        "screening": screening,
        "rows": rows,
        "voting": voting,
        "may_join": bool(voting) and screening.status not in (screening.Status.CANCELLED, screening.Status.ENDED),
    }
    return render(request, "screenings/public/order.html", context)


@require_POST
def order_resend(request, code: str):
    """The holder of the order link asks for the tickets again: they go to the order's e-mail only."""
    order = order_by_code_get(code=code)
    if order is None:
        raise Http404("No such order.")
    try:
        order_tickets_resend(order=order)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("We sent the tickets again to %(email)s.") % {"email": order.email})
    return redirect("order", code=order.code)
