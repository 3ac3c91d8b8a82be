"""GET /healthz: 200 only when the database, the channel layer and the task queue answer.

It answers within HEALTHZ_BUDGET_SECONDS (2 s by default) whatever hangs: the checks
run concurrently, each with a deadline a little inside the budget, and a check that
has not answered by then is reported as failed (503 naming it). Blocking checks run
on a small executor of their own, so a hung server never takes the threads that
serve requests; a thread left behind by a hung check ends with its client's socket
timeout (REDIS_SOCKET_TIMEOUT, the database's connect timeout).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis.utils import _consistent_hash  # the layer's own shard choice
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

MARGIN_SECONDS = 0.25  # of the budget, left for answering once the checks' deadline passed
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this executor thread keeps nothing (with a pool: back to the pool)


async def _check_channel_layer() -> None:
    """A message through every Redis server of the layer (CHANNEL_REDIS_URLS, docs/operations.md):
    new channels until one lands on each server by channels_redis's consistent hashing, then one
    round trip on each. A shard that does not answer fails the check."""
    layer = get_channel_layer()
    shards = len(settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"])
    chosen: dict[int, str] = {}
    spare: list[str] = []
    try:
        for _ in range(64 * shards):
            if len(chosen) == shards:
                break
            channel = await layer.new_channel("healthz.")
            shard = _consistent_hash(channel, shards)
            if shard in chosen:
                spare.append(channel)
            else:
                chosen[shard] = channel
        await asyncio.gather(*(_round_trip(layer, channel) for channel in chosen.values()))
    finally:
        await asyncio.gather(*(_unsubscribe(layer, channel) for channel in [*chosen.values(), *spare]))


async def _round_trip(layer, channel: str) -> None:
    nonce = str(time.monotonic_ns())
    await layer.send(channel, {"type": "healthz", "nonce": nonce})
    message = await layer.receive(channel)
    if message.get("nonce") != nonce:
        raise RuntimeError("channel layer returned a different message")


async def _unsubscribe(layer, channel: str) -> None:
    # A receive cancelled while waiting unsubscribes its channel (channels_redis's cleanup
    # path); without this every health check would leave its subscriptions behind.
    waiter = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)


def _check_task_queue(url: str | None = None) -> None:
    with celery_app.connection_for_write(url) as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.REDIS_CONNECT_TIMEOUT)
        conn.default_channel.client.ping()


def _in_thread(check):
    return sync_to_async(check, thread_sensitive=False, executor=_executor)


CHECKS = {
    "database": lambda: _in_thread(_check_database)(),
    "channel_layer": _check_channel_layer,
    "task_queue": lambda: _in_thread(_check_task_queue)(),
}


async def _run(name: str, check, deadline: float) -> tuple[str, str | None]:
    try:
        await asyncio.wait_for(check(), timeout=deadline)
        return name, None
    except TimeoutError:
        return name, f"error: no answer within {deadline:.2f}s"
    except Exception as exc:  # a health check reports every failure, whatever its kind
        return name, f"error: {exc.__class__.__name__}: {exc}"[:300]


@never_cache
@require_GET
async def healthz(request):
    deadline = max(0.1, settings.HEALTHZ_BUDGET_SECONDS - MARGIN_SECONDS)
    outcomes = await asyncio.gather(*(_run(name, check, deadline) for name, check in CHECKS.items()))
    results = {name: error or "ok" for name, error in outcomes}
    failed = [name for name, error in outcomes if error]
    if failed:
        body = {
            "status": "error",
            "checks": results,
            "error": {"code": "unavailable", "message": f"Not reachable: {', '.join(failed)}.", "failed": failed},
        }
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": results})
