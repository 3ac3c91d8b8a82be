"""The live sockets' shared loop (voting/live/consumers/base.py), on the configured channel layer and
real Redis: when several group messages are queued at once, each socket of the process gets the
first before any socket gets the next (a decision is `poll.decided`, then `now_playing`)."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from voting.live.consumers.base import LiveConsumer

GROUP = "consumer-turns-test"


class _Recorder(LiveConsumer):
    """A socket that joins GROUP and answers each event with one frame naming it."""

    async def connect(self):
        await self.accept()
        await self.join(GROUP)
        self.scope["joined"].set()

    async def disconnect(self, code):
        await self.leave()

    async def poll_decided(self, event):
        await self.send(text_data="poll.decided")

    async def screening_now_playing(self, event):
        await self.send(text_data="now_playing")


def test_every_socket_gets_a_decision_before_any_gets_the_next_message():
    layer = get_channel_layer()
    sockets = 20

    async def scenario():
        frames: list[tuple[int, str]] = []
        closers, tasks = [], []
        for n in range(sockets):
            joined, close = asyncio.Event(), asyncio.Event()
            said = []

            async def receive(said=said, close=close):
                said.append(1)
                if len(said) == 1:
                    return {"type": "websocket.connect"}
                if len(said) == 2:
                    await close.wait()
                    return {"type": "websocket.disconnect", "code": 1000}
                await asyncio.Future()  # a closed socket says nothing more

            async def send(message, n=n):
                if message["type"] == "websocket.send":
                    frames.append((n, message["text"]))

            scope = {"type": "websocket", "path": "/ws/test/", "headers": [], "joined": joined}
            tasks.append(asyncio.ensure_future(_Recorder.as_asgi()(scope, receive, send)))
            await asyncio.wait_for(joined.wait(), 30)
            closers.append(close)

        # Both messages reach every socket's inbox before any socket runs: one PUBLISH each, read by
        # the process's one subscriber, then put into every local inbox.
        await layer.group_send(GROUP, {"type": "poll.decided", "poll": 1})
        await layer.group_send(GROUP, {"type": "screening.now_playing", "episode": 2})
        async with asyncio.timeout(30):  # a wait for the frames, not a bound on the test
            while len(frames) < 2 * sockets:
                await asyncio.sleep(0.01)
        for close in closers:
            close.set()
        await asyncio.gather(*tasks)
        return frames

    frames = async_to_sync(scenario)()
    kinds = [kind for _n, kind in frames]
    assert sorted(n for n, _kind in frames) == sorted(list(range(sockets)) * 2)  # two frames each
    # Every socket's poll.decided went out before the first now_playing, whoever ran first.
    assert kinds.index("now_playing") == sockets, kinds
