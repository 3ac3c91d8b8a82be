"""Phones that behave like the audience page (static/voting/socket.js): when the socket drops they
reconnect by themselves with a growing delay, say hello again and get a fresh `state`; a vote is
sent again until it is acknowledged (an `unavailable` answer or a dropped socket means "not stored").
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus


class Phone:
    """`also`: other servers of the same platform (as a load balancer would offer them): a phone whose
    socket dropped, or that cannot connect, tries the next one."""

    def __init__(self, base_url: str, screening_id: int, ticket: str, *, also: tuple[str, ...] = ()):
        self.bases = [base_url, *also]
        self.at = 0  # index in `bases` of the server of the current (or next) socket
        self.screening_id = screening_id
        self.ticket = ticket
        self.messages: list[tuple[float, int, dict]] = []  # (arrival, connection number, message)
        self.connections = 0  # sockets that got a `state` after hello
        self.drops: list[int | None] = []  # close codes of the sockets that dropped
        self.acked: dict[int, int] = {}  # poll -> option of the last acknowledged vote
        self.ws = None
        self._arrived = asyncio.Event()
        self._stopped = False
        self._task: asyncio.Task | None = None

    @property
    def base(self) -> str:
        return self.bases[self.at]

    @property
    def url(self) -> str:
        return f"ws://{urlsplit(self.base).netloc}/ws/screenings/{self.screening_id}/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}"

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        delay = 0.25
        while not self._stopped:
            try:
                async with connect(self.url, origin=self.origin, proxy=None, compression=None, open_timeout=5) as ws:
                    await ws.send(json.dumps({"type": "hello", "ticket": self.ticket}))
                    self.ws, number = ws, self.connections + 1
                    async for raw in ws:
                        message = json.loads(raw)
                        if message["type"] == "state":
                            self.connections, delay = number, 0.25
                        self.messages.append((time.monotonic(), number, message))
                        self._arrived.set()
                    if not self._stopped:
                        self.drops.append(ws.close_code)
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidStatus, TimeoutError) as error:
                if self.ws is not None and not self._stopped:
                    received = getattr(error, "rcvd", None)
                    self.drops.append(received.code if received is not None else None)
            finally:
                self.ws = None
                self._arrived.set()
            self.at = (self.at + 1) % len(self.bases)
            if not self._stopped:
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    def of(self, kind: str) -> list[dict]:
        return [m for _, _, m in self.messages if m["type"] == kind]

    async def wait_for(self, kind: str, *, timeout: float, after: int = 0, where=lambda m: True) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for _, _, message in self.messages[after:]:
                if message["type"] == kind and where(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind} within {timeout}s; got {[m['type'] for _, _, m in self.messages]}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=min(left, 0.5))
            except TimeoutError:
                pass

    async def vote(self, poll: int, option: int, *, timeout: float = 40) -> int:
        """Vote until acknowledged; returns how many times the vote was sent."""
        deadline, attempts = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            ws = self.ws
            if ws is None or self.connections == 0:
                await asyncio.sleep(0.2)
                continue
            attempts += 1
            ref, after = f"v{poll}-{attempts}", len(self.messages)
            try:
                await ws.send(json.dumps({"type": "vote", "poll": poll, "option": option, "ref": ref}))
                answer = await self._answer(ref, after)
            except ConnectionClosed:
                # A closed socket raises without yielding to the event loop: retrying at once would
                # spin and starve this phone's reader, which has to see the close to reconnect
                # (CI once saw four phones spin for their whole 40 s that way).
                while self.ws is ws:
                    await asyncio.sleep(0.05)
                continue
            except TimeoutError:
                continue
            if answer["type"] == "vote.accepted":
                self.acked[poll] = option
                return attempts
            if answer.get("code") != "unavailable":
                raise AssertionError(f"vote refused: {answer}")
            await asyncio.sleep(0.5)
        raise TimeoutError(f"vote on poll {poll} not acknowledged within {timeout}s")

    async def _answer(self, ref: str, after: int) -> dict:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for _, _, message in self.messages[after:]:
                if message.get("ref") == ref and message["type"] in ("vote.accepted", "error"):
                    return message
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=0.5)
            except TimeoutError:
                pass
        raise TimeoutError(ref)

    async def stop(self) -> None:
        self._stopped = True
        if self.ws is not None:
            await self.ws.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
