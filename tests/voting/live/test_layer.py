"""The channel layer handles each group message once per process (voting/live/layer.py), on real Redis."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from voting.live.consumers.base import shared_frame
from voting.live.layer import LiveChannelLayer


def test_the_configured_layer_is_the_live_layer():
    assert isinstance(get_channel_layer(), LiveChannelLayer)


def test_a_group_message_is_decoded_once_for_every_local_socket_and_counted():
    layer = get_channel_layer()

    async def scenario():
        first, second = await layer.new_channel(), await layer.new_channel()
        assert layer.group_generation("layer-test") is None  # nobody here listens to it
        await layer.group_add("layer-test", first)
        await layer.group_add("layer-test", second)
        epoch, count = layer.group_generation("layer-test")
        await layer.group_send("layer-test", {"type": "poll.tally", "poll": 1, "counts": {"7": 2}})
        one, other = await layer.receive(first), await layer.receive(second)
        assert one == {"type": "poll.tally", "poll": 1, "counts": {"7": 2}}
        assert one is other  # one event object for both sockets: decoded once
        assert layer.group_generation("layer-test") == (epoch, count + 1)

        await layer.send(first, {"type": "direct", "n": 1})  # a message to one socket is not a group's
        assert await layer.receive(first) == {"type": "direct", "n": 1}
        assert layer.group_generation("layer-test") == (epoch, count + 1)

        await layer.group_discard("layer-test", first)
        await layer.group_discard("layer-test", second)
        assert layer.group_generation("layer-test") is None
        await layer.group_add("layer-test", first)  # subscribed again: a new epoch, never equal to the old
        assert layer.group_generation("layer-test")[0] != epoch
        await layer.group_discard("layer-test", first)

    async_to_sync(scenario)()


def test_a_sockets_inbox_gets_its_groups_messages_directly_and_costs_no_redis_subscription():
    """A live socket's channel is its consumer's inbox: group messages land in it (no reader task
    in between), the channel itself is not subscribed on Redis, and a closed inbox gets nothing."""
    layer = get_channel_layer()

    async def scenario():
        loop_layer = layer._get_layer()
        inbox, other = asyncio.Queue(), asyncio.Queue()
        first, second = layer.inbox_open(inbox), layer.inbox_open(other)
        await layer.group_add("inbox-test", first)
        await layer.group_add("inbox-test", second)
        subscribed = set().union(*(shard._subscribed_to for shard in loop_layer._shards))
        assert first not in subscribed and second not in subscribed  # no SUBSCRIBE per socket
        assert loop_layer._get_group_channel_name("inbox-test") in subscribed  # one per group

        await layer.group_send("inbox-test", {"type": "poll.decided", "poll": 5})
        one = await asyncio.wait_for(inbox.get(), 10)
        assert one == {"type": "poll.decided", "poll": 5} and one is await asyncio.wait_for(other.get(), 10)

        layer.inbox_close(second)  # its socket is gone: the next message skips it
        await layer.group_send("inbox-test", {"type": "poll.tally", "poll": 5})
        assert (await asyncio.wait_for(inbox.get(), 10))["type"] == "poll.tally"
        await asyncio.sleep(0.2)
        assert other.empty()
        await layer.group_discard("inbox-test", first)
        await layer.group_discard("inbox-test", second)
        layer.inbox_close(first)

    async_to_sync(scenario)()


def test_a_broadcast_frame_is_encoded_once_per_variant():
    event = {"type": "poll.tally", "poll": 3, "counts": {"1": 4}, "total": 4, "hidden": True}
    built = []

    def build(withheld):
        def make():
            built.append(withheld)
            return {"type": "tally", "counts": None if withheld else event["counts"]}

        return make

    frames = [shared_frame(event, withheld, build(withheld)) for withheld in (True, False, True, False, True)]
    assert built == [True, False]  # five sockets, two variants: two encodings
    assert frames[0] == frames[2] == '{"type":"tally","counts":null}'
    assert frames[1] == '{"type":"tally","counts":{"1":4}}'
    other = dict(event)  # an equal but different event is encoded on its own
    shared_frame(other, True, build(True))
    assert built == [True, False, True]


@pytest.mark.parametrize("withheld", [True, False])
def test_sockets_that_see_different_counts_get_different_frames(withheld):
    event = {"type": "poll.tally", "poll": 9, "counts": {"2": 1}, "total": 1, "hidden": True}
    text = shared_frame(event, withheld, lambda: {"counts": None if withheld else event["counts"]})
    assert ("null" in text) is withheld
