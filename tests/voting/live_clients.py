"""Real websocket audiences for integration tests and benchmarks (the `websockets` client library)."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


class Audience:
    """One phone: a socket, a reader task that records every message with its arrival time."""

    def __init__(self, base_url: str, screening_id: int):
        parts = urlsplit(base_url)
        self.url = f"ws://{parts.netloc}/ws/screenings/{screening_id}/"
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.messages: list[tuple[float, dict]] = []
        self.close_code: int | None = None
        self._arrived = asyncio.Event()

    async def open(self, hello: dict) -> dict:
        self.ws = await connect(self.url, origin=self.origin, proxy=None, compression=None, open_timeout=30)
        self.reader = asyncio.create_task(self._read())
        await self.send(hello)
        return await self.wait_for("state", "error")

    async def _read(self):
        try:
            async for raw in self.ws:
                self.messages.append((time.time(), json.loads(raw)))
                self._arrived.set()
        except ConnectionClosed:
            pass  # the close code is recorded below
        finally:
            self.close_code = self.ws.close_code
            self._arrived.set()

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    def of(self, kind: str) -> list[dict]:
        return [m for _, m in self.messages if m["type"] == kind]

    async def wait_for(self, *kinds: str, after: int = 0, timeout: float = 15, where=lambda m: True) -> dict:
        """The first message (from index `after`) of one of `kinds` matching `where`."""
        deadline = time.monotonic() + timeout
        while True:
            for _, message in self.messages[after:]:
                if message["type"] in kinds and where(message):
                    return message
            if self.reader.done():
                raise ConnectionError(f"socket closed ({self.close_code}) before {kinds}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kinds} within {timeout}s; got {[m['type'] for _, m in self.messages]}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=left)
            except TimeoutError:
                pass

    async def vote(self, poll: int, option: int, ref: str) -> dict:
        """Send a vote and wait for its answer (vote.accepted or error with the same ref)."""
        after = len(self.messages)
        await self.send({"type": "vote", "poll": poll, "option": option, "ref": ref})
        return await self.wait_for("vote.accepted", "error", after=after, where=lambda m: m.get("ref") == ref)

    def arrival_of(self, kind: str) -> float | None:
        return next((at for at, m in self.messages if m["type"] == kind), None)

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self.reader, return_exceptions=True)


class ProductionPage(Audience):
    """A production page's socket (`/ws/productions/<id>/`): receive-only, no hello."""

    def __init__(self, base_url: str, production_id: int):
        super().__init__(base_url, 0)
        self.url = f"ws://{urlsplit(base_url).netloc}/ws/productions/{production_id}/"

    async def listen(self) -> None:
        self.ws = await connect(self.url, origin=self.origin, proxy=None, compression=None, open_timeout=30)
        self.reader = asyncio.create_task(self._read())
