"""Celery tasks of live screenings: thin, idempotent wrappers around the autopilot (they take ids)."""

from __future__ import annotations

from celery import shared_task

from voting.live import autopilot


@shared_task(name="voting.live.tasks.autopilot_step", acks_late=True)
def autopilot_step(screening_id: int) -> str | None:
    """Fast path, dispatched by name with eta=the screening's next due time. Early or repeated: harmless."""
    return autopilot.autopilot_step(screening_id=screening_id)


@shared_task(name="voting.live.tasks.autopilot_sweep", acks_late=True, expires=5)
def autopilot_sweep() -> int:
    """Beat, every second: step every autopilot screening that is due."""
    return autopilot.autopilot_sweep()
