"""503 `unavailable` for a request the platform cannot serve for lack of a resource.

A request that cannot get a database connection in time (the pool is exhausted:
psycopg_pool.PoolTimeout, or the server refuses: "too many clients") or whose Redis
call timed out is answered `503 unavailable` — the documented error shape under
/api/, a plain page that reloads itself elsewhere — never a 500, and with
Retry-After. A request refused for lack of a connection changed nothing (its
transaction never began or was rolled back); effects that run after a commit must
catch their own Redis errors, since the change they follow is already stored.

The middleware sits right after WhiteNoise (static files need no database): it takes
the request's database connection first, so an exhausted pool is answered before
the session, authentication or the view need it, and its process_exception maps
the same failures when they happen later inside the view.
"""

from __future__ import annotations

import logging

import redis
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from config.api_errors import error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
# Paths that must not wait for a pooled connection: /healthz checks the database itself, within its budget.
EXEMPT_PATHS = ("/healthz", "/static/")


def is_unavailable(exc: BaseException) -> bool:
    """A failure to reach a resource (database connection, Redis), as opposed to a bug."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OperationalError | redis.ConnectionError | redis.TimeoutError):
            return True
        if type(exc).__name__ == "PoolTimeout":  # psycopg_pool, wrapped by Django's OperationalError
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        message = _("The service is busy; try again in a moment. Nothing was changed.")
        response = JsonResponse(error_body("unavailable", message), status=503)
    else:
        response = HttpResponse(render_to_string("503.html", request=None), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class UnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(EXEMPT_PATHS):
            try:
                connection.ensure_connection()
            except DatabaseError as exc:
                logger.warning("no database connection for %s %s: %s", request.method, request.path, exc)
                return unavailable_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            logger.warning("unavailable: %s %s: %r", request.method, request.path, exception)
            return unavailable_response(request)
        return None
