"""What `synchronous=FULL` costs the vote path on SQLite (the embedded default), and what group commit saves.

    make bench-suite ARGS="-k sqlite_durability"

Stores votes through the product's batch path (voting.services.votes_cast_batch: one transaction
per batch, as the websocket batcher does) with the connection in `synchronous=NORMAL` and in
`synchronous=FULL`, alternating rounds so a busy machine slows both alike, for batches of 1 vote
(one commit per vote) and of 64 votes (a loaded batcher). Prints votes/s per mode and batch size
(median of the rounds). FULL syncs the WAL on every commit, so an acknowledged vote survives an
operating-system crash; NORMAL may lose the last commits.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import BranchFactory, EpisodeFactory, ProductionFactory, ScreeningFactory, TicketFactory
from voting.models import Poll
from voting.services.votes import votes_cast_batch

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
VOTES_PER_ROUND = int(os.environ.get("BENCH_VOTES", "256"))
BATCHES = (1, 64)
MODES = ("NORMAL", "FULL")


@pytest.mark.django_db(transaction=True)
def test_sqlite_durability_cost():
    if connection.vendor != "sqlite":
        pytest.skip("measures SQLite's synchronous modes (the embedded default)")
    production = ProductionFactory()
    start = EpisodeFactory(production=production, published=True)
    production.start_episode = start
    production.save()
    option = BranchFactory(source=start, target=EpisodeFactory(production=production, published=True), is_default=True)
    BranchFactory(source=start, target=EpisodeFactory(production=production, published=True))
    screening = ScreeningFactory(production=production, capacity=100_000)
    now = timezone.now()
    poll = Poll.objects.create(
        scope="live", episode=start, screening=screening, opens_at=now, closes_at=now + timedelta(hours=1)
    )
    needed = ROUNDS * len(MODES) * len(BATCHES) * VOTES_PER_ROUND
    codes = iter(TicketFactory.create_batch(needed, order__screening=screening))
    rates: dict[tuple[str, int], list[float]] = {}

    for _ in range(ROUNDS):
        for mode in MODES:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={mode}")
                cursor.execute("PRAGMA synchronous")
                assert cursor.fetchone()[0] == {"NORMAL": 1, "FULL": 2}[mode]
            for batch in BATCHES:
                tickets = [next(codes).code for _ in range(VOTES_PER_ROUND)]
                started = time.perf_counter()
                for i in range(0, len(tickets), batch):
                    results = votes_cast_batch(ballots=[(poll.id, code, option.id) for code in tickets[i : i + batch]])
                    assert not any(isinstance(r, Exception) for r in results), results
                rates.setdefault((mode, batch), []).append(VOTES_PER_ROUND / (time.perf_counter() - started))

    print(f"\nSQLite vote writes through votes_cast_batch ({VOTES_PER_ROUND} votes x {ROUNDS} rounds, median):")
    for batch in BATCHES:
        normal, full = (statistics.median(rates[(m, batch)]) for m in MODES)
        print(
            f"  batch of {batch:>2}: synchronous=NORMAL {normal:7.0f} votes/s, FULL {full:7.0f} votes/s "
            f"(FULL costs {100 * (1 - full / normal):4.0f}%)"
        )
