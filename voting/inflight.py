"""Votes received but not stored yet, per poll, across server processes: a vote counts when its
frame reached the server before the poll closed, however slow its storage (docs/websocket.md).

A socket's vote is stamped when its frame arrives and waits in its process's batcher until its
batch commits. Each process counts those votes per poll in memory and, while its count for a poll
is above zero, is a member of the poll's `inflight` set in Redis (one Redis call when the count
leaves zero, one when it returns: not one per vote). A decision waits until the set is empty, at
most VOTE_STORE_GRACE_SECONDS after the close: with nothing in flight it waits not at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from datetime import datetime, timedelta

import redis
import redis.asyncio
from django.conf import settings
from django.utils import timezone

from voting import tally

logger = logging.getLogger(__name__)
PROCESS = f"{socket.gethostname()}:{os.getpid()}"
KEY_TTL_SECONDS = 120  # a crashed process's membership outlives no poll: the key expires

_counts: dict[int, int] = {}
_clients: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}


def key(poll_id: int) -> str:
    return f"{tally.prefix()}:inflight:{poll_id}"


def _aclient() -> redis.asyncio.Redis:
    loop = asyncio.get_running_loop()
    if loop not in _clients:
        _clients[loop] = redis.asyncio.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
    return _clients[loop]


async def arrive(poll_id: int) -> None:
    """A vote for `poll_id` was received by this process and is on its way to the database."""
    _counts[poll_id] = _counts.get(poll_id, 0) + 1
    if _counts[poll_id] == 1:
        try:
            async with _aclient().pipeline(transaction=False) as pipe:
                pipe.sadd(key(poll_id), PROCESS)
                pipe.expire(key(poll_id), KEY_TTL_SECONDS)
                await pipe.execute()
        except (redis.RedisError, OSError):  # the decision then waits its bounded grace instead
            logger.warning("could not register votes in flight for poll %s", poll_id, exc_info=True)


async def leave(poll_id: int) -> None:
    """A vote of `poll_id` was stored or refused: it is no longer in flight."""
    _counts[poll_id] = _counts.get(poll_id, 1) - 1
    if _counts[poll_id] <= 0:
        del _counts[poll_id]
        try:
            await _aclient().srem(key(poll_id), PROCESS)
        except (redis.RedisError, OSError):
            logger.warning("could not clear votes in flight for poll %s", poll_id, exc_info=True)


def busy(poll_id: int) -> bool:
    """Whether some server process still holds votes of this poll that it received but has not
    stored. An unreachable Redis answers True: the caller then waits out the grace."""
    try:
        return tally.client().scard(key(poll_id)) > 0
    except (redis.RedisError, OSError):
        return True


def grace_deadline(closes_at: datetime) -> datetime:
    return closes_at + timedelta(seconds=settings.VOTE_STORE_GRACE_SECONDS)


def wait_until_stored(*, poll_id: int, closes_at: datetime) -> bool:
    """Block until no process holds votes of the poll in flight, or the grace after its close is
    over; True when nothing was left in flight."""
    deadline = grace_deadline(closes_at)
    while busy(poll_id):
        if timezone.now() >= deadline:
            logger.warning("poll %s: deciding with votes still in flight after the grace", poll_id)
            return False
        time.sleep(0.02)
    return True
