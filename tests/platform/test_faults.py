"""Fault tests under the real launcher: `platform/run.py serve` (supervisord) on free ports, with its
own DATA_DIR (so its own private Redis) on the test database. During an open poll with phones
connected, one supervised process is killed with SIGKILL; with nobody acting, the platform must be
healthy again within 20 s, the phones reconnect by themselves, every acknowledged vote is in the
decision and the poll is decided once. Each test prints what it injected and what it counted.

The session's beat (whose sweeper shares the database) is paused meanwhile, so only the launcher's
worker decides this module's polls.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
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

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RECOVERY_SECONDS = 20
PHONES = 8


@pytest.fixture(scope="module")
def launched(django_db_setup, celery_beat_process, process_log_dir):
    with processes.paused(celery_beat_process):
        run = processes.Platform(process_log_dir, f"{settings.TEST_RUN_ID}f{uuid.uuid4().hex[:6]}").start()
        try:
            yield run
        finally:
            run.stop()


def _post(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _recovered(platform: processes.Platform, program: str, old_pid: int, started: float) -> float:
    """Seconds from the kill until the program runs again under a new pid and /healthz is 200."""
    while time.monotonic() - started < 60:
        try:
            info = platform.rpc().getProcessInfo(program)
        except OSError:
            info = {}
        if info.get("statename") == "RUNNING" and info.get("pid") not in (0, old_pid):
            if platform.health(timeout=3)[0] == 200:
                return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"{program} not back within 60s:\n{platform.log_tail()}")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("program", ["worker", "web", "redis"])
def test_a_killed_process_is_restarted_and_the_poll_still_counts_every_acknowledged_vote(
    launched, program, live_screening, organizer, story, make_tickets
):
    token = Token.objects.get_or_create(user=organizer)[0].key
    tickets = make_tickets(PHONES)
    options = [story.to_left.id, story.to_right.id]

    async def scenario():
        phones = [Phone(launched.base, live_screening.id, t.code) for t in tickets]
        for phone in phones:
            phone.start()
        await asyncio.gather(*(p.wait_for("state", timeout=30) for p in phones))
        poll = await asyncio.to_thread(
            _post, launched.base, f"/api/screenings/{live_screening.id}/polls/", token, {"duration_seconds": 30}
        )
        await asyncio.gather(*(p.wait_for("poll.opened", timeout=15) for p in phones))
        half = PHONES // 2
        await asyncio.gather(*(p.vote(poll["id"], options[n % 2]) for n, p in enumerate(phones[:half])))
        connections_before = [p.connections for p in phones]

        killed_at = time.monotonic()
        old_pid = await asyncio.to_thread(launched.kill, program)
        recovery = await asyncio.to_thread(_recovered, launched, program, old_pid, killed_at)

        attempts = await asyncio.gather(*(p.vote(poll["id"], options[n % 2]) for n, p in enumerate(phones[half:])))
        closes_in = 30 - (time.monotonic() - killed_at) + 30
        decided = await asyncio.gather(*(p.wait_for("poll.decided", timeout=max(45, closes_in)) for p in phones))
        result = {
            "poll": poll,
            "recovery": recovery,
            "old_pid": old_pid,
            "attempts": attempts,
            "decided": decided,
            "reconnected": sum(p.connections > before for p, before in zip(phones, connections_before)),
            "drops": [p.drops for p in phones],
            "acked": {t.id: p.acked[poll["id"]] for t, p in zip(tickets, phones)},
        }
        await asyncio.gather(*(p.stop() for p in phones))
        return result

    result = async_to_sync(scenario)()
    log = launched.log_tail(2_000_000)
    exits = {name: log.count(f"exited: {name} ") for name in ("redis", "web", "worker", "beat")}
    decisions = list(Decision.objects.filter(poll_id=result["poll"]["id"]))
    expected = {str(option): n for option, n in Counter(result["acked"].values()).items()}
    print(
        f"\n[fault] kill -9 {program} (pid {result['old_pid']}) during an open poll with {PHONES} phones: "
        f"running and healthy again after {result['recovery']:.1f}s; phones reconnected {result['reconnected']}/{PHONES} "
        f"(close codes {sorted({c for d in result['drops'] for c in d}, key=str)}); "
        f"votes acknowledged {len(result['acked'])}, sends per later vote {result['attempts']}; "
        f"decisions {len(decisions)}, counts {decisions[0].counts if decisions else None}; "
        f"exits seen by supervisord so far {exits}"
    )
    assert result["recovery"] <= RECOVERY_SECONDS, launched.log_tail()
    assert len(decisions) == 1
    assert decisions[0].counts == expected | {str(o): 0 for o in options if str(o) not in expected}
    assert decisions[0].total_votes == PHONES
    assert all(d["counts"] == decisions[0].counts for d in result["decided"])  # every phone got the decision
    if program == "web":  # every socket dropped with the server, and every phone came back by itself
        assert result["reconnected"] == PHONES


@pytest.mark.timeout(300)
def test_a_frozen_redis_makes_healthz_answer_503_within_its_budget_and_recovery_needs_nobody(
    launched, live_screening, organizer, story, make_tickets
):
    budget, frozen_for = 2.0, 20.0  # HEALTHZ_BUDGET_SECONDS's default, as `make run` serves it
    token = Token.objects.get_or_create(user=organizer)[0].key
    tickets = make_tickets(2)

    async def scenario():
        phones = [Phone(launched.base, live_screening.id, t.code) for t in tickets]
        for phone in phones:
            phone.start()
        await asyncio.gather(*(p.wait_for("state", timeout=30) for p in phones))
        poll = await asyncio.to_thread(
            _post, launched.base, f"/api/screenings/{live_screening.id}/polls/", token, {"duration_seconds": 60}
        )
        await asyncio.gather(*(p.wait_for("poll.opened", timeout=15) for p in phones))
        answers, vote_seconds = [], None
        pid = await asyncio.to_thread(launched.signal, "redis", signal.SIGSTOP)
        try:
            frozen_at = time.monotonic()
            while time.monotonic() - frozen_at < frozen_for:
                asked = time.monotonic()
                status, body = await asyncio.to_thread(launched.health, 30)
                answers.append((status, body, time.monotonic() - asked))
                if vote_seconds is None:  # informational: how long a vote waits for the frozen Redis today
                    asked = time.monotonic()
                    await phones[0].vote(poll["id"], story.to_right.id, timeout=30)
                    vote_seconds = time.monotonic() - asked
                await asyncio.sleep(0.5)
        finally:
            await asyncio.to_thread(os.killpg, pid, signal.SIGCONT)
        thawed_at = time.monotonic()
        while (await asyncio.to_thread(launched.health, 5))[0] != 200:
            assert time.monotonic() - thawed_at < RECOVERY_SECONDS, launched.log_tail()
            await asyncio.sleep(0.25)
        recovered = time.monotonic() - thawed_at
        await phones[1].vote(poll["id"], story.to_left.id)
        await asyncio.gather(*(p.stop() for p in phones))
        return answers, vote_seconds, recovered

    answers, vote_seconds, recovered = async_to_sync(scenario)()
    slowest = max(elapsed for _, _, elapsed in answers)
    print(
        f"\n[fault] Redis of the launcher frozen (SIGSTOP) {frozen_for:.0f}s: {len(answers)} /healthz answers, "
        f"statuses {sorted({s for s, _, _ in answers})}, slowest {slowest:.2f}s (budget {budget}s), "
        f"failed {answers[0][1].get('error', {}).get('failed')}; a vote during the freeze was acknowledged after "
        f"{vote_seconds:.2f}s; healthy {recovered:.1f}s after SIGCONT"
    )
    assert all(status == 503 for status, _, _ in answers), answers
    assert all({"channel_layer", "task_queue"} <= set(body["error"]["failed"]) for _, body, _ in answers)
    assert slowest < budget + 2.0  # the view's own deadline; the margin is the loaded machine's round trip
