"""The audience websocket `/ws/screenings/<id>/` (protocol: docs/websocket.md).

Parse and validate every frame, call a service, answer. The socket joins the
screening's group *before* it reads the `state` snapshot, so no event falls
between the two (register, then fetch).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from config.errors import DomainError, Forbidden
from screenings.events import production_group, screening_group
from screenings.models import Screening, Ticket
from voting import flusher
from voting.batcher import batcher
from voting.models import Poll
from voting.selectors import screening_state_get, ticket_for_screening_get, ticket_may_vote

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 4096
MAX_REF_CHARS = 64
RATE_PER_SECOND, BURST = 10.0, 20
MAX_THROTTLED = 200  # a client that ignores `throttled` this often is closed with 4429


class Close:
    """Application close codes (docs/websocket.md)."""

    PROTOCOL = 4400  # the first message was not a valid hello
    FORBIDDEN = 4403  # bad, refunded or other screening's ticket
    NOT_FOUND = 4404  # no such screening
    TOO_MANY = 4429  # kept sending after being throttled


class TokenBucket:
    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


@database_sync_to_async
def _screening_production_id(screening_id: int) -> int | None:
    return Screening.objects.filter(pk=screening_id).values_list("production_id", flat=True).first()


@database_sync_to_async
def _is_staff(user, screening_id: int) -> bool:
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or Screening.objects.filter(pk=screening_id, organizer_id=user.id).exists()


@database_sync_to_async
def _ticket_refunded(ticket_id: int) -> bool:
    return Ticket.objects.filter(pk=ticket_id, status=Ticket.Status.REFUNDED).exists()


@database_sync_to_async
def _may_vote_in_round(poll_id: int, ticket_id: int) -> bool:
    poll = Poll.objects.select_related("episode").filter(pk=poll_id).first()
    ticket = Ticket.objects.select_related("screening").filter(pk=ticket_id).first()
    return poll is not None and ticket_may_vote(poll=poll, ticket=ticket)


class ScreeningConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.screening_id = int(self.scope["url_route"]["kwargs"]["screening_id"])
        self.ticket: Ticket | None = None
        self.staff = False
        self.joined: list[str] = []
        self.bucket = TokenBucket(RATE_PER_SECOND, BURST)
        self.throttled = 0
        self.open_polls: dict[int, tuple[frozenset[int], datetime]] = {}  # cache for early rejections only
        self.decided: set[int] = set()  # a tally racing its poll's decision must not repaint old counts
        self.production_id = await _screening_production_id(self.screening_id)
        await self.accept()
        if self.production_id is None:
            await self.close(code=Close.NOT_FOUND)

    async def disconnect(self, code):
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.joined:
            flusher.socket_left()
        self.joined = []

    # --- client → server ---------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self.bucket.take():
            self.throttled += 1
            if self.throttled > MAX_THROTTLED:
                await self.close(code=Close.TOO_MANY)
                return
            await self.error("throttled", "Too many messages: slow down.")
            return
        message = self._parse(text_data if text_data is not None else bytes_data)
        if message is None:
            await self.error("invalid", f"Send one JSON object (at most {MAX_FRAME_CHARS} characters) with a type.")
            if not self.joined:
                await self.close(code=Close.PROTOCOL)
            return
        kind = message["type"]
        if not self.joined:
            if kind != "hello":
                await self.error("invalid", "The first message must be hello.")
                await self.close(code=Close.PROTOCOL)
                return
            await self.on_hello(message)
        elif kind == "vote":
            await self.on_vote(message)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "hello":
            await self.error("invalid", "Already said hello.")
        else:
            await self.error("invalid", f"Unknown message type {str(kind)[:32]!r}.")

    @staticmethod
    def _parse(raw) -> dict | None:
        if raw is None or len(raw) > MAX_FRAME_CHARS:
            return None
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return None
        return message

    async def on_hello(self, message: dict):
        code = message.get("ticket")
        if code is None and message.get("watch") is True:
            self.staff = await _is_staff(self.scope.get("user"), self.screening_id)
        else:
            self.ticket = await database_sync_to_async(ticket_for_screening_get)(
                code=code, screening_id=self.screening_id
            )
            if self.ticket is None:
                await self.error("forbidden", "This ticket cannot join this screening.")
                await self.close(code=Close.FORBIDDEN)
                return
        self.joined = [screening_group(self.screening_id), production_group(self.production_id)]
        for group in self.joined:  # register first, then read the state: nothing falls in between
            await self.channel_layer.group_add(group, self.channel_name)
        flusher.socket_joined()
        await self.send_state()

    async def send_state(self):
        state = await database_sync_to_async(screening_state_get)(
            screening_id=self.screening_id, ticket_id=self.ticket.id if self.ticket else None, staff=self.staff
        )
        for poll in [state["poll"], *state["rounds"]]:
            if poll and poll["status"] == "open":
                self._remember_poll(poll)
        await self.send_json(state)

    async def on_vote(self, message: dict):
        ref = message.get("ref")
        if ref is not None and not (isinstance(ref, str) and len(ref) <= MAX_REF_CHARS):
            await self.error("invalid", f"ref is a string of at most {MAX_REF_CHARS} characters.")
            return
        poll_id, option_id = message.get("poll"), message.get("option")
        if not (_is_int(poll_id) and _is_int(option_id)):
            await self.error("invalid", "poll and option are integer ids.", ref)
            return
        if self.ticket is None:
            await self.error("forbidden", "Say hello with a ticket to vote.", ref)
            return
        cached = self.open_polls.get(poll_id)
        if cached is not None:  # cheap early rejections; acceptance is always decided by the database
            options, closes_at = cached
            if option_id not in options:
                await self.error("invalid", f"{option_id} is not an option of poll {poll_id}.", ref)
                return
            if timezone.now() >= closes_at:
                await self.error("poll_closed", "This poll is closed.", ref)
                return
        try:
            await batcher().cast(poll_id=poll_id, ticket_code=self.ticket.code, option_id=option_id)
        except DomainError as error:
            await self.error(error.code, error.message, ref)
            if isinstance(error, Forbidden) and await _ticket_refunded(self.ticket.id):
                await self.close(code=Close.FORBIDDEN)
            return
        except Exception:  # storage failed: no acknowledgement, the client may retry
            logger.exception("storing a vote failed")
            await self.error("unavailable", "The vote could not be stored; try again.", ref)
            return
        await self.send_json({"type": "vote.accepted", "poll": poll_id, "option": option_id, "ref": ref})

    # --- server → client (channel-layer events) -------------------------------

    async def poll_opened(self, event):
        poll = event["poll"]
        self._remember_poll(poll)
        if poll.get("scope") == "round":  # rounds arrive through the production group: say if this ticket votes
            may_vote = self.ticket is not None and await _may_vote_in_round(poll["id"], self.ticket.id)
            poll = poll | {"may_vote": may_vote, "my_vote": None}
        await self.send_json({"type": "poll.opened", "poll": poll})

    async def poll_tally(self, event):
        if event["poll"] in self.decided:
            return
        counts = None if event.get("hidden") and not self.staff else event["counts"]
        await self.send_json({"type": "tally", "poll": event["poll"], "counts": counts, "total": event["total"]})

    async def poll_decided(self, event):
        self.open_polls.pop(event["poll"], None)
        self.decided.add(event["poll"])
        keys = ("poll", "scope", "option", "reason", "counts")
        await self.send_json({k: event[k] for k in keys if k in event} | {"type": "poll.decided"})

    async def round_release(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "round.release"})

    async def episode_released(self, event):
        await self.send_json({"type": "episode.released", "episode": event["episode"]})

    async def screening_now_playing(self, event):
        await self.send_json({"type": "now_playing", "episode": event["episode"]})

    async def screening_status(self, event):
        await self.send_json({"type": "screening.status", "screening": event["screening"]})

    # --- helpers ------------------------------------------------------------

    def _remember_poll(self, poll: dict):
        closes_at = datetime.fromisoformat(poll["closes_at"])
        self.open_polls[poll["id"]] = (frozenset(o["id"] for o in poll["options"]), closes_at)

    async def send_json(self, content: dict):
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def error(self, code: str, message: str, ref: str | None = None):
        body = {"type": "error", "code": code, "message": message}
        if ref is not None:
            body["ref"] = ref
        await self.send_json(body)
