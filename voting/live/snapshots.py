"""The `state` snapshot a socket gets after hello, read once per process for a crowd of joiners.

When a thousand phones join one screening at once, each would read the same screening, poll,
counts and rounds (seven queries). The part every reader with the same rights sees is kept per
process and event loop (`SharedState`); each socket adds only its ticket's own fields (one
query, none when no poll is open).

An entry is used only while it is provably fresh: the channel layer (voting/live/layer.py)
counts the messages of every group as they arrive in this process, and an entry is kept with
the counts of the screening's and the production's groups as they were *before* it was read.
Any message of either group since — a tally, a poll opening or deciding, a status change, a
release — makes it stale, and the next joiner reads again. It is only ever read by a socket
that has joined both groups (register, then fetch), so the process is subscribed to them and
counting. Changes that send no message (none are known) are bounded by MAX_AGE_SECONDS.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from screenings.events import production_group, screening_group
from screenings.models import Ticket
from voting.live.layer import LiveChannelLayer
from voting.live.selectors import SharedState, screening_state_for_ticket, screening_state_shared_get

MAX_AGE_SECONDS = 2.0
MAX_ENTRIES = 1000
Key = tuple[int, bool, bool]  # (screening id, sees hidden live counts, sees hidden round counts)
Stamp = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class _Entry:
    stamp: Stamp
    read_at: float
    shared: SharedState


_entries: dict[asyncio.AbstractEventLoop, dict[Key, _Entry]] = {}
_reading: dict[asyncio.AbstractEventLoop, dict[tuple[Key, Stamp], asyncio.Task]] = {}


def _stamp(screening_id: int, production_id: int) -> Stamp | None:
    layer = get_channel_layer()
    if not isinstance(layer, LiveChannelLayer):
        return None  # another layer (a deployment's choice): always read
    screening = layer.group_generation(screening_group(screening_id))
    production = layer.group_generation(production_group(production_id))
    if screening is None or production is None:
        return None
    return screening, production


def _read(*, screening_id: int, ticket: Ticket | None, key: Key) -> tuple[dict, SharedState]:
    shared = screening_state_shared_get(screening_id=screening_id, sees_hidden_live=key[1], sees_hidden_rounds=key[2])
    return screening_state_for_ticket(shared=shared, ticket=ticket), shared


async def screening_state_snapshot(
    *, screening_id: int, production_id: int, ticket: Ticket | None, sees_hidden_live: bool, sees_hidden_rounds: bool
) -> dict:
    """The `state` message for a socket that has joined the screening's and the production's groups."""
    loop = asyncio.get_running_loop()
    entries = _entries.setdefault(loop, {})
    key = (screening_id, sees_hidden_live, sees_hidden_rounds)
    stamp = _stamp(screening_id, production_id)
    entry = entries.get(key)
    if stamp is None:
        return (await database_sync_to_async(_read)(screening_id=screening_id, ticket=ticket, key=key))[0]
    if entry is None or entry.stamp != stamp or loop.time() - entry.read_at >= MAX_AGE_SECONDS:
        # One read per crowd: joiners arriving while it runs wait for it, if no message of the groups
        # arrived since it started (same stamp); their own part is read afterwards.
        pending = _reading.setdefault(loop, {})
        flight = pending.get((key, stamp))
        if flight is None:
            flight = pending[(key, stamp)] = loop.create_task(_fill(entries, key, stamp, screening_id))
            flight.add_done_callback(lambda _task: pending.pop((key, stamp), None))
        entry = await asyncio.shield(flight)
    shared = entry.shared
    if ticket is None or (shared.poll_id is None and not shared.round_polls):
        return screening_state_for_ticket(shared=shared, ticket=ticket)  # no query: answered in the loop
    return await database_sync_to_async(screening_state_for_ticket)(shared=shared, ticket=ticket)


async def _fill(entries: dict[Key, _Entry], key: Key, stamp: Stamp, screening_id: int) -> _Entry:
    read_at = asyncio.get_running_loop().time()
    shared = await database_sync_to_async(screening_state_shared_get)(
        screening_id=screening_id, sees_hidden_live=key[1], sees_hidden_rounds=key[2]
    )
    entry = _Entry(stamp=stamp, read_at=read_at, shared=shared)
    if len(entries) >= MAX_ENTRIES:  # screenings long over: start again rather than grow
        entries.clear()
    entries[key] = entry
    return entry
