"""Channel-layer broadcasts sent only after the surrounding transaction commits.

A page must never hear about a change that was rolled back, so services call
`broadcast_on_commit` inside their transaction. The channel layer is
at-most-once: a lost message is fine because every page reloads full state
on (re)connect; a failed send is logged and never fails the caller.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def broadcast_now(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # the channel layer is best-effort; the database already holds the truth
        logger.exception("Broadcast of %s to %s failed", event.get("type"), group)


def broadcast_on_commit(group: str, event: dict) -> None:
    """Send `event` (a dict with a "type") to a channel-layer group once the transaction commits."""
    transaction.on_commit(lambda: broadcast_now(group, event))


def screening_group(screening_id: int) -> str:
    """A screening's pages: audience phones, the cinema screen, the console."""
    return f"screening.{screening_id}"


def production_group(production_id: int) -> str:
    """A production's pages, and every audience socket of its screenings (release rounds, releases)."""
    return f"production.{production_id}"
