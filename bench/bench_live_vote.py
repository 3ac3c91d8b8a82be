"""Live voting under load: N websocket audiences against a real uvicorn, Celery worker/beat and Redis.

    make bench                                  # defaults below
    BENCH_SOCKETS=1000 BENCH_VOTES_PER_SOCKET=2 make bench ARGS="bench/bench_live_vote.py"

Prints votes/s, vote.accepted latency p50/p99, tally messages per socket and the
delay from closes_at to poll.decided on every socket (p50/p99/max). Figures depend
on the machine; the one the DESIGN.md pitfalls quote was 1,000 viewers.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from tests.factories import (
    BranchFactory,
    EpisodeFactory,
    ProductionFactory,
    ScreeningFactory,
    TicketFactory,
    UserFactory,
)
from tests.voting.live_clients import Audience
from voting.live.services import screening_start
from voting.models import Decision
from voting.services.polls import poll_open

SOCKETS = int(os.environ.get("BENCH_SOCKETS", "300"))
VOTES_PER_SOCKET = int(os.environ.get("BENCH_VOTES_PER_SOCKET", "2"))
CONNECT_CONCURRENCY = 50


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


@pytest.mark.django_db(transaction=True)
def test_live_vote_throughput(asgi_server, celery_worker_process, celery_beat_process):
    organizer = UserFactory()
    production = ProductionFactory()
    start = EpisodeFactory(production=production, published=True)
    production.start_episode = start
    production.save()
    left = BranchFactory(source=start, target=EpisodeFactory(production=production, published=True), is_default=True)
    right = BranchFactory(source=start, target=EpisodeFactory(production=production, published=True))
    screening = screening_start(
        screening=ScreeningFactory(production=production, organizer=organizer, capacity=SOCKETS + 10), by=organizer
    )
    tickets = TicketFactory.create_batch(SOCKETS, order__screening=screening)
    vote_window = max(20, SOCKETS // 20)

    async def scenario():
        audiences = [Audience(asgi_server, screening.id) for _ in tickets]
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def join(audience, ticket):
            async with gate:
                await audience.open({"type": "hello", "ticket": ticket.code})

        started = time.perf_counter()
        await asyncio.gather(*(join(a, t) for a, t in zip(audiences, tickets)))
        connect_seconds = time.perf_counter() - started

        poll = await sync_to_async(poll_open)(screening=screening, duration_seconds=vote_window, by=organizer)
        await asyncio.gather(*(a.wait_for("poll.opened", timeout=30) for a in audiences))
        acks: list[float] = []

        async def voter(n, audience):
            for k in range(VOTES_PER_SOCKET):
                option = (left if (n + k) % 2 else right).id
                sent = time.perf_counter()
                answer = await audience.vote(poll.id, option, f"{n}-{k}")
                assert answer["type"] == "vote.accepted", answer
                acks.append(time.perf_counter() - sent)

        started = time.perf_counter()
        await asyncio.gather(*(voter(n, a) for n, a in enumerate(audiences)))
        vote_seconds = time.perf_counter() - started
        assert timezone.now() < poll.closes_at, "votes took longer than the window: raise it"

        await asyncio.gather(*(a.wait_for("poll.decided", timeout=vote_window + 60) for a in audiences))
        closes = poll.closes_at.timestamp()
        delays = [a.arrival_of("poll.decided") - closes for a in audiences]
        tallies = [len(a.of("tally")) for a in audiences]
        await asyncio.gather(*(a.close() for a in audiences))
        return poll, connect_seconds, vote_seconds, acks, delays, tallies

    poll, connect_seconds, vote_seconds, acks, delays, tallies = async_to_sync(scenario)()
    decision = Decision.objects.get(poll=poll)
    assert decision.total_votes == SOCKETS

    votes = SOCKETS * VOTES_PER_SOCKET
    print(f"\n--- live vote bench: {SOCKETS} sockets, {votes} votes ({VOTES_PER_SOCKET} per socket, changed) ---")
    print(f"connect+hello+state: {connect_seconds:.2f} s ({SOCKETS / connect_seconds:.0f} sockets/s)")
    print(
        f"votes: {votes / vote_seconds:.0f} votes/s; vote.accepted p50 {statistics.median(acks) * 1000:.1f} ms, "
        f"p99 {_pct(acks, 99) * 1000:.1f} ms, max {max(acks) * 1000:.1f} ms"
    )
    print(
        f"tally messages per socket over the {timedelta(seconds=vote_window)} window: "
        f"median {statistics.median(tallies)}, max {max(tallies)}"
    )
    print(
        f"closes_at -> poll.decided on phones: p50 {statistics.median(delays) * 1000:.0f} ms, "
        f"p99 {_pct(delays, 99) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms"
    )
    print(f"decision: {decision.counts} ({decision.reason})")
