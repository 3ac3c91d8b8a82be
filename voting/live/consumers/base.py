"""What every live socket shares: JSON frames decoded and validated in one pass, the
error shape, channel-layer groups, and the voting events both sockets forward.

Why not Channels' defaults as they are:
- `dispatch` skips Channels' `aclose_old_connections()` before each message. That is a
  thread hop per message (DESIGN.md pitfall: with 1,000 viewers one tally snapshot cost
  1,000 hops); these consumers touch the database only through `database_sync_to_async`,
  which closes old connections around each call itself.
- frames are decoded with msgspec against the protocol's message types, so a malformed,
  oversized, deeply nested or binary frame is an `error invalid` and the socket stays up.
- `__call__` reads the client through one long-lived reader task into an inbox, and the
  channel layer puts group messages into the same inbox itself (voting/live/layer.py
  `inbox_open`), instead of Channels' `await_many_dispatch`, which creates a task and an
  `asyncio.wait` per message (a fifth of a web process's CPU during a vote, py-spy;
  docs/performance.md). Messages are still dispatched one at a time, in arrival order.
- a broadcast is encoded once per process, not once per socket: the channel layer
  (voting/live/layer.py) queues one event dict for every local socket of a group, and
  `send_event` keeps the frame it made of it for the next socket (`shared_frame`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from typing import Annotated

import msgspec
from channels.auth import get_user
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from voting.live.layer import LiveChannelLayer

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
Id = Annotated[int, msgspec.Meta(gt=0, le=2**63 - 1)]
Ref = Annotated[str, msgspec.Meta(max_length=64)]


class Hello(msgspec.Struct, tag="hello", tag_field="type", forbid_unknown_fields=False):
    # Any value: a ticket that is not a well-formed code is `forbidden` (API.md), like an unknown one.
    ticket: object = None
    watch: bool = False
    lang: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class Vote(msgspec.Struct, tag="vote", tag_field="type", forbid_unknown_fields=False):
    poll: Id
    option: Id
    ref: Ref | None = None


class Ping(msgspec.Struct, tag="ping", tag_field="type", forbid_unknown_fields=False):
    pass


Frame = Hello | Vote | Ping
_decode = msgspec.json.Decoder(Frame).decode
_encode = msgspec.json.Encoder().encode


_frames: dict[tuple[int, object], tuple[dict, str]] = {}
MAX_SHARED_FRAMES = 512


def shared_frame(event: dict, variant: object, build) -> str:
    """The text frame `build()` makes of a broadcast `event`, made once for every socket of this
    process that receives the same event object and sees the same `variant` of it. The entry keeps
    the event alive, so its id is not reused while cached; the dict is emptied when it grows past
    MAX_SHARED_FRAMES (a burst of events), which costs a re-encode at worst."""
    key = (id(event), variant)
    hit = _frames.get(key)
    if hit is not None and hit[0] is event:
        return hit[1]
    text = _encode(build()).decode()
    if len(_frames) >= MAX_SHARED_FRAMES:
        _frames.clear()
    _frames[key] = (event, text)
    return text


class FrameError(ValueError):
    def __init__(self, detail: str, ref: str | None = None):
        super().__init__(detail)
        self.detail, self.ref = detail, ref


def frame_decode(raw: str | bytes | None) -> Frame:
    """One client frame as a typed message, or FrameError (never anything else)."""
    if raw is None:
        raise FrameError("empty frame")
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_FRAME_BYTES:
        raise FrameError(f"frame over {MAX_FRAME_BYTES} bytes")
    try:
        return _decode(data)
    except (msgspec.DecodeError, RecursionError) as error:
        ref = None
        try:  # say which vote it was, when the frame at least carries a usable ref
            loose = msgspec.json.decode(data)
            ref = loose.get("ref") if isinstance(loose, dict) and isinstance(loose.get("ref"), str) else None
        except (msgspec.DecodeError, RecursionError):
            pass
        raise FrameError(str(error)[:200], ref[:64] if ref else None) from None


def supported_language(code: str | None) -> str | None:
    """`code` (or its closest variant: zh-TW → zh-hant) if the platform speaks it, else None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None


def scope_language(scope) -> str:
    """A socket's language as for a page (API.md 1.1): the `lang` cookie, else Accept-Language,
    else English. A hello may say otherwise (`lang`)."""
    headers = {name: value.decode("latin1") for name, value in scope.get("headers") or []}
    try:
        morsel = SimpleCookie(headers.get(b"cookie", "")).get(settings.LANGUAGE_COOKIE_NAME)
    except CookieError:
        morsel = None
    if morsel is not None and (language := supported_language(morsel.value)):
        return language
    for code, _quality in parse_accept_lang_header(headers.get(b"accept-language", "")):
        if code != "*" and (language := supported_language(code)):
            return language
    return settings.LANGUAGE_CODE


async def scope_user(scope):
    """The socket's logged-in user, read on first use from its session cookie: only the sockets
    that need one pay for the session and user lookups (config/websocket.py), never a phone's
    ticket hello. Sockets never change a session: it is read, not saved."""
    if "user" not in scope:
        session_key = (scope.get("cookies") or {}).get(settings.SESSION_COOKIE_NAME)
        if session_key is None:
            scope["user"] = AnonymousUser()
        else:
            scope["session"] = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
            scope["user"] = await get_user(scope)
    return scope["user"]


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Base of the live sockets. Subclasses set `self.groups_joined` once they have joined."""

    groups_joined: list[str]
    language: str = settings.LANGUAGE_CODE

    async def websocket_connect(self, message):
        # The socket's language, activated once for the rest of its life: the socket runs in its
        # own task, and Django's active language lives in that task's context (asgiref's Local),
        # so no other socket sees it. Before, translation.override wrapped every frame received:
        # 6 % of a web process during a vote (py-spy, 10,000 viewers).
        self.language = scope_language(self.scope)
        translation.activate(self.language)
        await super().websocket_connect(message)

    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        if self.channel_layer is None:
            return await super().__call__(scope, receive, send)
        self.base_send = send
        inbox: asyncio.Queue = asyncio.Queue()
        direct = isinstance(self.channel_layer, LiveChannelLayer)
        if direct:  # group messages straight into the inbox
            self.channel_name = self.channel_layer.inbox_open(inbox)
        else:  # another layer (a deployment's choice): read the channel as Channels does
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)

        async def read(source):
            try:
                while True:
                    inbox.put_nowait(await source())
            except asyncio.CancelledError:
                raise
            except BaseException as error:  # raised in the consumer's own loop, as Channels does
                inbox.put_nowait(_Failed(error))

        readers = [asyncio.ensure_future(read(receive))]
        if not direct:
            readers.append(asyncio.ensure_future(read(self.channel_receive)))
        try:
            while True:
                message = await inbox.get()
                if isinstance(message, _Failed):
                    raise message.error
                await self.dispatch(message)
                if not inbox.empty():
                    # More queued (a decision is poll.decided then now_playing): let the process's other
                    # sockets have this message first, instead of each socket taking all of its own.
                    await asyncio.sleep(0)
        except StopConsumer:
            pass
        finally:
            for reader in readers:
                reader.cancel()
            for reader in readers:
                try:
                    await reader
                except asyncio.CancelledError:
                    pass
            if direct:
                self.channel_layer.inbox_close(self.channel_name)

    async def websocket_disconnect(self, message):
        # Channels' own also runs aclose_old_connections() — a thread hop per closing socket (43 % of
        # a web process while an audience leaves at once, py-spy). These consumers hold no connection
        # on the event loop's thread: database_sync_to_async closes its own.
        await self.disconnect(message.get("code"))
        raise StopConsumer()

    async def dispatch(self, message):
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @classmethod
    async def encode_json(cls, content) -> str:
        return _encode(content).decode()

    async def send_json(self, content, close=False):
        await self.send(text_data=_encode(content).decode(), close=close)

    async def send_event(self, event: dict, build, variant: object = None) -> None:
        """Send the frame `build()` makes of a broadcast event (encoded once per process and variant)."""
        await self.send(text_data=shared_frame(event, variant, build))

    async def join(self, *groups: str) -> None:
        self.groups_joined = list(groups)
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def leave(self) -> None:
        for group in getattr(self, "groups_joined", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # the socket is gone anyway; the layer forgets it with the process
                logger.warning("group_discard %s failed", group, exc_info=True)
        self.groups_joined = []

    async def error(self, code: str, message: str, ref: str | None = None, **extra) -> None:
        body = {"type": "error", "code": code, "message": str(message), **extra}
        if ref is not None:
            body["ref"] = ref
        await self.send_json(body)

    async def invalid(self, error: FrameError) -> None:
        message = _("Send one JSON object with a known type (hello, vote or ping); see the websocket protocol.")
        await self.error("invalid", message, error.ref, detail=error.detail)

    # --- voting events both sockets forward (docs/websocket.md) -------------------------

    def sees_hidden(self, event: dict) -> bool:
        """Whether this socket's reader may see counts the poll hides (screenings.policy)."""
        return False

    async def poll_tally(self, event):
        withheld = bool(event.get("hidden")) and not self.sees_hidden(event)
        await self.send_event(
            event,
            lambda: {
                "type": "tally",
                "poll": event["poll"],
                "counts": None if withheld else event["counts"],
                "total": event["total"],
            },
            variant=withheld,
        )

    async def poll_decided(self, event):
        keys = ("poll", "scope", "option", "reason", "counts")
        await self.send_event(event, lambda: {k: event[k] for k in keys if k in event} | {"type": "poll.decided"})

    async def round_release(self, event):
        await self.send_event(
            event, lambda: {k: v for k, v in event.items() if k != "type"} | {"type": "round.release"}
        )

    async def episode_released(self, event):
        await self.send_event(event, lambda: {"type": "episode.released", "episode": event["episode"]})
