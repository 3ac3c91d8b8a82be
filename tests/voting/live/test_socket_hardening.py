"""Hostile sockets: full-origin checks, the hello timeout, the per-address cap, bad frames, a fuzzer,
and acknowledgements that never wait for Redis."""

from __future__ import annotations

import asyncio
import json
import random
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from config.websocket import websocket_application
from tests.voting.live.test_consumers import ORIGIN, joined, next_of, run, socket
from tests.voting.wsclient import WebsocketCommunicator
from voting.live import batcher as batcher_module
from voting.models import Vote
from voting.services.polls import poll_open

pytestmark = pytest.mark.django_db(transaction=True)
HOST = (b"host", b"127.0.0.1:8000")


def _connects(screening_id, headers, *, scheme="ws") -> bool:
    result = {}

    async def scenario():
        ws = WebsocketCommunicator(websocket_application, f"/ws/screenings/{screening_id}/", headers=headers)
        ws.scope["scheme"] = scheme
        result["ok"], _ = await ws.connect()
        if result["ok"]:
            await ws.disconnect()

    run(scenario)
    return result["ok"]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (b"http://127.0.0.1:8000", True),  # SITE_URL's origin
        (b"http://127.0.0.1:9999", False),  # same host, another port: another site
        (b"https://127.0.0.1:8000", False),  # another scheme
        (b"http://evil.example", False),
        (b"null", False),
        (b"http://127.0.0.1:8000.evil.example", False),
    ],
)
def test_origins_are_compared_whole(live_screening, origin, allowed):
    assert _connects(live_screening.id, [(b"origin", origin), HOST]) is allowed


def test_a_socket_without_origin_is_refused(live_screening):
    assert _connects(live_screening.id, [HOST]) is False


def test_the_sockets_own_origin_and_configured_ones_pass(live_screening, settings):
    settings.ALLOWED_HOSTS = ["cinema.example"]
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["https://app.cinema.example"]
    own = [(b"origin", b"https://cinema.example"), (b"host", b"cinema.example")]
    assert _connects(live_screening.id, own, scheme="wss") is True
    assert _connects(live_screening.id, own, scheme="ws") is False  # came in over http: not that origin
    app = [(b"origin", b"https://app.cinema.example:443"), (b"host", b"cinema.example")]
    assert _connects(live_screening.id, app) is True
    stranger = [(b"origin", b"https://evil.example"), (b"host", b"evil.example")]  # host not allowed
    assert _connects(live_screening.id, stranger, scheme="wss") is False


def test_a_silent_socket_is_closed_after_the_hello_timeout(live_screening, settings):
    settings.WEBSOCKET_HELLO_TIMEOUT_SECONDS = 0.3

    async def scenario():
        ws = socket(live_screening.id)
        assert (await ws.connect())[0]
        error = await ws.receive_json_from(timeout=5)
        assert (error["type"], error["code"]) == ("error", "invalid")
        assert await ws.receive_close(timeout=5) == 4408

    run(scenario)


def test_a_socket_that_says_hello_in_time_stays(live_screening, make_tickets, settings):
    settings.WEBSOCKET_HELLO_TIMEOUT_SECONDS = 0.3
    ticket = make_tickets(1)[0]

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await asyncio.sleep(0.6)
        await ws.send_json_to({"type": "ping"})
        assert (await next_of(ws, "pong"))["type"] == "pong"
        await ws.disconnect()

    run(scenario)


def test_one_address_holds_at_most_the_configured_number_of_sockets(live_screening, settings):
    settings.WEBSOCKET_MAX_PER_ADDRESS = 3

    async def scenario():
        held = []
        for _ in range(3):
            ws = WebsocketCommunicator(
                websocket_application, f"/ws/screenings/{live_screening.id}/", headers=ORIGIN, client=("10.9.8.7", 1)
            )
            assert (await ws.connect())[0]
            held.append(ws)
        extra = WebsocketCommunicator(
            websocket_application, f"/ws/screenings/{live_screening.id}/", headers=ORIGIN, client=("10.9.8.7", 2)
        )
        await extra.connect()
        assert (await extra.receive_json_from())["code"] == "throttled"
        assert await extra.receive_close() == 4429
        other = WebsocketCommunicator(
            websocket_application, f"/ws/screenings/{live_screening.id}/", headers=ORIGIN, client=("10.9.8.8", 1)
        )
        assert (await other.connect())[0]  # another address is not affected
        await held.pop().disconnect()
        again = WebsocketCommunicator(
            websocket_application, f"/ws/screenings/{live_screening.id}/", headers=ORIGIN, client=("10.9.8.7", 3)
        )
        assert (await again.connect())[0]  # a freed place is usable again
        await again.send_json_to({"type": "ping"})  # not closed: it is waiting for hello
        for ws in [*held, other, again]:
            await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 5000 + "]" * 5000,
        '{"type":"vote","poll":1,"option":2,"x":' + "[" * 3000 + "]" * 3000 + "}",
        '{"type":"vote","poll":' + "9" * 40 + ',"option":1}',
        "x" * 5000,
        '{"type":"vote","poll":true,"option":1}',
        "not json",
    ],
)
def test_bad_frames_get_invalid_and_the_socket_keeps_answering(live_screening, make_tickets, frame):
    ticket = make_tickets(1)[0]

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await ws.send_to(text_data=frame)
        error = await next_of(ws, "error")
        assert error["code"] == "invalid" and error["message"]
        await ws.send_to(bytes_data=b"\x00\xff" * 10)
        assert (await next_of(ws, "error"))["code"] == "invalid"
        await ws.send_json_to({"type": "ping"})
        assert (await next_of(ws, "pong"))["type"] == "pong"
        await ws.disconnect()

    run(scenario)


def _fuzz_frames(rng: random.Random, poll_id: int, options: list[int]) -> list:
    """Malformed, oversized, nested, binary and out-of-order frames (bounded: 300 of them)."""
    frames: list = []
    kinds = [
        lambda: rng.randbytes(rng.randint(0, 64)),
        lambda: "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 40))),
        lambda: "[" * rng.randint(100, 3000),
        lambda: json.dumps({"type": rng.choice(["vote", "hello", "ping", "pong", "", "state", 1, None])}),
        lambda: json.dumps(
            {
                "type": "vote",
                "poll": rng.choice([poll_id, -1, 0, 2**70, "1", None]),
                "option": rng.choice([*options, 0, 99999999, 1.5, [], {}]),
                "ref": rng.choice([None, "r", "x" * 65, 7]),
            }
        ),  # fmt: skip
        lambda: json.dumps({"type": "hello", "ticket": rng.choice(["", "nope", None, 5, "a" * 70])}),
        lambda: json.dumps([{"type": "vote"}] * rng.randint(0, 3)),
        lambda: "x" * rng.randint(4000, 9000),
    ]
    for _ in range(300):
        frames.append(rng.choice(kinds)())
    return frames


def test_a_fuzzed_socket_never_takes_the_server_or_its_neighbours_down(live_screening, organizer, story, make_tickets):
    """Every frame gets an answer on a socket that stays open (or, before hello, the documented
    close); a neighbour keeps voting and hearing; nothing bad is stored."""
    poll = poll_open(screening=live_screening, duration_seconds=600, by=organizer)
    fuzzer_ticket, neighbour_ticket = make_tickets(2)
    rng = random.Random(20261201)
    frames = _fuzz_frames(rng, poll.id, [story.to_left.id, story.to_right.id])

    async def scenario():
        neighbour, _ = await joined(live_screening.id, neighbour_ticket.code)
        ws, _ = await joined(live_screening.id, fuzzer_ticket.code)
        answered = 0
        for frame in frames:
            if isinstance(frame, bytes):
                await ws.send_to(bytes_data=frame)
            else:
                await ws.send_to(text_data=frame)
            reply = await ws.receive_json_from(timeout=30)
            while reply["type"] == "tally":  # the flusher's snapshots arrive whenever it ticks
                reply = await ws.receive_json_from(timeout=30)
            assert reply["type"] in {"error", "pong", "vote.accepted"}, reply
            answered += 1
            if reply.get("code") == "throttled":
                await asyncio.sleep(0.15)  # the token bucket refills; the socket stays
        await neighbour.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_left.id, "ref": "n"})
        assert (await next_of(neighbour, "vote.accepted"))["ref"] == "n"
        await asyncio.sleep(2.5)  # the fuzzer's token bucket refills (20 at 10 per second)
        await ws.send_json_to({"type": "ping"})
        assert (await next_of(ws, "pong"))["type"] == "pong"
        await ws.disconnect()
        await neighbour.disconnect()
        return answered

    answered = async_to_sync(scenario)()
    print(f"fuzzer: {len(frames)} frames sent, {answered} answered, socket still open")
    stored = set(Vote.objects.filter(poll=poll).values_list("branch_id", flat=True))
    assert stored <= {story.to_left.id, story.to_right.id}


def test_an_acknowledgement_never_waits_for_the_live_counters(
    live_screening, organizer, story, make_tickets, monkeypatch
):
    """The tally update after a batch is blocked (as a frozen Redis would block it): the vote is
    still acknowledged, and stored; the counters catch up once it is released."""
    poll = poll_open(screening=live_screening, duration_seconds=600, by=organizer)
    ticket = make_tickets(1)[0]
    release, entered = threading.Event(), threading.Event()
    applied = []

    def frozen_tally(changes):
        entered.set()
        release.wait(30)
        applied.extend(changes)

    monkeypatch.setattr(batcher_module, "tally_safely", frozen_tally)

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id, "ref": "a"})
        accepted = await next_of(ws, "vote.accepted")
        blocked = not release.is_set() and await asyncio.to_thread(entered.wait, 5)
        stored = await database_sync_to_async(Vote.objects.filter(poll=poll, ticket=ticket).exists)()
        release.set()
        await ws.disconnect()
        return accepted, blocked, stored

    accepted, blocked, stored = async_to_sync(scenario)()
    assert accepted["ref"] == "a" and stored
    assert blocked  # the acknowledgement arrived while the tally update was still stuck


def test_guessing_ticket_codes_on_the_socket_is_limited_per_address(live_screening, make_tickets, settings):
    """Unknown codes count against the address (config/ratelimit.py); past the limit the socket is
    closed 4429 with `throttled`. A valid holder from another address is never slowed."""
    settings.TICKET_LOOKUP_FAILURE_LIMIT = 3
    valid = make_tickets(1)[0]

    async def hello(code: str, address: str) -> tuple[str, int | None]:
        ws = WebsocketCommunicator(
            websocket_application, f"/ws/screenings/{live_screening.id}/", headers=ORIGIN, client=(address, 1)
        )
        await ws.connect()
        await ws.send_json_to({"type": "hello", "ticket": code})
        first = await ws.receive_json_from()
        if first["type"] == "state":
            await ws.disconnect()
            return "state", None
        return first["code"], await ws.receive_close()

    async def scenario():
        answers = [await hello(f"guess-{n}", "10.1.1.1") for n in range(5)]
        holder = await hello(valid.code, "10.2.2.2")
        return answers, holder

    answers, holder = async_to_sync(scenario)()
    assert answers[:3] == [("forbidden", 4403)] * 3
    assert answers[3:] == [("throttled", 4429)] * 2
    assert holder == ("state", None)


def test_guessing_ticket_codes_through_the_rest_vote_is_limited(open_poll, story, api_client, settings, make_tickets):
    settings.TICKET_LOOKUP_FAILURE_LIMIT = 2
    url = f"/api/polls/{open_poll.id}/votes/"
    codes = [
        api_client.post(url, {"ticket": f"guess-{n}", "option": story.to_left.id}, format="json").status_code
        for n in range(4)
    ]
    assert codes == [403, 403, 429, 429]
    other = api_client.post(
        url, {"ticket": make_tickets(1)[0].code, "option": story.to_left.id}, format="json", REMOTE_ADDR="10.3.3.3"
    )
    assert other.status_code == 201
