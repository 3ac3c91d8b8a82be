"""A hanging Redis never hangs health, and the short Redis timeouts never cut an idle websocket.

Both run a real uvicorn on a private redis-server of their own; the frozen one is stopped with
SIGSTOP (the process exists, its sockets accept, nothing answers: the worst kind of outage).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import urllib.error
import urllib.request

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from tests import processes
from tests.voting.live_clients import Audience
from voting.services.polls import poll_open

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _health(base: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=60) as response:
            status, body = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        status, body = error.code, json.loads(error.read())
    return status, body, time.monotonic() - started


@pytest.fixture
def own_redis(process_log_dir):
    directory = processes.short_dir("rt")
    port = processes.free_port()
    redis = processes.redis_server(directory / "redis.sock", process_log_dir, port=port)
    yield redis, {"REDIS_URL": f"unix://{directory / 'redis.sock'}", "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    redis.stop()
    shutil.rmtree(directory, ignore_errors=True)


def test_healthz_answers_503_within_its_budget_while_redis_is_frozen(process_log_dir, own_redis):
    redis, env = own_redis
    budget, frozen_for = 2.0, 20.0
    web, base = processes.asgi_server(process_log_dir, HEALTHZ_BUDGET_SECONDS=str(budget), **env)
    try:
        before = _health(base)
        answers = []
        with processes.paused(redis):
            frozen_at = time.monotonic()
            while time.monotonic() - frozen_at < frozen_for:
                answers.append(_health(base))
                time.sleep(0.5)
        deadline, after = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            after = _health(base)
            if after[0] == 200:
                break
            time.sleep(0.5)
    finally:
        web.stop()

    slowest = max(elapsed for _, _, elapsed in answers)
    print(
        f"\n[healthz] Redis frozen (SIGSTOP) {frozen_for:.0f}s, budget {budget}s: {len(answers)} answers, "
        f"statuses {sorted({s for s, _, _ in answers})}, slowest {slowest:.2f}s, "
        f"failed parts {answers[0][1].get('error', {}).get('failed')}; after SIGCONT: {after[0]}"
    )
    assert before[0] == 200, before
    assert all(status == 503 for status, _, _ in answers), answers
    for _, body, _ in answers:
        assert body["error"]["code"] == "unavailable"
        assert set(body["error"]["failed"]) == {"channel_layer", "task_queue"}  # Redis is named, the database is not
        assert body["checks"]["database"] == "ok"
    # The budget is a deadline the view enforces itself; the margin is for a loaded machine's HTTP round trip.
    assert slowest < budget + 2.0, answers
    assert after[0] == 200, after  # and it recovers by itself


def test_an_idle_websocket_outlives_the_redis_socket_timeout(
    process_log_dir, live_screening, organizer, make_tickets, django_capture_on_commit_callbacks
):
    timeout = 1.0
    ticket = make_tickets(1)[0]
    web, base = processes.asgi_server(process_log_dir, REDIS_SOCKET_TIMEOUT=str(timeout))

    async def scenario():
        phone = Audience(base, live_screening.id)
        assert (await phone.open({"type": "hello", "ticket": ticket.code}))["type"] == "state"
        await asyncio.sleep(4 * timeout + 1)  # idle: no frame either way for longer than the socket timeout
        opened_at = len(phone.messages)

        def open_poll():
            with django_capture_on_commit_callbacks(execute=True):
                return poll_open(screening=live_screening, duration_seconds=30, by=organizer)

        poll = await database_sync_to_async(open_poll)()
        opened = await phone.wait_for("poll.opened", after=opened_at, timeout=15)  # the subscription still delivers
        await phone.send({"type": "ping"})
        await phone.wait_for("pong", after=opened_at)
        closed = phone.close_code
        await phone.close()
        return poll, opened, closed

    try:
        poll, opened, closed = async_to_sync(scenario)()
    finally:
        web.stop()
    assert opened["poll"]["id"] == poll.id
    assert closed is None
