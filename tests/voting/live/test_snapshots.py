"""A crowd joining reads the screening's shared `state` once per process (voting/live/snapshots.py),
fresh as the group's messages say, with each ticket's own fields read per socket; phones' hellos
never read the session or the user (config/websocket.py)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth import SESSION_KEY
from django.db.backends.utils import CursorWrapper
from django.test import Client

from tests.voting.live.test_consumers import ORIGIN, joined, next_of, socket
from voting.models import Vote
from voting.services.polls import poll_open
from voting.services.votes import votes_cast_batch, votes_store_batch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _snapshots_never_age(monkeypatch):
    """Freshness here is the groups' messages only: a loaded machine may take seconds between two hellos."""
    from voting.live import snapshots

    monkeypatch.setattr(snapshots, "MAX_AGE_SECONDS", 3600.0)


def tables_read(queries) -> set[str]:
    return {
        table
        for q in queries
        for table in ("screenings_play", "voting_poll", "django_session", "auth_user")
        if f'"{table}"' in q["sql"]
    }


class queries_of:
    """The SQL every connection runs meanwhile, whatever thread or context the consumer's run on."""

    def __init__(self):
        self.captured_queries: list[dict] = []

    async def __aenter__(self):
        self.original = original = CursorWrapper._execute_with_wrappers
        captured = self.captured_queries

        def recording(cursor, sql, params, many, executor):
            captured.append({"sql": sql})
            return original(cursor, sql, params, many, executor)

        CursorWrapper._execute_with_wrappers = recording
        return self

    async def __aexit__(self, *exc):
        CursorWrapper._execute_with_wrappers = self.original


async def hello_queries(screening_id, code) -> tuple[list[dict], dict, object]:
    async with queries_of() as captured:
        ws, state = await joined(screening_id, code)
    return captured.captured_queries, state, ws


def test_later_joiners_read_only_their_own_part(live_screening, organizer, story, make_tickets):
    first, second = make_tickets(2)
    poll = poll_open(screening=live_screening, duration_seconds=60, by=organizer)
    # the second ticket voted before it joins, without a live count (so no tally is broadcast)
    stored = votes_store_batch(ballots=[(poll.id, second.code, story.to_right.id)])[0][0]

    async def scenario():
        queries_first, state_first, ws_first = await hello_queries(live_screening.id, first.code)
        queries_second, state_second, ws_second = await hello_queries(live_screening.id, second.code)
        assert {"screenings_play", "voting_poll"} <= tables_read(queries_first)
        assert tables_read(queries_second) == set()  # the shared part came from the process's snapshot
        assert len(queries_second) < len(queries_first)
        assert state_second["poll"] == state_first["poll"] and state_second["now_playing"] == state_first["now_playing"]
        assert (state_first["my_vote"], state_first["my_receipt"]) == (None, None)
        assert (state_second["my_vote"], state_second["my_receipt"]) == (story.to_right.id, stored.receipt)
        for ws in (ws_first, ws_second):
            await ws.disconnect()

    async_to_sync(scenario)()


def test_a_message_of_the_group_makes_the_snapshot_stale(live_screening, organizer, story, make_tickets):
    watcher, voter, late = make_tickets(3)
    poll = poll_open(screening=live_screening, duration_seconds=60, by=organizer)

    async def scenario():
        ws, state = await joined(live_screening.id, watcher.code)
        assert state["poll"]["counts"] == {str(story.to_left.id): 0, str(story.to_right.id): 0}
        await database_sync_to_async(votes_cast_batch)(ballots=[(poll.id, voter.code, story.to_left.id)])
        assert (await next_of(ws, "tally"))["total"] == 1  # the tally reached this process
        queries, late_state, late_ws = await hello_queries(live_screening.id, late.code)
        assert late_state["poll"]["counts"][str(story.to_left.id)] == 1  # not the snapshot from before
        assert "voting_poll" in tables_read(queries)
        for each in (ws, late_ws):
            await each.disconnect()

    async_to_sync(scenario)()


def test_a_poll_opened_meanwhile_is_in_the_next_state(live_screening, organizer, make_tickets):
    first, second = make_tickets(2)

    async def scenario():
        ws, state = await joined(live_screening.id, first.code)
        assert state["poll"] is None
        poll = await database_sync_to_async(poll_open)(screening=live_screening, duration_seconds=60, by=organizer)
        await next_of(ws, "poll.opened")
        other, state = await joined(live_screening.id, second.code)
        assert state["poll"]["id"] == poll.id
        for each in (ws, other):
            await each.disconnect()

    async_to_sync(scenario)()


def session_cookie(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    assert client.session[SESSION_KEY] == str(user.pk)
    return [*ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


def test_a_ticket_hello_reads_no_session_even_with_one(live_screening, organizer, make_tickets):
    ticket = make_tickets(1)[0]
    poll_open(screening=live_screening, duration_seconds=60, by=organizer, hide_results=True)
    headers = session_cookie(organizer)  # an organizer's phone with its own ticket

    async def scenario():
        ws = socket(live_screening.id, headers=headers)
        async with queries_of() as captured:
            assert (await ws.connect())[0]
            await ws.send_json_to({"type": "hello", "ticket": ticket.code})
            state = await ws.receive_json_from(timeout=5)
        assert state["type"] == "state" and state["poll"]["counts"] is None  # a ticket sees what the audience sees
        assert not {"django_session", "auth_user"} & tables_read(captured.captured_queries)
        await ws.disconnect()

    async_to_sync(scenario)()


def test_the_watch_socket_knows_its_organizer_from_the_session(live_screening, organizer, story, make_tickets):
    poll_open(screening=live_screening, duration_seconds=60, by=organizer, hide_results=True)
    logged_in = session_cookie(organizer)

    async def scenario():
        for headers, sees in ((ORIGIN, False), (logged_in, True)):
            ws = socket(live_screening.id, headers=headers)
            assert (await ws.connect())[0]
            await ws.send_json_to({"type": "hello", "watch": True})
            state = await ws.receive_json_from(timeout=5)
            assert (state["poll"]["counts"] is not None) is sees
            await ws.disconnect()

    async_to_sync(scenario)()
    assert not Vote.objects.exists()


def test_a_crowd_joining_at_once_reads_the_shared_state_once(live_screening, organizer, make_tickets):
    tickets = make_tickets(6)
    poll_open(screening=live_screening, duration_seconds=60, by=organizer)

    async def scenario():
        async with queries_of() as captured:
            crowd = await asyncio.gather(*(joined(live_screening.id, t.code) for t in tickets))
        plays = [q for q in captured.captured_queries if '"screenings_play"' in q["sql"]]
        assert len(plays) == 1, f"{len(plays)} reads of the shared state for {len(tickets)} joiners"
        assert len({json.dumps(state["poll"], sort_keys=True) for _ws, state in crowd}) == 1
        for ws, _state in crowd:
            await ws.disconnect()

    async_to_sync(scenario)()
