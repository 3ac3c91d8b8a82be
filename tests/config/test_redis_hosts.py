"""CHANNEL_REDIS_URLS → channels_redis's `hosts` (config/redis_hosts.py)."""

import shutil
import subprocess
import sys

import pytest

from config.redis_hosts import channel_layer_hosts


def test_each_url_is_one_shard_with_the_redis_timeouts():
    hosts = channel_layer_hosts(" redis://a:6379/0, unix:///run/b.sock ,", socket_timeout=2.0, connect_timeout=1.5)
    assert [h["address"] for h in hosts] == ["redis://a:6379/0", "unix:///run/b.sock"]
    assert all(h["socket_timeout"] == 2.0 and h["socket_connect_timeout"] == 1.5 for h in hosts)


def test_a_sentinel_address_becomes_channels_redis_sentinel_host():
    (host,) = channel_layer_hosts("sentinel://:s3cret@s1:26379;s2:26380/layer-a/3", socket_timeout=2, connect_timeout=1)
    assert host["sentinels"] == [("s1", 26379), ("s2", 26380)]
    assert (host["master_name"], host["db"], host["password"]) == ("layer-a", 3, "s3cret")
    assert "address" not in host


@pytest.mark.parametrize("wrong", ["", " , ", "sentinel://s1:26379", "sentinel://s1/master"])
def test_an_address_that_names_no_server_is_refused(wrong):
    with pytest.raises(ValueError):
        channel_layer_hosts(wrong, socket_timeout=1, connect_timeout=1)


def test_settings_spread_the_layer_over_channel_redis_urls_and_keep_counters_on_redis_url():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print([h['address'] for h in s.CHANNEL_LAYERS['default']['CONFIG']['hosts']], s.REDIS_URL)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": "redis://counters:6379/0",
        "CHANNEL_REDIS_URLS": "redis://a:6379/0,redis://b:6379/0",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['redis://a:6379/0', 'redis://b:6379/0'] redis://counters:6379/0"
    del env["CHANNEL_REDIS_URLS"]
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['redis://counters:6379/0'] redis://counters:6379/0"


def test_the_broker_follows_sentinel_with_the_master_name():
    code = (
        "import django; django.setup(); from django.conf import settings as s; o = s.CELERY_BROKER_TRANSPORT_OPTIONS; "
        "print(s.CELERY_BROKER_URL, o['master_name'], sorted(o['sentinel_kwargs']))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": "sentinel://s1:26379;sentinel://s2:26379",
        "CELERY_BROKER_SENTINEL_MASTER": "broker",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == [
        "sentinel://s1:26379;sentinel://s2:26379",
        "broker",
        "['socket_connect_timeout',",
        "'socket_timeout']",
    ]


@pytest.mark.integration
def test_a_layer_shard_behind_a_real_sentinel_carries_messages(process_log_dir):
    import asyncio

    from channels_redis.pubsub import RedisPubSubChannelLayer

    from tests import processes

    workdir, master_port, sentinel_port = processes.short_dir("sen"), processes.free_port(), processes.free_port()
    master = processes.redis_server(workdir / "master.sock", process_log_dir, port=master_port)
    conf = workdir / "sentinel.conf"
    conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {workdir}\nsentinel monitor layer 127.0.0.1 {master_port} 1\n"
    )
    sentinel = processes.Process(
        "sentinel", [processes.launcher.redis_executable(), str(conf), "--sentinel"], {}, workdir / "sentinel.log"
    ).start()
    try:
        hosts = channel_layer_hosts(f"sentinel://127.0.0.1:{sentinel_port}/layer", socket_timeout=2, connect_timeout=2)

        async def round_trip():
            layer = RedisPubSubChannelLayer(hosts=hosts, prefix="sentinel-test")
            for _ in range(100):  # until the sentinel answers
                try:
                    channel = await layer.new_channel()
                    break
                except Exception:
                    await asyncio.sleep(0.1)
            await layer.send(channel, {"type": "hello", "n": 7})
            message = await asyncio.wait_for(layer.receive(channel), timeout=10)
            await layer.flush()
            return message

        assert asyncio.run(round_trip()) == {"type": "hello", "n": 7}
    finally:
        sentinel.stop()
        master.stop()
        shutil.rmtree(workdir, ignore_errors=True)
