"""Coalesced live tallies: at most a few `tally` broadcasts per second per poll.

Votes only mark their poll dirty in Redis (voting.tally). Each ASGI process
with connected sockets runs one flusher task per event loop; every tick it
claims dirty polls (SPOP, plus a per-poll gate key so that, across all
processes, a poll is broadcast at most once per FLUSH_INTERVAL_MS) and sends
one snapshot of the counts to the poll's group. The work per vote is
constant; the number of viewers only changes the fan-out of each snapshot.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from voting import tally
from voting.live import presence
from voting.models import Poll
from voting.selectors.polls import poll_options_list

logger = logging.getLogger(__name__)
TICK_SECONDS = tally.FLUSH_INTERVAL_MS / 1000

_tasks: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}
_sockets: dict[asyncio.AbstractEventLoop, int] = {}


def tally_events_due() -> list[tuple[str, dict]]:
    events = []
    for poll_id, group, hidden in tally.flush_claim():
        poll = Poll.objects.filter(pk=poll_id, status=Poll.Status.OPEN).first()
        if poll is None:
            continue  # decided meanwhile: poll.decided carries the final counts
        counts = tally.tally_counts(poll_id=poll_id, option_ids=[o.id for o in poll_options_list(poll=poll)])
        events.append(
            (
                group,
                {
                    "type": "poll.tally",
                    "poll": poll_id,
                    "scope": poll.scope,
                    "counts": counts,
                    "total": sum(counts.values()),
                    "hidden": hidden,
                },
            )
        )
    return events


async def _run(loop: asyncio.AbstractEventLoop) -> None:
    layer = get_channel_layer()
    published_at = 0.0
    while _sockets.get(loop, 0) > 0:
        await asyncio.sleep(TICK_SECONDS)
        if loop.time() - published_at >= presence.PUBLISH_EVERY_SECONDS:
            published_at = loop.time()
            await asyncio.to_thread(presence.presence_publish)  # display only; it never raises
        try:
            for group, event in await database_sync_to_async(tally_events_due)():
                await layer.group_send(group, event)
        except Exception:  # keep flushing: a later snapshot repairs a lost one
            logger.exception("tally flush failed")
            await asyncio.sleep(1)
    await asyncio.to_thread(presence.presence_publish)  # the last socket left: say so at once


def socket_joined() -> None:
    loop = asyncio.get_running_loop()
    _sockets[loop] = _sockets.get(loop, 0) + 1
    task = _tasks.get(loop)
    if task is None or task.done():
        _tasks[loop] = loop.create_task(_run(loop))


def socket_left() -> None:
    loop = asyncio.get_running_loop()
    _sockets[loop] = max(0, _sockets.get(loop, 0) - 1)
