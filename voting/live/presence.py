"""How many tickets are connected to a screening right now, across every ASGI process (the console shows it).

Each process counts its own ticket sockets per screening in memory (a hello with a ticket adds one,
its disconnect removes it) and, every PUBLISH_EVERY_SECONDS while it has sockets, writes its counts
to one Redis hash per screening, `{prefix}:presence:<screening>` = {process: "<count> <unix time>"}.
The total is the sum of the entries written within FRESH_SECONDS: a process that died, or has no
socket left, drops out by itself. Display only: a Redis failure costs the number, never a socket.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import Counter

from voting import tally

logger = logging.getLogger(__name__)
PUBLISH_EVERY_SECONDS = 2.0
FRESH_SECONDS = 3 * PUBLISH_EVERY_SECONDS
KEY_TTL_SECONDS = 600

_PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
_tickets: Counter[int] = Counter()  # this process's ticket sockets by screening id
_touched: set[int] = set()  # screenings whose count changed since the last publish (a 0 must be written too)


def key(screening_id: int) -> str:
    return f"{tally.prefix()}:presence:{screening_id}"


def ticket_joined(screening_id: int) -> None:
    _tickets[screening_id] += 1
    _touched.add(screening_id)


def ticket_left(screening_id: int) -> None:
    _tickets[screening_id] -= 1
    _touched.add(screening_id)
    if _tickets[screening_id] <= 0:
        del _tickets[screening_id]


def presence_publish(*, now: float | None = None) -> None:
    """Write this process's counts (called from the flusher's loop, in a thread: it blocks on Redis)."""
    now = time.time() if now is None else now
    screenings = set(_tickets) | _touched
    _touched.clear()
    if not screenings:
        return
    try:
        pipe = tally.client().pipeline(transaction=False)
        for screening_id in screenings:
            pipe.hset(key(screening_id), _PROCESS, f"{_tickets.get(screening_id, 0)} {now:.3f}")
            pipe.expire(key(screening_id), KEY_TTL_SECONDS)
        pipe.execute()
    except Exception:
        logger.warning("presence not published; the console's count catches up on the next tick", exc_info=True)


def presence_count(*, screening_id: int, now: float | None = None) -> int | None:
    """Tickets connected to the screening across every process, or None when Redis cannot say."""
    now = time.time() if now is None else now
    try:
        entries = tally.client().hgetall(key(screening_id))
    except Exception:
        logger.warning("presence not readable", exc_info=True)
        return None
    total = 0
    for value in entries.values():
        count, _, stamp = value.partition(" ")
        if now - float(stamp) <= FRESH_SECONDS:
            total += int(count)
    return total
