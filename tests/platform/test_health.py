import pytest
from channels.layers import channel_layers
from django.test import Client, override_settings

from config import health

pytestmark = pytest.mark.django_db


def test_healthz_ok_when_database_channel_layer_and_queue_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "channel_layer": "ok", "task_queue": "ok"}


def test_healthz_names_an_unreachable_channel_layer(client, tmp_path):
    dead = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": f"unix://{tmp_path}/nothing.sock"}]},
        }
    }
    with override_settings(CHANNEL_LAYERS=dead):
        channel_layers.backends.clear()
        try:
            response = client.get("/healthz")
        finally:
            channel_layers.backends.clear()

    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "unavailable"
    assert body["error"]["failed"] == ["channel_layer"]
    assert body["checks"]["database"] == "ok"


def test_healthz_names_an_unreachable_task_queue(client, monkeypatch):
    monkeypatch.setitem(
        health.CHECKS, "task_queue", lambda: health._in_thread(health._check_task_queue)("redis://127.0.0.1:1/0")
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["error"]["failed"] == ["task_queue"]
    assert "task_queue" in response.json()["error"]["message"]


def _layer_on(*urls: str) -> dict:
    from config.redis_hosts import channel_layer_hosts

    hosts = channel_layer_hosts(",".join(urls), socket_timeout=1, connect_timeout=1)
    return {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": hosts}}}


def _health_with(layers: dict):
    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends.clear()
        try:
            return Client().get("/healthz")
        finally:
            channel_layers.backends.clear()


@pytest.mark.integration
def test_healthz_checks_every_shard_of_a_sharded_channel_layer(settings, process_log_dir):
    from tests import processes

    sock = processes.short_dir("hz") / "redis.sock"
    second = processes.redis_server(sock, process_log_dir)
    try:
        both = _health_with(_layer_on(settings.REDIS_URL, f"unix://{sock}"))
        second.stop()
        # The live shard alone would answer a single round trip; every shard must answer.
        one_down = _health_with(_layer_on(settings.REDIS_URL, f"unix://{sock}"))
    finally:
        second.stop()

    assert both.status_code == 200, both.content
    assert one_down.status_code == 503
    assert one_down.json()["error"]["failed"] == ["channel_layer"]
