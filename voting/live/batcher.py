"""Group commit for websocket votes: one database round per batch, not per vote.

All sockets of one event loop (one ASGI process) hand their votes to one batcher.
While a batch is being stored, the next one accumulates (up to MAX_BATCH), so under load
votes are stored many per transaction and idle single votes go out at once (no timer).
IN_FLIGHT batches may be stored at once, each on its own thread and database connection
(a socket handles one frame at a time, so its votes are never in two batches at once). A
socket gets its answer only after its batch has committed; the live counts are
updated after every socket of the batch has its answer (display only: a slow
Redis never delays an acknowledgement).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from channels.db import database_sync_to_async
from django.conf import settings

from voting import inflight
from voting.models import Vote
from voting.services.votes import tally_safely, votes_store_batch

logger = logging.getLogger(__name__)
# Chosen by measurement (bench/bench_live_vote.py, PostgreSQL, 1,000 sockets x 1 vote, 2 web processes,
# 2 vCPUs shared with other benches, runs interleaved over two rounds): votes/s for MAX_BATCH/in flight
# 64/1: 1267, 508, 684; 128/1: 459, 744; 256/1: 640, 357; 32/1: 289; 64/2: 500, 457; 256/2: 678.
# The noise is about 2x, but 64 with one batch in flight had the best median and 32 was worst each
# time: a batch of 64 already spreads its commit (the fsync) and its statements over 64 votes,
# and a second batch in flight only competes for the same two cores with PostgreSQL and the event
# loop. The environment variables are for measuring again, on other machines.
MAX_BATCH = settings.VOTE_MAX_BATCH
IN_FLIGHT = settings.VOTE_BATCHES_IN_FLIGHT

_batchers: dict[asyncio.AbstractEventLoop, VoteBatcher] = {}


class VoteBatcher:
    def __init__(self):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.runners: set[asyncio.Task] = set()
        self.tally_tasks: set[asyncio.Task] = set()

    async def cast(self, *, poll_id: int, ticket_code: str, option_id: int, received_at: datetime) -> Vote:
        """Store one vote (with others); raise its DomainError if it was refused. `received_at`: when
        its frame arrived — it counts if that was before the close, and the decision waits for it."""
        future = asyncio.get_running_loop().create_future()
        await inflight.arrive(poll_id)
        try:
            await self.queue.put(((poll_id, ticket_code, option_id, received_at), future))
            self.runners = {runner for runner in self.runners if not runner.done()}  # done, not yet discarded
            if len(self.runners) < IN_FLIGHT:
                runner = asyncio.get_running_loop().create_task(self._run())
                self.runners.add(runner)
                runner.add_done_callback(self.runners.discard)
            result = await future
        finally:
            await inflight.leave(poll_id)
        if isinstance(result, Exception):
            raise result
        return result

    async def _run(self) -> None:
        while not self.queue.empty():
            batch = [self.queue.get_nowait()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            changes = []
            try:
                # One batch in flight runs on the process's one database thread; more need a
                # thread (and connection) each.
                store = database_sync_to_async(votes_store_batch, thread_sensitive=IN_FLIGHT == 1)
                results, changes = await store(ballots=[ballot for ballot, _ in batch])
            except Exception as error:  # the database is unreachable: every vote of the batch fails, unacknowledged
                results = [error] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
            if changes:
                task = asyncio.get_running_loop().create_task(asyncio.to_thread(tally_safely, changes))
                self.tally_tasks.add(task)  # keep a reference until it is done
                task.add_done_callback(self.tally_tasks.discard)


def batcher() -> VoteBatcher:
    loop = asyncio.get_running_loop()
    if loop not in _batchers:
        _batchers[loop] = VoteBatcher()
    return _batchers[loop]
