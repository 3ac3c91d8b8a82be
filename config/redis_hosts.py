"""Redis addresses from the environment, spelled for channels_redis and Celery (config/settings/base.py).

`CHANNEL_REDIS_URLS` lists the channel layer's Redis servers, comma-separated. channels_redis
spreads channels and groups over them by consistent hashing (each group lives on one server);
Redis Cluster is not supported by channels_redis. Each entry is a redis-py URL (redis://,
rediss://, unix://) or a Sentinel address, one master per shard:

    sentinel://[:password@]host:port[;host:port...]/master_name[/db]

which becomes channels_redis's Sentinel host (`sentinels`, `master_name`): the layer follows the
master Sentinel elects. The live counters and the Celery broker stay on REDIS_URL (or
CELERY_BROKER_URL, where kombu's own `sentinel://` transport is accepted).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def celery_broker_url(redis_url: str) -> str:
    # kombu spells a unix-socket Redis "redis+socket://"; redis-py spells it "unix://".
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


def _sentinel_host(url: str, timeouts: dict) -> dict:
    parts = urlsplit(url)
    credentials, _, addresses = parts.netloc.rpartition("@")
    path = [segment for segment in parts.path.split("/") if segment]
    if not addresses or not path:
        raise ValueError(f"a Sentinel address needs host:port and /master_name: {url!r}")
    sentinels = []
    for address in addresses.split(";"):
        host, _, port = address.removeprefix("sentinel://").rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a Sentinel address needs host:port: {address!r} in {url!r}")
        sentinels.append((host, int(port)))
    host = {
        "sentinels": sentinels,
        "master_name": unquote(path[0]),
        "db": int(path[1]) if len(path) > 1 else 0,
        "sentinel_kwargs": dict(timeouts),
        **timeouts,
    }
    password = unquote(credentials.partition(":")[2]) if credentials else ""
    if password:
        host["password"] = password
    return host


def channel_layer_hosts(urls: str, *, socket_timeout: float, connect_timeout: float) -> list[dict]:
    """channels_redis `hosts`, one per comma-separated URL (a Sentinel address: one master)."""
    timeouts = {"socket_timeout": socket_timeout, "socket_connect_timeout": connect_timeout}
    hosts = []
    for url in (entry.strip() for entry in urls.split(",")):
        if not url:
            continue
        if url.startswith("sentinel://"):
            host = _sentinel_host(url, timeouts)
        else:
            host = {"address": url, **timeouts}
        # redis-py's asyncio pool defaults to 100 connections: one per socket's subscription at peak.
        host["max_connections"] = 10_000
        hosts.append(host)
    if not hosts:
        raise ValueError("CHANNEL_REDIS_URLS lists no Redis server")
    return hosts
