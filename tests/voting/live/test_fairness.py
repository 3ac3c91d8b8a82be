"""Fairness: a vote whose frame reached the server before the poll closed counts, however slow its
storage — the decision waits for votes in flight (voting/inflight.py), within its grace."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from django.db import connections

from tests.voting.live.test_consumers import joined, next_of
from voting.live import batcher as batcher_module
from voting.models import Decision
from voting.services import decisions
from voting.services.polls import poll_open

pytestmark = pytest.mark.django_db(transaction=True)
STORAGE_SECONDS = 1.0  # per batch; the first vote and the other five go in two batches, both ending after the close


def test_votes_sent_before_the_close_count_although_storing_them_ends_after_it(
    live_screening, organizer, story, make_tickets, monkeypatch
):
    tickets = make_tickets(6)
    real_store = batcher_module.votes_store_batch

    def slow_store(*, ballots):
        time.sleep(STORAGE_SECONDS)  # a database under load
        return real_store(ballots=ballots)

    monkeypatch.setattr(batcher_module, "votes_store_batch", slow_store)
    poll = poll_open(screening=live_screening, duration_seconds=3, by=organizer)
    decided: list = []

    def decide_when_due():  # the ETA task, at closes_at
        try:
            decided.append(decisions.poll_decide_when_due(poll_id=poll.id))
        finally:
            connections.close_all()

    async def scenario():
        sockets = [(await joined(live_screening.id, t.code))[0] for t in tickets]
        wait = (poll.closes_at.timestamp() - time.time()) - 1.0
        await asyncio.sleep(max(0.0, wait))  # a second before the close
        for ws in sockets:
            await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id, "ref": "r"})
        sent_at = time.time()
        await asyncio.sleep(max(0.0, poll.closes_at.timestamp() - time.time()))
        decider = threading.Thread(target=decide_when_due)
        decider.start()
        answers = [await next_of(ws, "vote.accepted", timeout=30) for ws in sockets]
        await asyncio.to_thread(decider.join, 30)
        for ws in sockets:
            await ws.disconnect()
        return sent_at, answers

    sent_at, answers = async_to_sync(scenario)()
    assert sent_at < poll.closes_at.timestamp()  # every vote left before the close...
    assert len(answers) == len(tickets) and all(a["ref"] == "r" for a in answers)  # ...and was accepted
    decision = Decision.objects.get(poll=poll)
    print(
        f"\nfairness: {decision.total_votes} of {len(tickets)} in-time votes counted, stored {STORAGE_SECONDS} s late"
    )
    assert decision.total_votes == len(tickets)
    assert decision.counts[str(story.to_right.id)] == len(tickets)


def test_a_vote_that_arrives_after_the_close_is_refused(live_screening, organizer, story, make_tickets):
    ticket = make_tickets(1)[0]
    poll = poll_open(screening=live_screening, duration_seconds=3, by=organizer)

    async def scenario():
        ws, _ = await joined(live_screening.id, ticket.code)
        await asyncio.sleep(max(0.0, poll.closes_at.timestamp() - time.time()) + 0.2)
        await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id, "ref": "late"})
        answer = await next_of(ws, "error")
        await ws.disconnect()
        return answer

    assert async_to_sync(scenario)()["code"] == "poll_closed"
