"""Deciding a poll with a million stored votes (issue 14: "under 1 s" on PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> make bench-suite ARGS="bench/bench_decide.py"
    BENCH_DECIDE_VOTES=100000 BENCH_DECIDE_RUNS=5 DATABASE_URL=postgres://... make bench-suite ARGS="bench/bench_decide.py"

It runs only when named (as above) or with BENCH_DECIDE_VOTES set: `make bench` passes the whole
bench/ directory to `make bench-suite`, and loading a million votes takes minutes. PostgreSQL only (it skips on SQLite: the embedded default serves one screening, not a million
ballots). One live screening (started, so the decision's effect moves what it plays) sells
BENCH_DECIDE_VOTES tickets; for each of BENCH_DECIDE_RUNS runs a fresh open poll on the episode it
plays gets one vote per ticket, and `poll_decide`'s two transactions are timed one after the other:
the decision (locks, counts, tie rule, Decision row, the poll closed, the live effect, commit; the
broadcast goes to the channel layer after the commit) and then the seal of its digest (every ballot
sorted by receipt and hashed). Between runs, outside the timing, the screening is put back on the
decision point. Prints each run and the median, and how long the stored votes took to load.

The data is made set-based in SQL (generate_series, INSERT … SELECT), respecting the models'
constraints: ticket codes and secrets have the shapes the order service gives them (43 URL-safe
characters, 64 hex digits, random), and each vote's receipt is the real HMAC-SHA256 of voting/
ballots.py, computed by pgcrypto's hmac() (the extension is created in the test database) — so the
digest the decision stores is `poll_recount`'s; the bench checks one run against voting/recount.py.
After loading, the vote table is ANALYZEd (as autovacuum would do after a million inserts), not
VACUUMed: BENCH_DECIDE_VACUUM=1 vacuums it too (index-only scans then skip the heap).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.factories import (
    BranchFactory,
    EpisodeFactory,
    OrderFactory,
    ProductionFactory,
    ScreeningFactory,
    UserFactory,
)
from voting.ballots import ballots_count, ballots_digest
from voting.live.services import screening_start
from voting.models import Decision, Poll, Vote
from voting.recount import recount_poll
from voting.services.decisions import _counts, _digest, _poll_decide, decision_digest_seal

EXPLICIT = "BENCH_DECIDE_VOTES" in os.environ
VOTES = int(os.environ.get("BENCH_DECIDE_VOTES", "1000000"))
RUNS = int(os.environ.get("BENCH_DECIDE_RUNS", "3"))
VACUUM = os.environ.get("BENCH_DECIDE_VACUUM", "") == "1"


def _tickets_insert(*, order, count: int) -> None:
    """`count` valid tickets of the order's screening, codes like secrets.token_urlsafe(32) and
    secrets like secrets.token_hex(32) (random bytes from pgcrypto)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO screenings_ticket (order_id, screening_id, code, secret, kind, price, status, created_at)
            SELECT %s, %s,
                   translate(rtrim(encode(gen_random_bytes(32), 'base64'), '='), '+/', '-_'),
                   encode(gen_random_bytes(32), 'hex'),
                   'half', 6.00, 'valid', now()
            FROM generate_series(1, %s)
            """,
            [order.id, order.screening_id, count],
        )


def _tally_in_sql(*, poll_id: int, options: list[int]) -> tuple[dict[str, int], int, str]:
    """Counts and digest as poll_decide's two transactions make them (here in one)."""
    return (*_counts(poll_id=poll_id, options=options), _digest(poll_id=poll_id))


def _tally_in_python(*, poll_id: int, options: list[int]) -> tuple[dict[str, int], int, str]:
    """The tally as poll_decide made it before issue 14: every ballot read into Python."""
    ballots = list(Vote.objects.filter(poll_id=poll_id).values_list("receipt", "branch_id"))
    return (
        ballots_count(options=options, ballots=ballots),
        len(ballots),
        ballots_digest(poll_id=poll_id, ballots=ballots),
    )


def _timed(tally, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    with transaction.atomic():  # as inside poll_decide (its SET LOCAL lasts the transaction)
        result = tally(**kwargs)
    return time.perf_counter() - started, result


def _votes_insert(*, poll: Poll, options: list[int]) -> None:
    """One vote per ticket of the screening, spread 50/30/20 over three options; receipts as
    voting.ballots.receipt_for makes them: HMAC-SHA256(key = secret, "episodic-receipt:v1:poll:<id>")."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO voting_vote (poll_id, ticket_id, branch_id, receipt, cast_at, updated_at)
            SELECT %(poll)s, t.id,
                   CASE WHEN t.id %% 10 < 5 THEN %(a)s WHEN t.id %% 10 < 8 THEN %(b)s ELSE %(c)s END,
                   encode(hmac('episodic-receipt:v1:poll:' || %(poll)s, t.secret, 'sha256'), 'hex'),
                   %(cast)s, %(cast)s
            FROM screenings_ticket t WHERE t.screening_id = %(screening)s
            """,
            {
                "poll": poll.id,
                "a": options[0],
                "b": options[1],
                "c": options[2],
                "cast": poll.opens_at + timedelta(seconds=1),
                "screening": poll.screening_id,
            },
        )
    old = connection.autocommit
    connection.set_autocommit(True)  # VACUUM cannot run in a transaction block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE voting_vote" if VACUUM else "ANALYZE voting_vote")
    connection.set_autocommit(old)


@pytest.mark.timeout(3600)  # loading a million votes per run takes a while on a small machine
@pytest.mark.django_db(transaction=True)
def test_decide_million_votes(request):
    if not EXPLICIT and not any("bench_decide" in str(arg) for arg in request.config.args):
        pytest.skip("loads a million votes (minutes): name bench/bench_decide.py or set BENCH_DECIDE_VOTES")
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: set DATABASE_URL=postgres://... (SQLite is the one-screening embedded default)")
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    organizer = UserFactory()
    production = ProductionFactory()
    start = EpisodeFactory(production=production, published=True)
    production.start_episode = start
    production.save()
    options = [
        BranchFactory(source=start, target=EpisodeFactory(production=production, published=True), is_default=n == 0).id
        for n in range(3)
    ]
    screening = screening_start(
        screening=ScreeningFactory(production=production, organizer=organizer, capacity=VOTES + 10), by=organizer
    )
    Poll.objects.filter(screening=screening, status=Poll.Status.OPEN).delete()  # none expected; the bench opens its own
    started = time.perf_counter()
    _tickets_insert(order=OrderFactory(screening=screening), count=VOTES)
    tickets_seconds = time.perf_counter() - started

    timings, seals, loads, tallies = [], [], [], []
    decision = None
    for _run in range(RUNS):
        type(screening).objects.filter(pk=screening.pk).update(now_playing=start)
        now = timezone.now()
        poll = Poll.objects.create(
            scope=Poll.Scope.LIVE,
            episode=start,
            screening=screening,
            opens_at=now - timedelta(minutes=5),
            closes_at=now - timedelta(milliseconds=1),
        )
        started = time.perf_counter()
        _votes_insert(poll=poll, options=options)
        loads.append(time.perf_counter() - started)
        # The tally alone, the Python way (as before) and the SQL way, back to back on the same votes.
        python_seconds, by_python = _timed(_tally_in_python, poll_id=poll.id, options=options)
        sql_seconds, by_sql = _timed(_tally_in_sql, poll_id=poll.id, options=options)
        assert by_python == by_sql
        tallies.append((python_seconds, sql_seconds))
        started = time.perf_counter()
        decision, _created = _poll_decide(poll_id=poll.id, wait=True, close_now=False)  # committed, broadcast
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        decision_digest_seal(decision=decision)
        seals.append(time.perf_counter() - started)
        assert decision.total_votes == VOTES and decision.digest == by_sql[2]

    assert decision is not None
    recount = recount_poll(poll=decision.poll) if VOTES <= 200_000 else None  # the recount reads every row in Python
    if recount is not None:
        assert recount.ok, recount.problems
    decided = Decision.objects.filter(poll__screening=screening).count()
    print(
        f"\n--- decide bench: {VOTES} stored votes, {RUNS} runs ({decided} decisions), "
        f"{'VACUUM ANALYZE' if VACUUM else 'ANALYZE'} after loading ---"
    )
    print(f"tickets: {tickets_seconds:.1f} s to insert; votes: {statistics.median(loads):.1f} s to load (median)")
    print(
        "poll_decide, the decision (committed and broadcast): "
        + ", ".join(f"{t * 1000:.0f} ms" for t in timings)
        + f"; median {statistics.median(timings) * 1000:.0f} ms"
    )
    print(
        "then the digest sealed: "
        + ", ".join(f"{t * 1000:.0f} ms" for t in seals)
        + f"; median {statistics.median(seals) * 1000:.0f} ms"
    )
    print(
        "tally alone, back to back: ballots read into Python "
        + ", ".join(f"{p * 1000:.0f}" for p, _ in tallies)
        + " ms; in SQL "
        + ", ".join(f"{q * 1000:.0f}" for _, q in tallies)
        + " ms"
    )
    print(f"decision: {decision.counts} ({decision.reason}), digest {decision.digest[:16]}…")
    if recount is not None:
        print(f"recount_poll agrees (counts and digest): {recount.ok}")
