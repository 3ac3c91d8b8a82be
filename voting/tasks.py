"""Celery tasks: thin, idempotent wrappers around voting services (they take ids)."""

from __future__ import annotations

from celery import shared_task

from voting.services import decisions


@shared_task(name="voting.tasks.poll_decide_task", acks_late=True)
def poll_decide_task(poll_id: int) -> None:
    """Fast path, dispatched by name with eta=closes_at when a poll opens. Deciding twice is harmless."""
    decisions.poll_decide_when_due(poll_id=poll_id)


@shared_task(name="voting.tasks.polls_decide_overdue", acks_late=True, expires=5)
def polls_decide_overdue() -> int:
    """Beat, every second: decide every open poll whose window has closed, and seal any decision
    whose digest a crashed process left unsealed."""
    decided = decisions.polls_decide_overdue()
    decisions.decisions_seal_overdue()
    return decided
