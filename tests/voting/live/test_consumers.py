"""The websocket consumer against the real pub/sub channel layer on Redis (docs/websocket.md)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.utils import timezone

from config.websocket import websocket_application
from screenings.services.orders import ticket_refund
from tests.factories import TicketFactory
from tests.voting.wsclient import WebsocketCommunicator
from voting.live.routing import websocket_urlpatterns
from voting.models import Poll, Vote
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


def run(coroutine_fn):
    async_to_sync(coroutine_fn)()


def socket(screening_id, *, app=websocket_application, headers=ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(app, f"/ws/screenings/{screening_id}/", headers=headers)


async def joined(screening_id, code) -> tuple[WebsocketCommunicator, dict]:
    ws = socket(screening_id)
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "hello", "ticket": code})
    state = await ws.receive_json_from(timeout=5)
    assert state["type"] == "state", state
    return ws, state


async def next_of(ws, kind, timeout=5.0) -> dict:
    """The next message of `kind`, skipping others (tallies arrive whenever the flusher ticks)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await ws.receive_json_from(timeout=max(0.01, deadline - loop.time()))
        if message["type"] == kind:
            return message


def test_hello_gets_a_full_state(live_screening, story, make_tickets):
    ticket = make_tickets(1)[0]

    async def scenario():
        ws, state = await joined(live_screening.id, ticket.code)
        assert state["screening"] == {"id": live_screening.id, "status": "live", "autopilot": False, "paused_at": None}
        assert state["now_playing"]["id"] == story.start.id
        assert state["poll"] is None and state["my_vote"] is None
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize("kind", ["unknown", "refunded", "other_screening"])
def test_bad_tickets_are_refused_with_4403(live_screening, make_tickets, kind):
    code = {
        "unknown": lambda: "no-such-ticket",
        "refunded": lambda: make_tickets(1, status="refunded", refunded_at=timezone.now())[0].code,
        "other_screening": lambda: TicketFactory().code,
    }[kind]()

    async def scenario():
        ws = socket(live_screening.id)
        await ws.connect()
        await ws.send_json_to({"type": "hello", "ticket": code})
        assert (await ws.receive_json_from())["code"] == "forbidden"
        assert (await ws.receive_output(timeout=5))["code"] == 4403

    run(scenario)


def test_first_message_must_be_hello(live_screening):
    async def scenario():
        ws = socket(live_screening.id)
        await ws.connect()
        await ws.send_json_to({"type": "vote", "poll": 1, "option": 1})
        assert (await ws.receive_json_from())["code"] == "invalid"
        assert (await ws.receive_output(timeout=5))["code"] == 4400

    run(scenario)


def test_unknown_screening_closes_with_4404(db):
    async def scenario():
        ws = socket(999_999)
        await ws.connect()
        assert (await ws.receive_output(timeout=5))["code"] == 4404

    run(scenario)


def test_foreign_origin_is_refused(live_screening):
    async def scenario():
        ws = socket(live_screening.id, headers=[(b"origin", b"https://evil.example")])
        connected, _ = await ws.connect()
        assert not connected

    run(scenario)


def test_malformed_frames_get_errors_and_the_socket_survives(live_screening, make_tickets):
    ticket = make_tickets(1)[0]

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        for frame in [
            "not json",
            "[1, 2]",
            '{"no": "type"}',
            "x" * 5000,
            '{"type": "vote", "poll": "1", "option": 2}',
            '{"type": "vote", "poll": true, "option": 2}',
            '{"type": "dance"}',
        ]:
            await ws.send_to(text_data=frame)
            assert (await ws.receive_json_from())["code"] == "invalid", frame
        await ws.send_to(bytes_data=b"\xff\xfe")
        assert (await ws.receive_json_from())["code"] == "invalid"
        await ws.send_json_to({"type": "ping"})
        assert (await ws.receive_json_from())["type"] == "pong"
        await ws.disconnect()

    run(scenario)


def test_votes_are_acknowledged_after_storage_replaceable_and_restored_on_reconnect(
    live_screening, organizer, story, make_tickets
):
    ticket = make_tickets(1)[0]
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)

    async def scenario():
        ws, state = await joined(live_screening.id, ticket.code)
        assert state["poll"]["id"] == poll.id and state["poll"]["status"] == "open"
        assert [o["id"] for o in state["poll"]["options"]] == [story.to_left.id, story.to_right.id]
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id, "ref": "a"})
        accepted = await next_of(ws, "vote.accepted")
        stored = await database_sync_to_async(Vote.objects.get)(poll=poll, branch=story.to_right)
        assert accepted == {
            "type": "vote.accepted", "poll": poll.id, "option": story.to_right.id, "ref": "a", "receipt": stored.receipt
        }  # fmt: skip

        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_left.id, "ref": "b"})
        assert (await next_of(ws, "vote.accepted"))["ref"] == "b"
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_ending.id, "ref": "c"})
        error = await next_of(ws, "error")
        assert (error["code"], error["ref"]) == ("invalid", "c")
        await ws.disconnect()

        again, state = await joined(live_screening.id, ticket.code)
        assert state["my_vote"] == story.to_left.id and state["my_receipt"] == stored.receipt  # one ballot, one receipt
        assert state["poll"]["counts"] == {str(story.to_left.id): 1, str(story.to_right.id): 0}
        await again.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "backend",
    [
        "voting.live.layer.LiveChannelLayer",  # group messages straight into each socket's inbox
        "channels_redis.pubsub.RedisPubSubChannelLayer",  # another layer: each socket reads its channel
    ],
)
def test_everyone_gets_poll_opened_coalesced_tallies_and_the_decision(
    backend, settings, live_screening, organizer, story, make_tickets
):
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"], "BACKEND": backend}}
    tickets = make_tickets(12)
    poll_holder = {}

    async def scenario():
        sockets = [(await joined(live_screening.id, t.code))[0] for t in tickets]
        poll = await database_sync_to_async(poll_open)(screening=live_screening, duration_seconds=30, by=organizer)
        poll_holder["poll"] = poll
        for ws in sockets:
            opened = await next_of(ws, "poll.opened")
            assert opened["poll"]["id"] == poll.id
        for n, ws in enumerate(sockets):
            option = story.to_right.id if n < 7 else story.to_left.id
            await ws.send_json_to({"type": "vote", "poll": poll.id, "option": option})
            await next_of(ws, "vote.accepted")
        await asyncio.sleep(1.0)
        decision = await database_sync_to_async(poll_decide)(poll_id=poll.id)
        for ws in sockets:
            tallies = []
            while True:
                message = await ws.receive_json_from(timeout=5)
                if message["type"] == "tally":
                    tallies.append(message)
                if message["type"] == "poll.decided":
                    break
            assert message["option"] == story.to_right.id == decision.branch_id
            assert message["counts"] == {str(story.to_left.id): 5, str(story.to_right.id): 7}
            assert 1 <= len(tallies) <= 8, tallies  # coalesced: far fewer than one per vote
            assert tallies[-1]["counts"] == message["counts"]
            now_playing = await next_of(ws, "now_playing")
            assert now_playing["episode"]["id"] == story.right.id
        for ws in sockets:
            await ws.disconnect()

    run(scenario)


def test_hidden_results_reach_only_the_organizer(live_screening, organizer, story, make_tickets):
    ticket = make_tickets(1)[0]
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer, hide_results=True)

    async def scenario():
        audience, state = await joined(live_screening.id, ticket.code)
        assert state["poll"]["counts"] is None and state["poll"]["hide_results"] is True
        console = socket(live_screening.id, app=URLRouter(websocket_urlpatterns))
        console.scope["user"] = organizer
        await console.connect()
        await console.send_json_to({"type": "hello", "watch": True})
        staff_state = await console.receive_json_from()
        assert staff_state["poll"]["counts"] == {str(story.to_left.id): 0, str(story.to_right.id): 0}

        await audience.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id})
        await next_of(audience, "vote.accepted")
        seen_by_audience = await next_of(audience, "tally")
        seen_by_console = await next_of(console, "tally")
        assert seen_by_audience["counts"] is None and seen_by_audience["total"] == 1
        assert seen_by_console["counts"][str(story.to_right.id)] == 1
        await console.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id})
        assert (await next_of(console, "error"))["code"] == "forbidden"  # watchers do not vote
        await audience.disconnect()
        await console.disconnect()

    run(scenario)


def test_refunded_mid_poll_ticket_is_refused_and_disconnected(live_screening, organizer, story, make_tickets):
    ticket = make_tickets(1)[0]
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)

    def refund():  # the box office's real refund, against the open poll
        ticket_refund(code=ticket.code, user=organizer)

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id})
        await next_of(ws, "vote.accepted")
        await database_sync_to_async(refund)()
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_left.id})
        assert (await next_of(ws, "error"))["code"] == "forbidden"
        while (output := await ws.receive_output(timeout=5))["type"] != "websocket.close":
            pass
        assert output["code"] == 4403

    run(scenario)
    assert not Vote.objects.filter(poll=poll).exists()


def test_closed_poll_and_throttling(live_screening, organizer, story, make_tickets):
    ticket = make_tickets(1)[0]
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    poll_decide(poll_id=poll.id)

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id, "ref": "late"})
        assert await next_of(ws, "error") == {
            "type": "error",
            "code": "poll_closed",
            "message": "This poll is closed.",
            "ref": "late",
        }
        codes = []
        for _ in range(40):
            await ws.send_to(text_data=json.dumps({"type": "ping"}))
        for _ in range(40):
            message = await ws.receive_json_from()
            codes.append(message.get("code", message["type"]))
        assert "throttled" in codes and "pong" in codes
        await ws.disconnect()

    run(scenario)
    assert Poll.objects.get(pk=poll.pk).status == "decided"


class PublishCounter:
    """Counts the channel-layer messages this test run publishes (a pattern subscription on its prefix),
    whatever other suites sharing the Redis server do meanwhile."""

    def __init__(self):
        import threading

        import redis
        from django.conf import settings

        self.count, self.done, self.synced = 0, threading.Event(), threading.Event()
        self.redis = redis.Redis.from_url(settings.REDIS_URL)
        self.sentinel = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] + "!counter-sync"
        self.pubsub = self.redis.pubsub()
        self.pubsub.psubscribe(settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] + "*")
        while self.pubsub.get_message(timeout=1) is None:  # the psubscribe confirmation
            pass
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            if (message := self.pubsub.get_message(timeout=0.1)) and message["type"] == "pmessage":
                if message["channel"].decode() == self.sentinel:
                    self.synced.set()
                else:
                    self.count += 1

    def counted(self) -> int:
        """The count once this counter has seen every message published before now: Redis delivers
        a later PUBLISH after the earlier ones, so a sentinel seen means they were all counted."""
        self.synced.clear()
        self.redis.publish(self.sentinel, b"")
        assert self.synced.wait(timeout=10), "the counter never saw its own sentinel"
        return self.count

    def close(self):
        self.done.set()
        self.thread.join(timeout=5)
        self.pubsub.close()
        self.redis.close()


def test_viewers_do_not_multiply_the_work_per_vote(live_screening, organizer, story, make_tickets):
    """30 votes cost a few channel-layer publishes (not one per vote), and 25 watching sockets cost
    no more of them than 1 does (not one per viewer): compared, not bounded, so a slow machine passes."""
    from tests.factories import ScreeningFactory
    from voting.live.services import screening_start
    from voting.services.votes import votes_cast_batch

    votes = 30
    other = screening_start(
        screening=ScreeningFactory(production=story.start.production, organizer=organizer), by=organizer
    )

    async def scenario(screening, viewers: int) -> int:
        tickets = await database_sync_to_async(make_tickets)(votes, for_screening=screening)
        poll = await database_sync_to_async(poll_open)(screening=screening, duration_seconds=30, by=organizer)
        sockets = [(await joined(screening.id, t.code))[0] for t in tickets[:viewers]]
        counter = await asyncio.to_thread(PublishCounter)
        try:
            for ticket in tickets:  # one vote at a time, as spread-out phones would
                await database_sync_to_async(votes_cast_batch)(ballots=[(poll.id, ticket.code, story.to_right.id)])
            for ws in sockets:  # every viewer gets the snapshot with all the votes
                while (await next_of(ws, "tally", timeout=10))["total"] != votes:
                    pass
            sent = await asyncio.to_thread(counter.counted)
        finally:
            await asyncio.to_thread(counter.close)
        for ws in sockets:
            await ws.disconnect()
        return sent

    sent = {1: async_to_sync(scenario)(live_screening, 1), 25: async_to_sync(scenario)(other, 25)}
    print(f"\n[tally] {votes} votes: channel-layer publishes with 1 viewer {sent[1]}, with 25 viewers {sent[25]}")
    assert 1 <= sent[1] < votes  # snapshots, not one broadcast per vote
    assert sent[25] <= 2 * sent[1] + 2  # one publish per snapshot whatever the fan-out; per viewer would be 25x


def test_a_release_round_of_the_production_is_voted_on_the_same_socket(live_screening, story, make_tickets):
    from datetime import timedelta

    ticket = make_tickets(1)[0]
    now = timezone.now()
    round_poll = Poll.objects.create(
        scope="round", episode=story.start, opens_at=now, closes_at=now + timedelta(hours=1)
    )  # the screening has played story.start (it started there), so its tickets may vote

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await ws.send_json_to({"type": "vote", "poll": round_poll.id, "option": story.to_right.id, "ref": "r"})
        assert (await next_of(ws, "vote.accepted"))["poll"] == round_poll.id
        tally_message = await next_of(ws, "tally")  # round tallies go to the production's group, which we joined
        assert tally_message["poll"] == round_poll.id and tally_message["total"] == 1
        await ws.disconnect()

    run(scenario)
    assert Vote.objects.get(poll=round_poll).ticket_id == ticket.id


@pytest.mark.parametrize("ticket", ["bad\x00code", ["a"], 12, None, "a" * 65])
def test_hello_with_a_malformed_ticket_is_forbidden_not_a_crash(live_screening, ticket):
    async def scenario():
        ws = socket(live_screening.id)
        await ws.connect()
        await ws.send_json_to({"type": "hello", "ticket": ticket})
        assert (await ws.receive_json_from())["code"] == "forbidden"
        assert (await ws.receive_output(timeout=5))["code"] == 4403

    run(scenario)


def test_second_hello_and_unknown_polls_get_errors_and_the_socket_survives(live_screening, make_tickets):
    ticket = make_tickets(1)[0]

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await ws.send_json_to({"type": "hello", "ticket": ticket.code})
        assert (await ws.receive_json_from())["code"] == "invalid"
        for poll_id in (999_999, 10**30, -1):
            await ws.send_json_to({"type": "vote", "poll": poll_id, "option": 1, "ref": "r"})
            error = await ws.receive_json_from()
            assert error["type"] == "error" and error["code"] in {"not_found", "invalid"}, (poll_id, error)
        await ws.send_json_to({"type": "ping"})
        assert (await ws.receive_json_from())["type"] == "pong"
        await ws.disconnect()

    run(scenario)
