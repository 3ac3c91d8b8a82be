"""Counters in Redis shared by every process: one home for the platform's rate limits.

A limit is a fixed window counter per (name, key), usually keyed by client address
(config.client_address). Redis calls use a short timeout, and any Redis error lets the
request through ("fails open"): these limits are hardening, never what correctness
depends on, and an outage of Redis must not lock every buyer or ticket holder out.

    if ticket_guess_blocked(address): refuse with `throttled`
    ... look the code up; only when it matches nothing:
    ticket_guess_failed(address)

The websocket consumer calls the same two functions (they are synchronous and bounded
by RATE_LIMIT_REDIS_TIMEOUT; call them through sync_to_async from async code).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils.translation import gettext as _

from config.client_address import client_address
from config.errors import Throttled

logger = logging.getLogger(__name__)

_client: redis.Redis | None = None
_client_lock = threading.Lock()
_last_warning = 0.0


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                timeout = settings.RATE_LIMIT_REDIS_TIMEOUT
                _client = redis.Redis.from_url(
                    settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
                )
    return _client


def _fail_open(error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:  # one line a minute, not one per request, while Redis is away
        _last_warning = now
        logger.warning("Rate limits are not enforced: Redis is unavailable (%s)", error)


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` hits per `window` seconds for each key; limit 0 turns it off."""

    name: str
    limit: int
    window: int

    def _key(self, key: str) -> str:
        return f"{settings.RATE_LIMIT_PREFIX}:{self.name}:{key}"

    @property
    def enabled(self) -> bool:
        return self.limit > 0 and self.window > 0

    def exceeded(self, key: str) -> bool:
        """True once `key` has used up its hits in the current window."""
        if not self.enabled:
            return False
        try:
            count = _redis().get(self._key(key))
        except redis.RedisError as error:
            _fail_open(error)
            return False
        return count is not None and int(count) >= self.limit

    def hit(self, key: str) -> int:
        """Count one hit for `key`; returns the count in the current window (0 if Redis is away)."""
        if not self.enabled:
            return 0
        name = self._key(key)
        try:
            pipe = _redis().pipeline()
            pipe.incr(name)
            pipe.expire(name, self.window, nx=True)
            count, _ = pipe.execute()
        except redis.RedisError as error:
            _fail_open(error)
            return 0
        if count == self.limit:
            logger.warning("Rate limit %s reached for %s (%d in %ds)", self.name, key, self.limit, self.window)
        return int(count)

    def retry_after(self, key: str) -> int:
        """Seconds until `key`'s window ends (the window if unknown)."""
        try:
            ttl = _redis().ttl(self._key(key))
        except redis.RedisError:
            return self.window
        return int(ttl) if ttl and ttl > 0 else self.window


def ticket_guess_limit() -> RateLimit:
    return RateLimit("ticket-fail", settings.TICKET_LOOKUP_FAILURE_LIMIT, settings.TICKET_LOOKUP_FAILURE_WINDOW)


def ticket_guess_blocked(address: str) -> bool:
    """True while `address` has had too many failed ticket-code lookups (valid codes never count)."""
    return ticket_guess_limit().exceeded(address)


def ticket_guess_failed(address: str) -> None:
    """Record one lookup of a ticket code that matched no ticket."""
    ticket_guess_limit().hit(address)


def order_limit() -> RateLimit:
    """Optional deployment limit on orders per client address (off unless ORDER_RATE_LIMIT is set)."""
    return RateLimit("orders", settings.ORDER_RATE_LIMIT, settings.ORDER_RATE_WINDOW)


def order_rate_check(request) -> None:
    """Count one order attempt from the request's client address; raise `throttled` past
    ORDER_RATE_LIMIT per ORDER_RATE_WINDOW (off by default). The buy page and the API share it."""
    limit = order_limit()
    if not limit.enabled:
        return
    address = client_address(request)
    if limit.hit(address) > limit.limit:
        raise Throttled(
            _("Too many orders from your address. Try again in %(seconds)d seconds.")
            % {"seconds": limit.retry_after(address)}
        )
