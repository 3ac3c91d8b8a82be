"""Release rounds over the audience socket and the production page's socket (docs/websocket.md, `rounds`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from config.websocket import websocket_application
from screenings.models import Ticket
from tests.voting.conftest import tickets_for
from tests.voting.live.test_consumers import ORIGIN, joined, next_of, run
from tests.voting.wsclient import WebsocketCommunicator
from voting.models import Vote
from voting.services.decisions import poll_decide
from voting.services.rounds import round_open

pytestmark = pytest.mark.django_db(transaction=True)


def _round(world, **extra):
    return round_open(
        production=world.production,
        episode=world.start,
        by=world.owner,
        closes_at=timezone.now() + timedelta(hours=1),
        **extra,
    )


async def production_socket(production_id) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(websocket_application, f"/ws/productions/{production_id}/", headers=ORIGIN)
    connected, _ = await ws.connect()
    assert connected
    return ws


def test_state_lists_open_rounds_and_a_ticket_votes_from_two_sockets_once(world):
    poll = _round(world)
    ticket = tickets_for(world.screenings[0], 1)[0]
    other = tickets_for(world.screenings[2], 1)[0]

    async def scenario():
        first, state = await joined(world.screenings[0].id, ticket.code)
        assert state["poll"] is None  # the documented live fields are unchanged
        [round_] = state["rounds"]
        assert (round_["id"], round_["scope"], round_["status"]) == (poll.id, "round", "open")
        assert round_["may_vote"] is True and round_["my_vote"] is None
        assert [o["id"] for o in round_["options"]] == [world.left.id, world.right.id]
        second, _ = await joined(world.screenings[0].id, ticket.code)
        third, _ = await joined(world.screenings[2].id, other.code)

        await first.send_json_to({"type": "vote", "poll": poll.id, "option": world.left.id, "ref": "a"})
        assert (await next_of(first, "vote.accepted"))["ref"] == "a"
        await second.send_json_to({"type": "vote", "poll": poll.id, "option": world.right.id, "ref": "b"})
        assert (await next_of(second, "vote.accepted"))["option"] == world.right.id
        await third.send_json_to({"type": "vote", "poll": poll.id, "option": world.right.id})
        await next_of(third, "vote.accepted")

        tally = await next_of(third, "tally")  # once, through the production group
        while tally["total"] < 2:
            tally = await next_of(third, "tally")
        assert tally["poll"] == poll.id and tally["counts"] == {str(world.left.id): 0, str(world.right.id): 2}

        again, state = await joined(world.screenings[0].id, ticket.code)
        assert state["rounds"][0]["my_vote"] == world.right.id
        for ws in (first, second, third, again):
            await ws.disconnect()

    run(scenario)
    assert Vote.objects.filter(poll=poll).count() == 2


def test_a_ticket_whose_screening_did_not_show_the_episode_sees_the_round_but_cannot_vote(world):
    poll = _round(world)
    ticket = tickets_for(world.online, 1)[0]

    async def scenario():
        ws, state = await joined(world.online.id, ticket.code)
        assert state["rounds"][0]["may_vote"] is False
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": world.left.id, "ref": "x"})
        error = await next_of(ws, "error")
        assert (error["code"], error["ref"]) == ("forbidden", "x")
        await ws.send_json_to({"type": "ping"})
        assert (await next_of(ws, "pong"))["type"] == "pong"  # still connected
        await ws.disconnect()

    run(scenario)
    assert not Vote.objects.filter(poll=poll).exists()


def test_every_open_page_hears_the_round_open_decide_and_release(world):
    ticket = tickets_for(world.screenings[1], 1)[0]
    online = tickets_for(world.online, 1)[0]
    holder = {}

    async def scenario():
        page = await production_socket(world.production.id)
        audience, _ = await joined(world.screenings[1].id, ticket.code)
        watcher, _ = await joined(world.online.id, online.code)
        poll = await database_sync_to_async(_round)(world, release_at=timezone.now() + timedelta(hours=3))
        holder["poll"] = poll
        opened = await next_of(audience, "poll.opened")
        assert opened["poll"]["id"] == poll.id and opened["poll"]["may_vote"] is True
        assert (await next_of(watcher, "poll.opened"))["poll"]["may_vote"] is False
        assert (await next_of(page, "poll.opened"))["poll"]["scope"] == "round"

        await audience.send_json_to({"type": "vote", "poll": poll.id, "option": world.right.id})
        await next_of(audience, "vote.accepted")
        decision = await database_sync_to_async(poll_decide)(poll_id=poll.id)
        for ws in (page, audience, watcher):
            decided = await next_of(ws, "poll.decided")
            assert (decided["poll"], decided["scope"], decided["option"]) == (poll.id, "round", decision.branch_id)
            assert decided["counts"] == {str(world.left.id): 0, str(world.right.id): 1}
            release = await next_of(ws, "round.release")
            assert release["episode"]["id"] == world.right.target_id and release["status"] == "scheduled"
        for ws in (page, audience, watcher):
            await ws.disconnect()

    run(scenario)


def test_hidden_round_counts_reach_neither_audiences_nor_the_public_page(world):
    poll = _round(world, hide_results=True)
    ticket = tickets_for(world.screenings[0], 1)[0]

    async def scenario():
        page = await production_socket(world.production.id)
        ws, state = await joined(world.screenings[0].id, ticket.code)
        assert state["rounds"][0]["counts"] is None
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": world.left.id})
        await next_of(ws, "vote.accepted")
        assert (await next_of(ws, "tally"))["counts"] is None
        assert (await next_of(page, "tally"))["counts"] is None
        await ws.disconnect()
        await page.disconnect()

    run(scenario)


def test_the_state_with_rounds_keeps_a_bounded_query_count(world, django_assert_max_num_queries):
    from voting.live.selectors import screening_state_get

    _round(world)
    ticket = Ticket.objects.select_related("screening").get(pk=tickets_for(world.screenings[0], 1)[0].pk)

    # screening, its play, live poll, rounds, this ticket's round votes; per round: options, decision, play
    with django_assert_max_num_queries(8):
        state = screening_state_get(screening_id=world.screenings[0].id, ticket=ticket)
    assert state["rounds"][0]["may_vote"] is True
