"""`make run WEB_PROCESSES=N` (the real launcher, platform/supervision.py), N = 2 and 4: ASGI server processes on
one port (SO_REUSEPORT, platform/reuseport.py), each with its own vote batcher and tally flusher,
share the phones and behave as one; one of them killed is restarted by supervisord, its phones
reconnect on the same port, and no acknowledged vote is lost.

The session's beat (whose sweeper shares the database) is paused meanwhile, so only the launcher's
worker decides this module's poll."""

from __future__ import annotations

import asyncio
import json
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

PHONES = 16


def _post(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.mark.timeout(400)
@pytest.mark.parametrize("count", [2, 4])
def test_processes_on_one_port_share_the_phones_and_count_every_vote_when_one_of_them_dies(
    count, process_log_dir, celery_beat_process, live_screening, organizer, story, make_tickets
):
    token = Token.objects.get_or_create(user=organizer)[0].key
    codes = [t.code for t in make_tickets(PHONES)]
    options = [story.to_left.id, story.to_right.id]
    names = [f"web:web-{n}" for n in range(count)]
    with processes.paused(celery_beat_process):
        run = processes.Platform(
            process_log_dir, f"{settings.TEST_RUN_ID}w{uuid.uuid4().hex[:6]}", WEB_PROCESSES=str(count)
        )
        run.start()
        try:
            # Every process listening before the phones come (a process still importing Django
            # on a loaded machine takes no connection, and the kernel then spreads nothing).
            deadline = time.monotonic() + 60
            while not all(processes.sockets_per_process([run.pid(n) for n in names], run.port, "0A").values()):
                assert time.monotonic() < deadline, "not every web process listens"
                time.sleep(0.2)

            async def scenario():
                phones = [Phone(run.base, live_screening.id, code) for code in codes]
                for phone in phones:
                    phone.start()
                await asyncio.gather(*(p.wait_for("state", timeout=30) for p in phones))
                pids = [run.pid(name) for name in names]
                held = dict(zip(names, processes.sockets_per_process(pids, run.port).values()))
                busiest = max(held, key=held.get)
                poll = await asyncio.to_thread(
                    _post, run.base, f"/api/screenings/{live_screening.id}/polls/", token, {"duration_seconds": 20}
                )
                await asyncio.gather(*(p.wait_for("poll.opened", timeout=15) for p in phones))
                first = phones[: PHONES // 2]
                await asyncio.gather(*(p.vote(poll["id"], options[n % 3 == 0]) for n, p in enumerate(first)))
                # Every socket, on either process, gets the snapshot of votes stored through both.
                await asyncio.gather(
                    *(p.wait_for("tally", timeout=15, where=lambda m: m["total"] == len(first)) for p in phones)
                )
                before = [p.connections for p in phones]
                victim = await asyncio.to_thread(run.kill, busiest)
                later = phones[PHONES // 2 :]
                await asyncio.gather(*(p.vote(poll["id"], options[n % 3 == 0]) for n, p in enumerate(later)))
                decided = await asyncio.gather(*(p.wait_for("poll.decided", timeout=50) for p in phones))
                reconnected = sum(p.connections > b for p, b in zip(phones, before))
                acked = [p.acked[poll["id"]] for p in phones]
                await asyncio.gather(*(p.stop() for p in phones))
                return poll["id"], held, busiest, victim, reconnected, decided, acked

            poll_id, held, busiest, victim, reconnected, decided, acked = async_to_sync(scenario)()
            restarted = run.pid(busiest)
        finally:
            run.stop()

    decisions = list(Decision.objects.filter(poll_id=poll_id))
    expected = {str(o): 0 for o in options} | {str(o): n for o, n in Counter(acked).items()}
    print(
        f"\n[web-processes] WEB_PROCESSES={count} on one port, {PHONES} phones; sockets per process {held}; "
        f"killed {busiest} (pid {victim}): {reconnected} phones reconnected, restarted as pid {restarted}; "
        f"decision {decisions[0].counts if decisions else None}"
    )
    assert sum(held.values()) == PHONES and sum(n > 0 for n in held.values()) >= 2  # the kernel spread them
    assert reconnected >= held[busiest] and restarted not in (0, victim)
    assert len(decisions) == 1 and decisions[0].counts == expected and decisions[0].total_votes == PHONES
    assert all(d["counts"] == expected for d in decided)
