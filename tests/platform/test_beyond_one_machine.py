"""Beyond one machine (issue 15): two ASGI server processes on two ports, the channel layer sharded
over two private Redis servers (CHANNEL_REDIS_URLS), a worker and beat, against PostgreSQL, once
directly and once through a private PgBouncer in transaction mode (DB_PGBOUNCER).

Phones connected to both processes vote in one poll: every socket on either process gets `tally`
snapshots (flushed by whichever process claimed the poll, carried by whichever shard holds its
group) and `poll.decided` with counts equal to the accepted votes. Then one web process is killed
(SIGKILL): its phones reconnect to the other (as behind a load balancer) and vote there, and no
accepted vote is lost. The live counters and the broker stay on the session's REDIS_URL.

The session's beat is paused meanwhile: its sweeper shares the database and would decide this
test's poll and broadcast on the session's (unsharded) layer.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request
import uuid
from collections import Counter

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests import processes
from tests.platform.phones import Phone
from voting.models import Decision

pytestmark = [pytest.mark.integration, pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

PHONES = 12
POLL_SECONDS = 25


def _post(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _scenario(bases: list[str], web_a: processes.Process, screening_id: int, token: str, codes, options) -> dict:
    async def run():
        # Even phones start on A, odd ones on B; each may fall back to the other.
        phones = [Phone(bases[n % 2], screening_id, code, also=(bases[(n + 1) % 2],)) for n, code in enumerate(codes)]
        for phone in phones:
            phone.start()
        await asyncio.gather(*(p.wait_for("state", timeout=30) for p in phones))
        on_a = [p for p in phones if p.base == bases[0]]
        poll = await asyncio.to_thread(
            _post, bases[0], f"/api/screenings/{screening_id}/polls/", token, {"duration_seconds": POLL_SECONDS}
        )
        await asyncio.gather(*(p.wait_for("poll.opened", timeout=15) for p in phones))
        first = phones[: PHONES // 2]  # on both servers
        await asyncio.gather(*(p.vote(poll["id"], options[n % 3 == 0]) for n, p in enumerate(first)))
        # Snapshots reach every socket on either process, whoever stored the votes.
        await asyncio.gather(
            *(p.wait_for("tally", timeout=15, where=lambda m: m["total"] == len(first)) for p in phones)
        )
        connections_before = {id(p): p.connections for p in on_a}
        await asyncio.to_thread(web_a.kill)
        for phone in on_a:  # its phones come back on B
            await phone.wait_for("state", timeout=20, after=0, where=lambda m, p=phone: p.connections > 1)
        moved = [p.base == bases[1] and p.connections > connections_before[id(p)] for p in on_a]
        later = phones[PHONES // 2 :]
        await asyncio.gather(*(p.vote(poll["id"], options[n % 3 == 0]) for n, p in enumerate(later)))
        decided = await asyncio.gather(*(p.wait_for("poll.decided", timeout=POLL_SECONDS + 30) for p in phones))
        result = {
            "poll": poll["id"],
            "decided": decided,
            "moved": moved,
            "tallies": [len(p.of("tally")) for p in phones],
            "acked": [p.acked[poll["id"]] for p in phones],
        }
        await asyncio.gather(*(p.stop() for p in phones))
        return result

    return async_to_sync(run)()


@pytest.mark.timeout(420)
@pytest.mark.parametrize("through", ["postgresql", "pgbouncer"])
def test_two_web_processes_and_two_layer_shards_behave_as_one_and_a_killed_process_loses_no_vote(
    through, process_log_dir, celery_beat_process, live_screening, organizer, story, make_tickets
):
    if through == "pgbouncer" and not processes.PGBOUNCER.exists():
        pytest.skip("no PgBouncer (Debian's pgbouncer package) installed")
    run_id = f"{settings.TEST_RUN_ID}x{uuid.uuid4().hex[:6]}"
    shard_dirs = [processes.short_dir("sh") for _ in range(2)]
    env = {
        "TEST_RUN_ID": run_id,
        "CHANNEL_REDIS_URLS": ",".join(f"unix://{d / 'redis.sock'}" for d in shard_dirs),
    }
    token = Token.objects.get_or_create(user=organizer)[0].key
    codes = [t.code for t in make_tickets(PHONES)]
    options = [story.to_left.id, story.to_right.id]
    started: list[processes.Process] = []
    with processes.paused(celery_beat_process):
        try:
            for directory in shard_dirs:
                started.append(processes.redis_server(directory / "redis.sock", process_log_dir))
            if through == "pgbouncer":
                bouncer, url = processes.pgbouncer(process_log_dir)
                started.append(bouncer)
                env |= {"DATABASE_URL": url, "DB_PGBOUNCER": "true"}
            bases = []
            for _ in range(2):
                web, base = processes.asgi_server(process_log_dir, **env)
                started.append(web)
                bases.append(base)
            web_a = started[-2]
            started.append(processes.celery_worker(process_log_dir, run_id=run_id, concurrency=2, **env))
            started.append(processes.celery_beat(process_log_dir, **env))
            result = _scenario(bases, web_a, live_screening.id, token, codes, options)
        finally:
            for proc in reversed(started):
                proc.stop()
            for directory in shard_dirs:
                shutil.rmtree(directory, ignore_errors=True)

    decisions = list(Decision.objects.filter(poll_id=result["poll"]))
    expected = {str(o): 0 for o in options} | {str(o): n for o, n in Counter(result["acked"]).items()}
    print(
        f"\n[scale] {through}: {PHONES} phones on 2 web processes, layer on 2 Redis shards; "
        f"tally snapshots per phone {result['tallies']}; phones of the killed process moved {sum(result['moved'])}/"
        f"{len(result['moved'])}; decision {decisions[0].counts if decisions else None}"
    )
    assert len(decisions) == 1
    assert decisions[0].counts == expected
    assert decisions[0].total_votes == PHONES
    assert all(d["counts"] == expected for d in result["decided"])  # every socket got the decision
    assert all(n >= 1 for n in result["tallies"])
    assert all(result["moved"]) and len(result["moved"]) == PHONES // 2
