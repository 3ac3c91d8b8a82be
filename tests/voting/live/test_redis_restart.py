"""Redis restarts in the middle of a poll (its data lost): every accepted vote is still decided, once,
and the sockets, which stay connected to the ASGI server, still get `poll.decided`.

Runs its own Redis, ASGI server, worker and beat (tests/processes.py) so that the session's
processes are not disturbed; the session's beat is paused meanwhile (its sweeper shares the database).
The worker reaches the broker over loopback TCP, as under `make run`. Celery 5.7 / kombu 5.7 still
exit when the broker dies while the worker holds an unacknowledged (ETA) task ("Unrecoverable error:
AttributeError ... 'hostname'" from restore_unacked, celery/kombu#970, #582), whatever the transport:
under `make run` supervisord restarts it (tests/platform/test_faults.py); here the test does.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from rest_framework.authtoken.models import Token

from screenings.models import Screening
from tests import processes
from tests.processes import paused, redis_server
from tests.voting.live_clients import Audience
from voting.models import Decision

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _post(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_votes_and_the_decision_survive_a_redis_restart(
    tmp_path_factory, process_log_dir, celery_beat_process, live_screening, organizer, story, make_tickets
):
    sock, broker_port = processes.short_dir("rr") / "redis.sock", processes.free_port()
    env = {
        "REDIS_URL": f"unix://{sock}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{broker_port}/0",
        "TEST_RUN_ID": f"{settings.TEST_RUN_ID}r{uuid.uuid4().hex[:6]}",
    }
    token = Token.objects.create(user=organizer).key
    tickets = make_tickets(10)
    started: list[processes.Process] = []
    redis = None
    with paused(celery_beat_process):  # the session's sweeper must not decide this test's poll
        try:
            redis = redis_server(sock, process_log_dir, port=broker_port)
            web, base = processes.asgi_server(process_log_dir, **env)
            started.append(web)  # one at a time: a failed start must not leave an earlier one running
            started.append(processes.celery_worker(process_log_dir, run_id=env["TEST_RUN_ID"], concurrency=1, **env))
            started.append(processes.celery_beat(process_log_dir, **env))

            async def supervise():
                while True:
                    if not started[1].alive():
                        started[1] = await asyncio.to_thread(
                            processes.celery_worker, process_log_dir, run_id=env["TEST_RUN_ID"], concurrency=1, **env
                        )
                    await asyncio.sleep(0.5)

            async def scenario():
                nonlocal redis
                audiences = [Audience(base, live_screening.id) for _ in tickets]
                await asyncio.gather(*(a.open({"type": "hello", "ticket": t.code}) for a, t in zip(audiences, tickets)))
                poll = await asyncio.to_thread(
                    _post, base, f"/api/screenings/{live_screening.id}/polls/", token, {"duration_seconds": 10}
                )
                await asyncio.gather(*(a.wait_for("poll.opened") for a in audiences))
                for n, audience in enumerate(audiences[:5]):
                    assert (await audience.vote(poll["id"], story.to_right.id, f"a{n}"))["type"] == "vote.accepted"

                redis.stop()  # everything in Redis is gone: counters, queued tasks, subscriptions
                redis = redis_server(sock, process_log_dir, port=broker_port)
                await asyncio.sleep(2)  # clients reconnect on their own

                supervisor = asyncio.create_task(supervise())

                for n, audience in enumerate(audiences[5:]):
                    answer = await audience.vote(poll["id"], story.to_left.id, f"b{n}")
                    assert answer["type"] == "vote.accepted", answer
                decided = await asyncio.gather(*(a.wait_for("poll.decided", timeout=30) for a in audiences))
                supervisor.cancel()
                tallies = [a.of("tally")[-1] for a in audiences if a.of("tally")]
                await asyncio.gather(*(a.close() for a in audiences))
                return poll, decided, tallies

            poll, decided, tallies = async_to_sync(scenario)()
        finally:
            for proc in reversed(started):
                proc.stop()
            if redis is not None:
                redis.stop()
            shutil.rmtree(sock.parent, ignore_errors=True)

    final = {str(story.to_left.id): 5, str(story.to_right.id): 5}
    decision = Decision.objects.get(poll_id=poll["id"])
    assert decision.counts == final and decision.total_votes == 10
    assert all(d["counts"] == final for d in decided)  # every socket got the decision
    # The live counters were rebuilt from the stored votes after Redis lost them.
    assert len(tallies) == 10 and all(t["counts"] == final for t in tallies)
    assert Screening.objects.get(pk=live_screening.pk).now_playing_id == story.left.id  # tie: the default branch
