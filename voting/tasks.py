"""Celery tasks: thin, idempotent wrappers around voting services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from voting.models import Poll
from voting.services import poll_decide

logger = logging.getLogger(__name__)
SWEEP_BATCH = 100


@shared_task(acks_late=True)
def poll_decide_task(poll_id: int) -> None:
    """Fast path, dispatched with eta=closes_at when a poll opens. Deciding twice is harmless."""
    if Poll.objects.filter(pk=poll_id, status=Poll.Status.OPEN).exists():
        poll_decide(poll_id=poll_id)


@shared_task(acks_late=True, expires=5)
def polls_decide_overdue() -> int:
    """Beat, every second: decide every open poll whose window has closed (the path that never fails)."""
    overdue = list(
        Poll.objects.filter(status=Poll.Status.OPEN, closes_at__lte=timezone.now())
        .order_by("closes_at")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    for poll_id in overdue:
        try:
            poll_decide(poll_id=poll_id)
        except Exception:  # one broken poll must not block the others
            logger.exception("deciding overdue poll %s failed", poll_id)
    return len(overdue)
