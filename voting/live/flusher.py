"""Coalesced live tallies: at most a few `tally` broadcasts per second per poll, fewer for a crowd.

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
from django.conf import settings

from voting import tally
from voting.live import presence
from voting.live.layer import LiveChannelLayer
from voting.models import Poll
from voting.selectors.polls import poll_options_list

logger = logging.getLogger(__name__)
TICK_SECONDS = tally.FLUSH_INTERVAL_MS / 1000
# A big audience gets its snapshots less often: one poll's tally costs a frame per socket, and a
# process sends at most about this many tally frames per second (at 5,000 sockets per process,
# a snapshot per 2.5 s). Below 500 sockets per process nothing changes: every 250 ms. Chosen by
# measurement (make bench VIEWERS=10000 WEB_PROCESSES=2, two runs each, docs/performance.md):
# 2,000 frames/s took 3.8-4.4 web CPU s for the 10,000 votes and reached 2,198-2,567 votes/s,
# ack p99 3.0-3.9 s; 4,000 took 4.8-5.3 s, 1,786-2,069 votes/s, ack p99 4.0-4.6 s.
TALLY_FRAMES_PER_SECOND = settings.LIVE_TALLY_FRAMES_PER_SECOND

_tasks: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}
_sockets: dict[asyncio.AbstractEventLoop, int] = {}


def tally_interval_ms(sockets: int) -> int:
    """How long a poll's group of `sockets` local sockets waits between two snapshots."""
    return max(tally.FLUSH_INTERVAL_MS, int(1000 * sockets / TALLY_FRAMES_PER_SECOND))


def tally_events_due(*, group_sizes: dict[str, int] | None = None) -> list[tuple[str, dict]]:
    """The snapshots to send now. `group_sizes`: this process's sockets per group (the layer's)."""
    sizes = group_sizes or {}
    events = []
    for poll_id, group, hidden in tally.flush_claim(interval_ms=lambda g: tally_interval_ms(sizes.get(g, 0))):
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
            sizes = layer.group_sizes() if isinstance(layer, LiveChannelLayer) else {}
            for group, event in await database_sync_to_async(tally_events_due)(group_sizes=sizes):
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
