"""GET /healthz: 200 only when the database, the channel layer and the task queue answer."""

from __future__ import annotations

import asyncio
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

TIMEOUT_SECONDS = 3.0


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _channel_round_trip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    nonce = str(time.monotonic_ns())
    await layer.send(channel, {"type": "healthz", "nonce": nonce})
    message = await asyncio.wait_for(layer.receive(channel), timeout=TIMEOUT_SECONDS)
    if message.get("nonce") != nonce:
        raise RuntimeError("channel layer returned a different message")


def _check_channel_layer() -> None:
    async_to_sync(_channel_round_trip)()


def _check_task_queue(url: str | None = None) -> None:
    with celery_app.connection_for_write(url) as conn:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
        conn.default_channel.client.ping()


CHECKS = {
    "database": _check_database,
    "channel_layer": _check_channel_layer,
    "task_queue": _check_task_queue,
}


@never_cache
@require_GET
def healthz(request):
    results, failed = {}, []
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # a health check reports every failure, whatever its kind
            results[name] = f"error: {exc.__class__.__name__}: {exc}"[:300]
            failed.append(name)
    if failed:
        body = {
            "status": "error",
            "checks": results,
            "error": {"code": "unavailable", "message": f"Not reachable: {', '.join(failed)}.", "failed": failed},
        }
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": results})
