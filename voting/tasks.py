"""Celery tasks: thin, idempotent wrappers around voting services."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.utils import timezone

from voting.models import Poll
from voting.services import poll_decide

logger = logging.getLogger(__name__)
SWEEP_BATCH = 100
EARLY_TOLERANCE_SECONDS = 0.25


@shared_task(acks_late=True)
def poll_decide_task(poll_id: int) -> None:
    """Fast path, dispatched with eta=closes_at when a poll opens. Deciding twice is harmless.

    A message that arrives before its poll is due (a redelivered or stale one) does
    nothing: the sweeper decides the poll when it is due.
    """
    closes_at = Poll.objects.filter(pk=poll_id, status=Poll.Status.OPEN).values_list("closes_at", flat=True).first()
    if closes_at is None:
        return
    early = (closes_at - timezone.now()).total_seconds()
    if early > EARLY_TOLERANCE_SECONDS:
        return
    if early > 0:
        time.sleep(early)  # the timer fired a hair early: wait for the window to close
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
            poll_decide(poll_id=poll_id, wait=False)  # one being decided elsewhere is skipped, not waited for
        except Exception:  # one broken poll must not block the others
            logger.exception("deciding overdue poll %s failed", poll_id)
    return len(overdue)
