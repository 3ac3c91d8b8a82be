"""Broadcasts to websocket groups, sent only once the transaction that caused them commits.

The pub/sub channel layer keeps one connection set per event loop, so
`async_to_sync` here is safe in Celery workers and request threads alike
(each call runs on a fresh loop whose layer is closed with it).
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def screening_group(screening_id: int) -> str:
    return f"screening.{screening_id}"


def production_group(production_id: int) -> str:
    return f"production.{production_id}"


def broadcast(group: str, event: dict) -> None:
    """Send now. The channel layer is at-most-once: a lost message is repaired by the next snapshot."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception:  # a broadcast never undoes committed work
        logger.exception("broadcast of %s to %s failed", event.get("type"), group)


def broadcast_on_commit(group: str, event: dict) -> None:
    transaction.on_commit(lambda: broadcast(group, event))
