"""Live voting under load: N websocket audiences against real ASGI server processes, a Celery worker
and beat, the channel layer on private Redis shards, and the test database.

    make bench-suite                            # defaults below
    BENCH_SOCKETS=1000 BENCH_VOTES_PER_SOCKET=2 make bench-suite ARGS="bench/bench_live_vote.py"
    BENCH_WEB_PROCESSES=2 BENCH_LAYER_SHARDS=2 make bench-suite ARGS="bench/bench_live_vote.py"
    BENCH_PGBOUNCER=1 DATABASE_URL=postgres://... make bench-suite ARGS="bench/bench_live_vote.py"

BENCH_WEB_PROCESSES server processes share one port as under `make run WEB_PROCESSES=N`
(SO_REUSEPORT, platform/reuseport.py); BENCH_LAYER_SHARDS redis-servers carry the channel layer
(CHANNEL_REDIS_URLS); the live counters and the broker stay on REDIS_URL. BENCH_PGBOUNCER=1
puts a private PgBouncer (transaction mode, 8 server connections) between them and PostgreSQL. Prints votes/s,
vote.accepted latency p50/p99, tally messages per socket, the delay from closes_at to
poll.decided on every socket (p50/p99/max), and per process (sockets, votes, CPU seconds during
the votes) and per shard (PUBLISH commands). Figures depend on the machine; the one the
DESIGN.md pitfalls quote was 1,000 viewers.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import time
import urllib.request
import uuid
from datetime import datetime, timedelta

import pytest
import redis
from asgiref.sync import async_to_sync
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests import processes
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

SOCKETS = int(os.environ.get("BENCH_SOCKETS", "300"))
VOTES_PER_SOCKET = int(os.environ.get("BENCH_VOTES_PER_SOCKET", "2"))
WEB_PROCESSES = int(os.environ.get("BENCH_WEB_PROCESSES", "1"))
LAYER_SHARDS = int(os.environ.get("BENCH_LAYER_SHARDS", "1"))
PGBOUNCER = os.environ.get("BENCH_PGBOUNCER", "") == "1"  # PostgreSQL only: the servers go through PgBouncer
CONNECT_CONCURRENCY = 50


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


@pytest.fixture
def platform(process_log_dir):
    """The servers: WEB_PROCESSES on one port, LAYER_SHARDS layer Redis servers, a worker and beat."""
    shard_dirs = [processes.short_dir("bsh") for _ in range(LAYER_SHARDS)]
    env = {
        "TEST_RUN_ID": f"{settings.TEST_RUN_ID}b{uuid.uuid4().hex[:6]}",
        "CHANNEL_REDIS_URLS": ",".join(f"unix://{d / 'redis.sock'}" for d in shard_dirs),
    }
    started: list[processes.Process] = []
    try:
        for directory in shard_dirs:
            started.append(processes.redis_server(directory / "redis.sock", process_log_dir))
        if PGBOUNCER:
            bouncer, url = processes.pgbouncer(process_log_dir, pool_size=8)
            started.append(bouncer)
            env |= {"DATABASE_URL": url, "DB_PGBOUNCER": "true"}
        if os.environ.get("BENCH_DB_POOL"):  # the web processes' own pool on (true) or off (false)
            env["DB_POOL"] = os.environ["BENCH_DB_POOL"]
        webs, base = processes.asgi_servers(process_log_dir, WEB_PROCESSES, **env)
        started += webs
        started.append(processes.celery_worker(process_log_dir, run_id=env["TEST_RUN_ID"], **env))
        started.append(processes.celery_beat(process_log_dir, **env))
        shards = [redis.Redis(unix_socket_path=str(d / "redis.sock")) for d in shard_dirs]
        yield base, webs, shards
    finally:
        for proc in reversed(started):
            proc.stop()
        for directory in shard_dirs:
            shutil.rmtree(directory, ignore_errors=True)


def _rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _publishes(shard: redis.Redis) -> int:
    return shard.info("commandstats").get("cmdstat_publish", {}).get("calls", 0)


def _open_poll(base: str, screening_id: int, token: str, seconds: int) -> dict:
    request = urllib.request.Request(
        f"{base}/api/screenings/{screening_id}/polls/",
        data=json.dumps({"duration_seconds": seconds}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.mark.django_db(transaction=True)
def test_live_vote_throughput(platform):
    base, webs, shards = platform
    port = int(base.rsplit(":", 1)[1])
    organizer = UserFactory()
    token = Token.objects.create(user=organizer).key
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
        audiences = [Audience(base, screening.id) for _ in tickets]
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def join(audience, ticket):
            async with gate:
                await audience.open({"type": "hello", "ticket": ticket.code})

        started = time.perf_counter()
        await asyncio.gather(*(join(a, t) for a, t in zip(audiences, tickets)))
        connect_seconds = time.perf_counter() - started

        pids = [web.proc.pid for web in webs]
        held = await asyncio.to_thread(processes.sockets_per_process, pids, port)
        poll = await asyncio.to_thread(_open_poll, base, screening.id, token, vote_window)
        closes_at = datetime.fromisoformat(poll["closes_at"])
        await asyncio.gather(*(a.wait_for("poll.opened", timeout=30) for a in audiences))
        acks: list[float] = []

        async def voter(n, audience):
            for k in range(VOTES_PER_SOCKET):
                option = (left if (n + k) % 2 else right).id
                sent = time.perf_counter()
                answer = await audience.vote(poll["id"], option, f"{n}-{k}")
                assert answer["type"] == "vote.accepted", answer
                acks.append(time.perf_counter() - sent)

        cpu_before = [processes.cpu_seconds(pid) for pid in pids]
        started = time.perf_counter()
        await asyncio.gather(*(voter(n, a) for n, a in enumerate(audiences)))
        vote_seconds = time.perf_counter() - started
        cpu = [processes.cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]
        rss = [_rss_mib(pid) for pid in pids]
        assert timezone.now() < closes_at, "votes took longer than the window: raise it"

        await asyncio.gather(*(a.wait_for("poll.decided", timeout=vote_window + 60) for a in audiences))
        closes = closes_at.timestamp()
        delays = [a.arrival_of("poll.decided") - closes for a in audiences]
        tallies = [len(a.of("tally")) for a in audiences]
        await asyncio.gather(*(a.close() for a in audiences))
        return poll, connect_seconds, vote_seconds, acks, delays, tallies, held, cpu, rss

    publishes_before = [_publishes(shard) for shard in shards]
    poll, connect_seconds, vote_seconds, acks, delays, tallies, held, cpu, rss = async_to_sync(scenario)()
    publishes = [_publishes(shard) - before for shard, before in zip(shards, publishes_before)]
    decision = Decision.objects.get(poll_id=poll["id"])
    assert decision.total_votes == SOCKETS

    votes = SOCKETS * VOTES_PER_SOCKET
    print(
        f"\n--- live vote bench: {SOCKETS} sockets, {votes} votes ({VOTES_PER_SOCKET} per socket, changed); "
        f"{WEB_PROCESSES} web process(es) on one port, {LAYER_SHARDS} layer shard(s), "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}{' through PgBouncer' if PGBOUNCER else ''} ---"
    )
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
    for n, (pid, cpu_seconds, rss_mib) in enumerate(zip(held, cpu, rss)):
        process_votes = held[pid] * VOTES_PER_SOCKET
        print(
            f"web process {n}: {held[pid]} sockets, {process_votes} votes ({process_votes / vote_seconds:.0f} votes/s), "
            f"{rss_mib:.0f} MiB resident, {cpu_seconds:.2f} CPU s during the votes"
            + (f" ({process_votes / cpu_seconds:.0f} votes per CPU second)" if cpu_seconds else "")
        )
    for n, count in enumerate(publishes):
        print(f"layer shard {n}: {count} PUBLISH commands (votes to decision)")
    print(f"decision: {decision.counts} ({decision.reason})")
