"""The channel layer: channels_redis's pub/sub layer, with each group message handled once per process.

The pub/sub layer already PUBLISHes a group message once and fans it out inside each
ASGI process. Three things it does per socket are done here once per process, or not at all:
- **decode once**: a group message is deserialized when it arrives and the same event
  dict is queued for every local socket of the group (consumers never mutate events;
  voting/live/frames.py encodes each frame once for all of them);
- **count it**: each group's messages are counted as they arrive (`group_generation`),
  so that a per-process cache of what a group's messages change (the `state` snapshot,
  voting/live/snapshots.py) knows it is stale the moment one arrives, before any socket
  has even read it;
- **straight into the socket's inbox** (`inbox_open`): a live socket's channel is not a queue
  that a reader task of the consumer drains into the consumer's inbox, but that inbox itself,
  so each group message wakes one task per socket, not two; and it is not subscribed on Redis
  (a SUBSCRIBE per joining phone, one at a time per process): nothing sends to a socket's own
  channel, only to its groups.

Built on channels_redis 4.3's internals (RedisPubSubLoopLayer, RedisSingleShardConnection),
pinned in the lock; tests/voting/live/test_layer.py checks the behaviour this relies on.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close, decode_hosts

_epochs = itertools.count(1)


class _Shard(RedisSingleShardConnection):
    def _receive_message(self, message):
        if message is None:
            return
        layer: _LoopLayer = self.channel_layer
        name, data = message["channel"], message["data"]
        if isinstance(name, bytes):
            name = name.decode()
        if name in layer.channels:  # a message to one socket: decoded by its receive, as before
            layer.channels[name].put_nowait(data)
            return
        members = layer.groups.get(name)
        if not members:
            return
        layer.generations[name] = layer.generations.get(name, 0) + 1
        event = layer.channel_layer.deserialize(data)
        for channel in members:
            queue = layer.channels.get(channel)
            if queue is not None:
                queue.put_nowait(event)


class _Inbox:
    """Stands in for a channel's queue in the loop layer: what arrives goes into a consumer's inbox.
    Only `put_nowait`: a `receive()` on a socket's channel fails loudly instead of taking from it."""

    __slots__ = ("put_nowait",)

    def __init__(self, inbox: asyncio.Queue):
        self.put_nowait = inbox.put_nowait


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, **kwargs):
        super().__init__(hosts, **kwargs)
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]
        # group channel name → (epoch of its subscription in this process, messages since)
        self.generations: dict[str, int] = {}
        self.epochs: dict[str, int] = {}

    async def group_add(self, group, channel):
        group_channel = self._get_group_channel_name(group)
        if group_channel not in self.groups:
            # a new subscription: whatever was cached for this group was not being kept fresh
            self.epochs[group_channel] = next(_epochs)
        await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        await super().group_discard(group, channel)
        group_channel = self._get_group_channel_name(group)
        if group_channel not in self.groups:
            self.epochs.pop(group_channel, None)
            self.generations.pop(group_channel, None)

    async def flush(self):
        await super().flush()
        self.epochs, self.generations = {}, {}


class LiveChannelLayer(RedisPubSubChannelLayer):
    def deserialize(self, message):
        return message if isinstance(message, dict) else super().deserialize(message)

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
            return layer

    def inbox_open(self, inbox: asyncio.Queue) -> str:
        """A new channel name whose group messages (event dicts) are put straight into `inbox`. It
        is this process's only: messages sent to the channel itself (`send`) never arrive."""
        layer = self._get_layer()
        name = f"{layer.prefix}specific.{uuid.uuid4().hex}"
        layer.channels[name] = _Inbox(inbox)
        return name

    def inbox_close(self, name: str) -> None:
        """Forget an inbox channel (its socket is gone); a group message for it is then skipped."""
        layer = self._layers.get(asyncio.get_running_loop())
        if layer is not None:
            layer.channels.pop(name, None)

    def group_generation(self, group: str) -> tuple[int, int] | None:
        """(subscription epoch, messages received) of `group` in this process, or None while no
        local socket is in it. Equal values at two moments: no message of the group arrived between."""
        layer = self._layers.get(asyncio.get_running_loop())
        if layer is None:
            return None
        name = layer._get_group_channel_name(group)
        epoch = layer.epochs.get(name)
        if epoch is None or name not in layer.groups:
            return None
        return epoch, layer.generations.get(name, 0)

    def group_sizes(self) -> dict[str, int]:
        """How many local sockets each group has in this process (this event loop), by group name."""
        layer = self._layers.get(asyncio.get_running_loop())
        if layer is None:
            return {}
        start = len(layer._get_group_channel_name(""))
        return {name[start:]: len(members) for name, members in layer.groups.items()}
