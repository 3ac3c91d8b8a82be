"""Database connections are pooled and bounded under ASGI (PostgreSQL), and a request that cannot
get one in time is `503 unavailable`, never a 500.

The buyers race through a real uvicorn started by the test. Its connections carry their own
application_name (libpq's PGAPPNAME), so a sampler counts exactly that server's connections in
pg_stat_activity while the race runs.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection

from screenings.models import Ticket
from tests import processes
from tests.factories import ScreeningFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


class ConnectionSampler(threading.Thread):
    """Counts the server connections named `app` every 20 ms, on one connection of its own."""

    def __init__(self, app: str):
        super().__init__(daemon=True)
        self.app, self.samples, self.done = app, [], threading.Event()
        s = connection.settings_dict
        self.conninfo = {"dbname": s["NAME"], "user": s["USER"], "host": s["HOST"], "port": s["PORT"] or None}
        if s.get("PASSWORD"):
            self.conninfo["password"] = s["PASSWORD"]

    def run(self):
        with psycopg.connect(**self.conninfo, autocommit=True) as conn:
            while not self.done.is_set():
                row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.app])
                self.samples.append(row.fetchone()[0])
                time.sleep(0.02)

    def stop(self) -> int:
        self.done.set()
        self.join(timeout=10)
        return max(self.samples, default=0)


def _request(url: str, body: dict | None = None) -> tuple[int, str, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def _rush(calls: list) -> list[tuple[int, str, str]]:
    """Run every call at the same moment, one client thread each."""
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(go, calls))


def _server(process_log_dir, **env):
    app = f"rush-{uuid.uuid4().hex[:8]}"
    proc, base = processes.asgi_server(process_log_dir, PGAPPNAME=app, **env)
    return proc, base, app


def test_200_buyers_through_the_asgi_server_get_exactly_the_seats_and_never_exceed_the_pool(process_log_dir):
    pool_size, buyers, capacity = 5, 200, 40
    screening = ScreeningFactory(capacity=capacity)
    proc, base, app = _server(process_log_dir, DB_POOL_MAX_SIZE=str(pool_size), DB_POOL_TIMEOUT="60")
    sampler = ConnectionSampler(app)
    try:
        sampler.start()
        url = f"{base}/api/screenings/{screening.pk}/orders/"
        results = _rush(
            [lambda i=i: _request(url, {"email": f"b{i}@example.org", "quantity": 1}) for i in range(buyers)]
        )
        last = sampler.samples[-5:]
        peak = sampler.stop()
    finally:
        sampler.done.set()
        proc.stop()

    statuses = Counter(status for status, _, _ in results)
    print(
        f"\n[pool] {buyers} buyers for {capacity} seats through uvicorn, pool max_size={pool_size}: "
        f"statuses {dict(statuses)}, server connections peak {peak} over {len(sampler.samples)} samples "
        f"(last samples {last})"
    )
    assert statuses == {201: capacity, 409: buyers - capacity}, results[:3]
    assert Ticket.objects.filter(order__screening=screening).count() == capacity
    assert 1 <= peak <= pool_size


def test_an_exhausted_pool_answers_503_unavailable_never_500(process_log_dir):
    screening = ScreeningFactory(capacity=1000)
    proc, base, _ = _server(process_log_dir, DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="1", DB_POOL_TIMEOUT="0.05")
    try:
        api = f"{base}/api/screenings/{screening.pk}/orders/"
        page = f"{base}/screenings/{screening.pk}/"
        calls = [lambda i=i: _request(api, {"email": f"p{i}@example.org", "quantity": 1}) for i in range(60)]
        calls += [lambda: _request(page) for _ in range(20)]
        results = _rush(calls)
    finally:
        proc.stop()

    api_results, page_results = results[:60], results[60:]
    print(
        f"\n[pool] max_size=1, timeout 50 ms, 60 orders + 20 pages at once: "
        f"API {dict(Counter(s for s, _, _ in api_results))}, pages {dict(Counter(s for s, _, _ in page_results))}"
    )
    assert {s for s, _, _ in api_results} <= {201, 503}
    assert {s for s, _, _ in page_results} <= {200, 503}
    refused = [(ctype, body) for s, ctype, body in results if s == 503]
    assert refused, "the pool was never exhausted: no 503 to check"
    for ctype, body in [(c, b) for s, c, b in api_results if s == 503]:
        assert ctype.startswith("application/json")
        assert json.loads(body)["error"]["code"] == "unavailable"
    for ctype, body in [(c, b) for s, c, b in page_results if s == 503]:
        assert ctype.startswith("text/html") and "try again" in body
    sold = sum(1 for s, _, _ in api_results if s == 201)
    assert Ticket.objects.filter(order__screening=screening).count() == sold  # a refused order stored nothing


def test_websocket_votes_under_an_exhausted_pool_are_acknowledged_or_unavailable(
    process_log_dir, live_screening, organizer, story, make_tickets, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync

    from tests.voting.live_clients import Audience
    from voting.models import Vote
    from voting.services.polls import poll_open

    tickets = make_tickets(20)
    with django_capture_on_commit_callbacks(execute=True):
        poll = poll_open(screening=live_screening, duration_seconds=60, by=organizer)
    screening = ScreeningFactory(capacity=1000)
    proc, base, _ = _server(process_log_dir, DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="1", DB_POOL_TIMEOUT="0.05")
    api = f"{base}/api/screenings/{screening.pk}/orders/"

    async def scenario():
        phones = [Audience(base, live_screening.id) for _ in tickets]
        for phone, ticket in zip(phones, tickets):  # one at a time: hellos while the pool is free
            assert (await phone.open({"type": "hello", "ticket": ticket.code}))["type"] == "state"
        rush = asyncio.create_task(
            asyncio.to_thread(
                _rush, [lambda i=i: _request(api, {"email": f"w{i}@example.org", "quantity": 1}) for i in range(40)]
            )
        )
        answers = await asyncio.gather(*(p.vote(poll.id, story.to_right.id, f"r{n}") for n, p in enumerate(phones)))
        orders = await rush
        await asyncio.gather(*(p.close() for p in phones))
        return answers, orders

    try:
        answers, orders = async_to_sync(scenario)()
    finally:
        proc.stop()
    kinds = Counter(a["type"] if a["type"] != "error" else f"error {a['code']}" for a in answers)
    print(
        f"\n[pool] pool of 1, 50 ms: 20 websocket votes during 40 orders: {dict(kinds)}; orders {dict(Counter(s for s, _, _ in orders))}"
    )
    assert set(kinds) <= {"vote.accepted", "error unavailable"}
    assert {s for s, _, _ in orders} <= {201, 503}
    assert Vote.objects.filter(poll=poll).count() == kinds["vote.accepted"]  # acknowledged = stored, unavailable = not
