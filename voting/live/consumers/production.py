"""Websocket `/ws/productions/<id>/`: production pages hear releases and release rounds live.

Receive-only: the server sends `episode.released` (docs/story-graph.md) and the release
rounds' `poll.opened`, `tally`, `poll.decided` and `round.release` (docs/websocket.md;
counts withheld while a round hides its results, except from its producer). Anyone who
may see the production may listen. Pages redraw on every (re)connect, so a message lost
by the at-most-once channel layer never leaves one stale.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from config.errors import NotFound
from screenings import policy
from screenings.events import production_group
from screenings.selectors.story import production_get
from voting.live.consumers.base import LiveConsumer, scope_user

CLOSE_NOT_FOUND = 4404


class ProductionConsumer(LiveConsumer):
    async def connect(self):
        production_id = self.scope["url_route"]["kwargs"]["production_id"]
        visible, self.producer = await self._visibility(production_id, await scope_user(self.scope))
        await self.accept()  # accept first so the client sees why: refused sockets stop retrying
        if not visible:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.join(production_group(production_id))

    async def disconnect(self, code):
        await self.leave()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Not parsed at all: whatever a client sends (even broken JSON) gets the same answer.
        await self.error("invalid", _("This socket only sends updates."))

    def sees_hidden(self, event: dict) -> bool:
        return self.producer

    async def poll_opened(self, event):
        await self.send_event(event, lambda: {"type": "poll.opened", "poll": event["poll"]})

    @database_sync_to_async
    def _visibility(self, production_id: int, user) -> tuple[bool, bool]:
        try:
            production = production_get(production_id=production_id, user=user)
        except NotFound:
            return False, False
        return True, policy.production_can_edit(user=user, production=production)
