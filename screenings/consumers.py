"""Websocket `/ws/productions/<id>/`: production pages hear releases live.

Receive-only: the server sends `{"type": "episode.released", "episode": {...}}`
(see docs/story-graph.md) and the release rounds' `poll.opened`, `tally`,
`poll.decided` and `round.release` (docs/websocket.md; counts withheld while
a round hides its results). Anyone who may see the production may listen;
releases are public by nature. Pages redraw on every (re)connect, so a
message lost by the at-most-once channel layer never leaves one stale.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from config.errors import NotFound
from screenings.events import production_group
from screenings.selectors.story import production_get

CLOSE_NOT_FOUND = 4404


class ProductionConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        production_id = self.scope["url_route"]["kwargs"]["production_id"]
        if not await self._visible(production_id):
            await self.accept()  # accept first so the client sees why: refused sockets stop retrying
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = production_group(production_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Not parsed at all: whatever a client sends (even broken JSON) gets the same answer.
        await self.send_json({"type": "error", "code": "invalid", "message": "This socket only sends updates."})

    async def episode_released(self, event):
        await self.send_json({"type": "episode.released", "episode": event["episode"]})

    # Release rounds (voting) broadcast to this group too; forwarded as they are.
    async def poll_opened(self, event):
        await self.send_json({"type": "poll.opened", "poll": event["poll"]})

    async def poll_tally(self, event):
        counts = None if event.get("hidden") else event["counts"]
        await self.send_json({"type": "tally", "poll": event["poll"], "counts": counts, "total": event["total"]})

    async def poll_decided(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "poll.decided"})

    async def round_release(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "round.release"})

    @database_sync_to_async
    def _visible(self, production_id: int) -> bool:
        try:
            production_get(production_id=production_id, user=self.scope.get("user"))
        except NotFound:
            return False
        return True
