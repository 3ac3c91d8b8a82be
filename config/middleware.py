"""Request-level guards shared by every app."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.api_errors import error_body
from config.client_address import client_address
from config.ratelimit import ticket_guess_blocked, ticket_guess_failed, ticket_guess_limit
from config.views import not_found

TICKET_CODE_ROUTE = "<ticket_code:"


class TicketCodeGuardMiddleware:
    """Every route that takes a ticket code in its path (`<ticket_code:code>`: the ticket
    page, its QR code, live page and receipts; the ticket API, check-in and refund) counts
    the lookups that found no ticket (a 404) per client address; past the limit, such
    routes answer `429 throttled` until the window ends. A valid code never counts, so
    its holder is not slowed; the refusal lasts only while the address keeps failing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_ticket_code_route", False) and response.status_code == 404:
            ticket_guess_failed(request._ticket_code_address)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or TICKET_CODE_ROUTE not in (match.route or ""):
            return None
        address = client_address(request)
        if ticket_guess_blocked(address):
            return throttled_response(request, retry_after=ticket_guess_limit().retry_after(address))
        request._ticket_code_route, request._ticket_code_address = True, address
        return None


def throttled_response(request, *, retry_after: int):
    message = _("Too many unknown ticket codes from your address. Try again in %(minutes)d minutes.") % {
        "minutes": max(retry_after // 60, 1)
    }
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("throttled", message), status=429)
    else:
        response = render(request, "throttled.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class NotFoundPageMiddleware:
    """A page's Http404 (a mistyped ticket link, a removed screening) is the site's 404 page, even
    under DEBUG (`make run`), where Django would answer with its technical page listing every URL
    pattern of the platform. A path no route matches still gets Django's page under DEBUG, for
    developers; /api/ answers in the error shape either way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and not request.path.startswith("/api/"):
            return not_found(request, exception)
        return None


class VisitorTimeZoneMiddleware:
    """Times people type and read on pages are in their own time zone, not UTC: the page's script
    (static/js/time_zone.js) keeps the browser's zone in the `tz` cookie, and a form says which zone
    it was shown in (a hidden `tz` field), so a typed time means what its label said. Venue times
    (screenings, check-in) stay in the venue's zone (screenings/localtime.py); the API stays UTC."""

    _zones = frozenset(available_timezones())

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None
        if request.path.startswith("/api/"):  # the API's times are UTC (API.md), whoever asks
            zone = None
        elif request.method == "POST" and request.POST.get("tz") in self._zones:
            zone = request.POST.get("tz")
        else:
            zone = request.COOKIES.get("tz")
        if zone in self._zones:
            timezone.activate(ZoneInfo(zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
