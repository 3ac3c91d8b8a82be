"""Decisions and releases have a Celery queue of their own (config/task_queues.py)."""

from django.conf import settings

from config.celery import app
from config.task_queues import DECISION_TASKS
from tests.processes import launcher


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_decisions_releases_and_autopilot_go_to_the_decisions_queue():
    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    assert settings.CELERY_DECISIONS_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
    for name in DECISION_TASKS:
        assert name in app.tasks, name  # the names are the tasks' real names
        assert _queue_of(name) == settings.CELERY_DECISIONS_QUEUE, name


def test_every_other_task_goes_to_the_default_queue():
    assert _queue_of("screenings.tasks.some_export") == settings.CELERY_TASK_DEFAULT_QUEUE


def test_a_worker_started_without_queues_consumes_both():
    # `make run`'s one worker has no -Q: Celery then consumes every queue in task_queues.
    assert {q.name for q in app.conf.task_queues} == {
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.CELERY_DECISIONS_QUEUE,
    }
    assert "-Q" not in launcher.worker_command()
