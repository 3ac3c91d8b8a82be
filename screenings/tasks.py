"""Celery tasks of the screenings app: thin wrappers around services."""

from celery import shared_task

from screenings.services import story


@shared_task(name="screenings.tasks.episodes_release_due")
def episodes_release_due() -> list[int]:
    """Beat job: publish scheduled episodes whose release time has passed (idempotent)."""
    return story.episodes_release_due()
