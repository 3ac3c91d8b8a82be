"""Login throttling for every login route (django-axes), by client address and by account.

Policy (docs/security.md):
- one client address: LOGIN_FAILURE_LIMIT failures within LOGIN_COOLOFF_MINUTES lock that
  address out of every login route (API token, /accounts/login/, /admin/login/) until the
  cool-off ends, whatever usernames it tries;
- one account: LOGIN_ACCOUNT_FAILURE_LIMIT failures from all addresses together lock the
  account for the cool-off. It is higher than the address limit so that one hostile address
  cannot lock a real user out: it is itself locked after LOGIN_FAILURE_LIMIT guesses.

Addresses come from config.client_address (X-Forwarded-For only behind TRUSTED_PROXY_COUNT
proxies). Attempts live in the database (axes' tables), shared by every process.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.api_errors import error_body


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes compares one number with AXES_FAILURE_LIMIT; account failures are scaled so that
    the account locks at LOGIN_ACCOUNT_FAILURE_LIMIT while an address locks at the lower limit.
    Relies on AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"] (that order)."""

    def get_failures(self, request, credentials=None) -> int:
        by_address, by_account = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        address_limit = settings.AXES_FAILURE_LIMIT
        account_limit = max(settings.LOGIN_ACCOUNT_FAILURE_LIMIT, 1)
        return max(by_address, by_account * address_limit // account_limit)


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets: `429 throttled` in the error shape under /api/, a page elsewhere."""
    wait = cool_off_seconds()
    message = _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": max(wait // 60, 1)}
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        response = JsonResponse(error_body("throttled", message), status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response
