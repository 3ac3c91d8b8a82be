"""Celery queues that cannot starve each other (config/settings/base.py, docs/operations.md "Queues").

Decisions and releases (closing polls, moving autopilot screenings, publishing due episodes) go to
their own queue; everything else (exports, e-mails, whatever is added later) to the default one.
In production each queue has its own worker (compose: `worker-decisions` and `worker`), so a slow
export never delays a decision. A worker started without `-Q` consumes every queue listed here:
that is the one worker of `make run`.
"""

from __future__ import annotations

from kombu import Queue

# Task names (each task's `name=`): what must happen on time during a screening.
DECISION_TASKS = (
    "voting.tasks.poll_decide_task",
    "voting.tasks.polls_decide_overdue",
    "voting.live.tasks.autopilot_step",
    "voting.live.tasks.autopilot_sweep",
    "screenings.tasks.episodes_release_due",
)


def task_routes(decisions_queue: str) -> dict:
    return {name: {"queue": decisions_queue} for name in DECISION_TASKS}


def task_queues(default_queue: str, decisions_queue: str) -> tuple[Queue, ...]:
    return (Queue(default_queue), Queue(decisions_queue))
