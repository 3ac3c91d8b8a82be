"""The tickets of a crowd's hellos, read many per query: group commit's idea for a read.

A thousand phones joining at once would each borrow a database connection for one ticket
lookup, one after another (database_sync_to_async runs a process's database work on one
thread). Here the hellos of one event loop queue their codes; while one lookup runs, the
next batch accumulates, and each batch is one query (`tickets_for_screenings_get`). An idle
hello goes at once (no timer). A failed lookup fails the hellos of its batch only.
"""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async

from screenings.models import Ticket
from screenings.selectors.ticketing import tickets_for_screenings_get

MAX_BATCH = 500

_lookups: dict[asyncio.AbstractEventLoop, TicketLookups] = {}


class TicketLookups:
    def __init__(self):
        self.waiting: list[tuple[tuple[str, int], asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def get(self, *, code: str, screening_id: int) -> Ticket | None:
        """This screening's ticket with this code, unless refunded (as ticket_for_screening_get)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append(((code, screening_id), future))
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            try:
                found = await database_sync_to_async(tickets_for_screenings_get)(wanted=[pair for pair, _ in batch])
            except Exception as error:  # e.g. the database is unreachable: these hellos fail, later ones retry
                for _pair, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for pair, future in batch:
                if not future.done():
                    future.set_result(found.get(pair))


def ticket_lookups() -> TicketLookups:
    loop = asyncio.get_running_loop()
    if loop not in _lookups:
        _lookups[loop] = TicketLookups()
    return _lookups[loop]
