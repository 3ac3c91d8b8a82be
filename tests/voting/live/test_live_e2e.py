"""End to end: a real uvicorn, Celery worker and beat on real Redis; many websocket audiences vote.

Checks guarantee 4 of DESIGN.md: every `vote.accepted` vote is in the decision exactly once; every
socket gets `poll.decided`; the screening moves to the winning branch's target.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from screenings.models import Screening, Ticket
from screenings.services.orders import ticket_refund
from tests.factories import ScreeningFactory, TicketFactory
from tests.voting.live_clients import Audience
from voting.models import Decision, Poll
from voting.services.polls import poll_open

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
AUDIENCE = 60
POLL_SECONDS = 6


@pytest.fixture
def live_platform(asgi_server, celery_worker_process, celery_beat_process):
    return asgi_server


def _refund(ticket: Ticket, organizer) -> None:
    """The box office's refund, the real service, against the open poll."""
    ticket_refund(code=ticket.code, user=organizer)


def _decided_delays(audiences: list[Audience], closes_at: float) -> list[float]:
    return sorted(a.arrival_of("poll.decided") - closes_at for a in audiences)


def test_many_audiences_vote_and_every_accepted_vote_is_decided_once(
    live_platform, live_screening, organizer, story, make_tickets
):
    tickets = make_tickets(AUDIENCE)
    refunded = make_tickets(1)[0]
    stranger = TicketFactory(order__screening=ScreeningFactory(production=live_screening.production))

    async def scenario():
        audiences = [Audience(live_platform, live_screening.id) for _ in tickets]
        states = await asyncio.gather(
            *(a.open({"type": "hello", "ticket": t.code}) for a, t in zip(audiences, tickets))
        )
        assert all(s["type"] == "state" and s["poll"] is None for s in states)

        outsider = Audience(live_platform, live_screening.id)  # a ticket of another screening
        assert (await outsider.open({"type": "hello", "ticket": stranger.code}))["code"] == "forbidden"
        await asyncio.gather(outsider.reader)
        assert outsider.close_code == 4403

        doomed = Audience(live_platform, live_screening.id)
        await doomed.open({"type": "hello", "ticket": refunded.code})

        poll = await sync_to_async(poll_open)(screening=live_screening, duration_seconds=POLL_SECONDS, by=organizer)
        opened = await asyncio.gather(*(a.wait_for("poll.opened") for a in audiences))
        assert {o["poll"]["id"] for o in opened} == {poll.id}

        left, right = story.to_left.id, story.to_right.id
        accepted: dict[int, int] = {}

        async def voter(n: int, audience: Audience, ticket: Ticket):
            first = right if n % 3 else left
            answer = await audience.vote(poll.id, first, f"{n}-a")
            assert answer["type"] == "vote.accepted", answer
            accepted[ticket.id] = first
            if n % 5 == 0:  # a changed vote replaces the earlier one
                answer = await audience.vote(poll.id, left if first == right else right, f"{n}-b")
                assert answer["type"] == "vote.accepted", answer
                accepted[ticket.id] = answer["option"]

        await asyncio.gather(*(voter(n, a, t) for n, (a, t) in enumerate(zip(audiences, tickets))))
        assert (await doomed.vote(poll.id, left, "d1"))["type"] == "vote.accepted"
        await sync_to_async(_refund)(refunded, organizer)
        answer = await doomed.vote(poll.id, right, "d2")
        assert answer["code"] == "forbidden"

        decided = await asyncio.gather(*(a.wait_for("poll.decided", timeout=POLL_SECONDS + 15) for a in audiences))
        moved = await asyncio.gather(*(a.wait_for("now_playing") for a in audiences))
        late = await audiences[0].vote(poll.id, left, "late")
        assert late["code"] == "poll_closed"

        delays = _decided_delays(audiences, poll.closes_at.timestamp())
        print(
            f"\nclose -> poll.decided on {len(audiences)} sockets: p50 {statistics.median(delays) * 1000:.0f} ms, "
            f"max {delays[-1] * 1000:.0f} ms; tallies per socket: {len(audiences[0].of('tally'))}"
        )
        assert delays[-1] < 5.0  # generous sanity bound; figures live in bench/
        assert max(len(a.of("tally")) for a in audiences) <= 4 * (POLL_SECONDS + 2)  # coalesced, never per vote
        await asyncio.gather(*(a.close() for a in audiences), doomed.close())
        return poll, accepted, decided, moved

    poll, accepted, decided, moved = async_to_sync(scenario)()

    decision = Decision.objects.get(poll=poll)
    expected = Counter(accepted.values())
    assert decision.counts == {str(o): expected.get(o, 0) for o in (story.to_left.id, story.to_right.id)}
    assert decision.total_votes == len(accepted) == AUDIENCE  # the refunded ticket's vote is gone
    winner = max(expected, key=expected.get)
    assert decision.branch_id == winner and decision.reason == "majority"
    assert all(d["option"] == winner and d["counts"] == decision.counts for d in decided)
    target = story.to_left.target_id if winner == story.to_left.id else story.to_right.target_id
    assert all(m["episode"]["id"] == target for m in moved)
    assert Screening.objects.get(pk=live_screening.pk).now_playing_id == target
    assert Poll.objects.get(pk=poll.pk).status == "decided"


@pytest.mark.parametrize("votes,reason", [((1, 1), "tie_break"), ((0, 0), "no_votes")])
def test_tie_and_empty_polls_take_the_default_branch(
    live_platform, live_screening, organizer, story, make_tickets, votes, reason
):
    tickets = make_tickets(4)

    async def scenario():
        audiences = [Audience(live_platform, live_screening.id) for _ in tickets]
        for audience, ticket in zip(audiences, tickets):
            await audience.open({"type": "hello", "ticket": ticket.code})
        poll = await sync_to_async(poll_open)(screening=live_screening, duration_seconds=5, by=organizer)
        await asyncio.gather(*(a.wait_for("poll.opened") for a in audiences))
        ballots = [story.to_left.id] * votes[0] + [story.to_right.id] * votes[1]
        for audience, option in zip(audiences, ballots):
            assert (await audience.vote(poll.id, option, "v"))["type"] == "vote.accepted"
        decided = await asyncio.gather(*(a.wait_for("poll.decided", timeout=20) for a in audiences))
        await asyncio.gather(*(a.wait_for("now_playing") for a in audiences))
        await asyncio.gather(*(a.close() for a in audiences))
        return poll, decided

    poll, decided = async_to_sync(scenario)()
    decision = Decision.objects.get(poll=poll)
    assert (decision.branch_id, decision.reason) == (story.to_left.id, reason)  # to_left is the default branch
    assert all(d["option"] == story.to_left.id and d["reason"] == reason for d in decided)
    assert Screening.objects.get(pk=live_screening.pk).now_playing_id == story.left.id


def test_idle_socket_stays_open_and_reconnect_restores_my_vote(
    live_platform, live_screening, organizer, story, make_tickets
):
    ticket = make_tickets(1)[0]
    poll = poll_open(screening=live_screening, duration_seconds=60, by=organizer)

    async def scenario():
        audience = Audience(live_platform, live_screening.id)
        await audience.open({"type": "hello", "ticket": ticket.code})
        assert (await audience.vote(poll.id, story.to_right.id, "x"))["type"] == "vote.accepted"
        await asyncio.sleep(7)  # longer than redis-py's default 5 s socket timeout (DESIGN.md pitfalls)
        after = len(audience.messages)
        await audience.send({"type": "ping"})
        assert (await audience.wait_for("pong", after=after))["type"] == "pong"
        await audience.close()

        again = Audience(live_platform, live_screening.id)
        state = await again.open({"type": "hello", "ticket": ticket.code})
        assert state["my_vote"] == story.to_right.id and state["poll"]["id"] == poll.id
        await again.close()

    async_to_sync(scenario)()


def test_foreign_origin_is_refused_by_the_server(live_platform, live_screening):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async def scenario():
        url = live_platform.replace("http://", "ws://") + f"/ws/screenings/{live_screening.id}/"
        with pytest.raises(InvalidStatus) as refused:
            await connect(url, origin="https://evil.example", proxy=None)
        assert refused.value.response.status_code == 403

    async_to_sync(scenario)()
