"""Websocket routing behind the origin check every socket passes through.

An Origin is accepted when it is, scheme, host and port alike (docs/security.md):
- the site's own origin (SITE_URL), or one listed in WEBSOCKET_ALLOWED_ORIGINS; or
- the socket's own origin: the scheme the client used (ws → http, wss → https, as
  the proxy reports it) and the Host header it connected to, when that host is in
  ALLOWED_HOSTS.
A socket without an Origin header (not a browser) is refused too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from voting.live.routing import websocket_urlpatterns

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalize(origin: str) -> str | None:
    """scheme://host:port, lower case, with the port spelled out; None if not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


def configured_origins() -> set[str]:
    origins = {origin_normalize(settings.SITE_URL)}
    origins |= {origin_normalize(o) for o in settings.WEBSOCKET_ALLOWED_ORIGINS}
    return {o for o in origins if o}


def _own_origin(scope) -> str | None:
    host = next((value for name, value in scope.get("headers") or [] if name == b"host"), b"").decode("latin1")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    return origin_normalize(f"{scheme}://{host}")


def origin_allowed(scope) -> bool:
    origin = next((value for name, value in scope.get("headers") or [] if name == b"origin"), None)
    if origin is None:
        return False
    normalized = origin_normalize(origin.decode("latin1"))
    if normalized is None:
        return False
    return normalized in configured_origins() or normalized == _own_origin(scope)


class OriginValidator:
    """Refuse (HTTP 403 at the handshake) every socket whose Origin is not allowed."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


# Cookies only: the session (and the user with it) is read only by a socket that asks who is logged
# in (voting/live/consumers/base.py scope_user) — the organizer's watch socket, production pages —
# never by a phone's ticket hello. No session middleware either: it wraps every frame the server
# sends to save a session no socket changes (18 % of a web process's CPU during a vote, py-spy).
websocket_application = OriginValidator(CookieMiddleware(URLRouter(websocket_urlpatterns)))
