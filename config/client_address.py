"""The address of the client behind a request, as far as this deployment can trust it.

Every limit keyed by address (login attempts, ticket-code guesses, the optional order
limit, the websocket's per-address cap) asks this module, so they all agree. Each
trusted reverse proxy appends the address it saw to `X-Forwarded-For`; with
TRUSTED_PROXY_COUNT = n the client is the n-th entry from the right. With 0 (the
default) the header is ignored: anyone can write it, so trusting it by default would
let a client pick a fresh address for every request.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address_from(remote_addr: str | None, forwarded_for: str | None, *, proxies: int | None = None) -> str:
    """The client's address from the socket peer and the X-Forwarded-For header (ASGI scopes too)."""
    proxies = settings.TRUSTED_PROXY_COUNT if proxies is None else proxies
    remote = (remote_addr or "").strip() or "unknown"
    if proxies <= 0 or not forwarded_for:
        return remote
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote  # the request did not come through every trusted proxy
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_address(request) -> str:
    """For a Django (or DRF) request: the key of address-based limits ("unknown" without a peer)."""
    meta = request.META
    return client_address_from(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"))


def axes_client_address(request) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: it stores addresses in an IP column, so a request
    with no peer address (e.g. a test client's force_login) is None, not "unknown"."""
    address = client_address(request)
    return None if address == "unknown" else address
