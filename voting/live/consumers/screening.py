"""The audience websocket `/ws/screenings/<id>/` (protocol: docs/websocket.md).

Validate every frame (base.frame_decode), call a service, answer. The socket joins the
screening's and the production's groups *before* it reads the `state` snapshot, so no
event falls between the two (register, then fetch). A socket must say hello within
HELLO_TIMEOUT_SECONDS; one client address holds at most WEBSOCKET_MAX_PER_ADDRESS sockets
per server process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import datetime

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.client_address import client_address_from
from config.errors import DomainError, Forbidden
from config.ratelimit import ticket_guess_limit
from screenings import policy
from screenings.events import production_group, screening_group
from screenings.models import Screening, Ticket
from voting.live import flusher, presence
from voting.live.batcher import batcher
from voting.live.consumers.base import (
    FrameError,
    Hello,
    LiveConsumer,
    Ping,
    Vote,
    frame_decode,
    scope_user,
    supported_language,
)
from voting.live.hellos import ticket_lookups
from voting.live.snapshots import screening_state_snapshot
from voting.models import Poll
from voting.selectors.rounds import ticket_may_vote

logger = logging.getLogger(__name__)

RATE_PER_SECOND, BURST = 10.0, 20
MAX_THROTTLED = 200  # a client that ignores `throttled` this often is closed with 4429

_sockets_per_address: Counter[str] = Counter()  # this process's open sockets by client address


class Close:
    """Application close codes (docs/websocket.md)."""

    PROTOCOL = 4400  # the first message was not a valid hello
    FORBIDDEN = 4403  # bad, refunded or other screening's ticket
    NOT_FOUND = 4404  # no such screening
    HELLO_TIMEOUT = 4408  # no hello in time
    TOO_MANY = 4429  # kept sending after being throttled, or too many sockets from one address


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


def client_address(scope) -> str:
    """The socket's client, as every address-based limit sees it (config/client_address.py)."""
    client = scope.get("client")
    forwarded = next((v for k, v in scope.get("headers") or [] if k == b"x-forwarded-for"), b"").decode("latin1")
    return client_address_from(client[0] if client else None, forwarded or None)


_production_of: dict[int, int] = {}  # screening id → production id: it never changes


async def _screening_production_id(screening_id: int) -> int | None:
    """The screening's production, read once per process (a crowd joining asks a thousand times).
    Only the connect-time 4404 relies on it: hello joins the production its ticket's screening names."""
    if screening_id not in _production_of:
        production_id = await database_sync_to_async(
            lambda: Screening.objects.filter(pk=screening_id).values_list("production_id", flat=True).first()
        )()
        if production_id is None:
            return None  # not cached: an id that does not exist yet may later
        if len(_production_of) >= 10_000:
            _production_of.clear()
        _production_of[screening_id] = production_id
    return _production_of[screening_id]


@database_sync_to_async
def _watcher_rights(user, screening_id: int) -> tuple[int, bool, bool] | None:
    """(production id, sees hidden live counts, sees hidden round counts) of a watcher (console);
    None if the screening is gone."""
    screening = Screening.objects.select_related("production").filter(pk=screening_id).first()
    if screening is None:
        return None
    if not policy.authenticated(user):
        return screening.production_id, False, False
    producer = policy.production_can_edit(user=user, production=screening.production)
    return screening.production_id, producer or policy.screening_can_manage(user=user, screening=screening), producer


@database_sync_to_async
def _ticket_refunded(ticket_id: int) -> bool:
    return Ticket.objects.filter(pk=ticket_id, status=Ticket.Status.REFUNDED).exists()


@database_sync_to_async
def _may_vote_in_round(poll_id: int, ticket_id: int) -> bool:
    poll = Poll.objects.select_related("episode").filter(pk=poll_id).first()
    ticket = Ticket.objects.select_related("screening").filter(pk=ticket_id).first()
    return poll is not None and ticket_may_vote(poll=poll, ticket=ticket)


class ScreeningConsumer(LiveConsumer):
    async def connect(self):
        self.screening_id = int(self.scope["url_route"]["kwargs"]["screening_id"])
        self.ticket: Ticket | None = None
        self.hidden_live = self.hidden_rounds = False  # may see counts polls hide (screenings.policy)
        self.groups_joined = []
        self.bucket = TokenBucket(RATE_PER_SECOND, BURST)
        self.throttled = 0
        self.open_polls: dict[int, tuple[frozenset[int], datetime]] = {}  # cache for early rejections only
        self.decided: set[int] = set()  # a tally racing its poll's decision must not repaint old counts
        self.address = client_address(self.scope)
        _sockets_per_address[self.address] += 1
        self.counted = True
        await self.accept()
        if _sockets_per_address[self.address] > settings.WEBSOCKET_MAX_PER_ADDRESS:
            await self.error("throttled", _("Too many connections from your network address."))
            await self.close(code=Close.TOO_MANY)
            return
        self.production_id = await _screening_production_id(self.screening_id)
        if self.production_id is None:
            await self.close(code=Close.NOT_FOUND)
            return
        self.hello_timer = asyncio.get_running_loop().call_later(
            settings.WEBSOCKET_HELLO_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._hello_timed_out())
        )

    async def _hello_timed_out(self):
        if not self.groups_joined:
            await self.error("invalid", _("Say hello first: this socket waited too long for it."))
            await self.close(code=Close.HELLO_TIMEOUT)

    async def disconnect(self, code):
        timer = getattr(self, "hello_timer", None)
        if timer is not None:
            timer.cancel()
        if getattr(self, "counted", False):
            self.counted = False
            _sockets_per_address[self.address] -= 1
            if _sockets_per_address[self.address] <= 0:
                del _sockets_per_address[self.address]
        if self.groups_joined:
            if self.ticket is not None:
                presence.ticket_left(self.screening_id)
            flusher.socket_left()
        await self.leave()

    # --- client → server ---------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        received_at = timezone.now()  # a vote counts by when it arrived, not when it is stored
        if not self.bucket.take():
            self.throttled += 1
            if self.throttled > MAX_THROTTLED:
                await self.close(code=Close.TOO_MANY)
                return
            await self.error("throttled", _("Too many messages: slow down."))
            return
        try:
            frame = frame_decode(text_data if text_data is not None else bytes_data)
        except FrameError as error:
            await self.invalid(error)
            if not self.groups_joined:
                await self.close(code=Close.PROTOCOL)
            return
        if not self.groups_joined:
            if not isinstance(frame, Hello):
                await self.error("invalid", _("The first message must be hello."))
                await self.close(code=Close.PROTOCOL)
                return
            await self.on_hello(frame)
        elif isinstance(frame, Vote):
            await self.on_vote(frame, received_at)
        elif isinstance(frame, Ping):  # the server's clock rides along: screens play by it
            await self.send_json({"type": "pong", "server_time": timezone.now().isoformat()})
        else:
            await self.error("invalid", _("Already said hello."))

    async def on_hello(self, hello: Hello):
        if language := supported_language(hello.lang):  # API.md 1.1: the hello may choose the language
            self.language = language
            translation.activate(language)
        if hello.ticket is None and hello.watch:
            rights = await _watcher_rights(await scope_user(self.scope), self.screening_id)
            if rights is None:
                await self.close(code=Close.NOT_FOUND)
                return
            self.production_id, self.hidden_live, self.hidden_rounds = rights
        else:
            code = hello.ticket if isinstance(hello.ticket, str) else ""
            self.ticket = await ticket_lookups().get(code=code, screening_id=self.screening_id)
            if self.ticket is None:
                # Only failures touch the guessing limit: a valid holder never waits on it. The first
                # TICKET_LOOKUP_FAILURE_LIMIT unknown codes are `forbidden`, the next ones `throttled`.
                failures = await asyncio.to_thread(ticket_guess_limit().hit, self.address)
                if failures > settings.TICKET_LOOKUP_FAILURE_LIMIT > 0:
                    await self.error("throttled", _("Too many unknown ticket codes from your address: wait a while."))
                    await self.close(code=Close.TOO_MANY)
                    return
                await self.error("forbidden", _("This ticket cannot join this screening."))
                await self.close(code=Close.FORBIDDEN)
                return
            self.production_id = self.ticket.screening.production_id
        self.hello_timer.cancel()
        # register first, then read the state: nothing falls in between
        await self.join(screening_group(self.screening_id), production_group(self.production_id))
        if self.ticket is not None:
            presence.ticket_joined(self.screening_id)
        flusher.socket_joined()
        await self.send_state()

    async def send_state(self):
        state = await screening_state_snapshot(
            screening_id=self.screening_id,
            production_id=self.production_id,
            ticket=self.ticket,
            sees_hidden_live=self.hidden_live,
            sees_hidden_rounds=self.hidden_rounds,
        )
        for poll in [state["poll"], *state["rounds"]]:
            if poll and poll["status"] == "open":
                self._remember_poll(poll)
        await self.send_json(state)

    async def on_vote(self, vote: Vote, received_at: datetime):
        ref = vote.ref
        if self.ticket is None:
            await self.error("forbidden", _("Say hello with a ticket to vote."), ref)
            return
        cached = self.open_polls.get(vote.poll)
        if cached is not None:  # cheap early rejections; acceptance is always decided by the database
            options, closes_at = cached
            if vote.option not in options:
                await self.error(
                    "invalid",
                    _("%(option)s is not an option of poll %(poll)s.") % {"option": vote.option, "poll": vote.poll},
                    ref,
                )
                return
            if received_at >= closes_at:
                await self.error("poll_closed", _("This poll is closed."), ref)
                return
        try:
            stored = await batcher().cast(
                poll_id=vote.poll, ticket_code=self.ticket.code, option_id=vote.option, received_at=received_at
            )
        except DomainError as error:
            await self.error(error.code, error.message, ref)
            if isinstance(error, Forbidden) and await _ticket_refunded(self.ticket.id):
                await self.close(code=Close.FORBIDDEN)
            return
        except Exception:  # storage failed: no acknowledgement, the client may retry
            logger.exception("storing a vote failed")
            await self.error("unavailable", _("The vote could not be stored; try again."), ref)
            return
        accepted = {"type": "vote.accepted", "poll": vote.poll, "option": vote.option, "ref": ref}
        await self.send_json(accepted | {"receipt": stored.receipt})  # the ballot's receipt (extension)

    # --- server → client (channel-layer events) -------------------------------

    def sees_hidden(self, event: dict) -> bool:
        return self.hidden_rounds if event.get("scope") == Poll.Scope.ROUND else self.hidden_live

    async def poll_opened(self, event):
        poll = event["poll"]
        self._remember_poll(poll)
        if poll.get("scope") == "round":  # rounds arrive through the production group: say if this ticket votes
            may_vote = self.ticket is not None and await _may_vote_in_round(poll["id"], self.ticket.id)
            await self.send_json({"type": "poll.opened", "poll": poll | {"may_vote": may_vote, "my_vote": None}})
            return
        await self.send_event(event, lambda: {"type": "poll.opened", "poll": poll})

    async def poll_tally(self, event):
        if event["poll"] in self.decided:
            return
        await super().poll_tally(event)

    async def poll_decided(self, event):
        self.open_polls.pop(event["poll"], None)
        self.decided.add(event["poll"])
        await super().poll_decided(event)

    async def screening_now_playing(self, event):
        await self.send_event(event, lambda: {"type": "now_playing", "episode": event["episode"]})

    async def screening_status(self, event):
        await self.send_event(event, lambda: {"type": "screening.status", "screening": event["screening"]})

    # --- helpers ------------------------------------------------------------

    def _remember_poll(self, poll: dict):
        closes_at = datetime.fromisoformat(poll["closes_at"])
        self.open_polls[poll["id"]] = (frozenset(o["id"] for o in poll["options"]), closes_at)
