"""A Celery worker SIGKILLed in the middle of a tally: after a restart the poll still gets exactly one decision.

To land the kill mid-tally deterministically, the first worker is started with
VOTING_TEST_TALLY_PAUSE_SECONDS (read by voting.services.polls.poll_decide, set only
in that process): it sleeps inside the tally transaction, after counting and before
inserting the decision, and logs "tally paused". The test waits for that line, kills
the worker's whole process group, then starts a fresh worker and beat; the beat
sweeper finds the overdue poll and decides it.

The session's beat (if another test started it) is paused meanwhile with SIGSTOP so
that only this test's processes, on their own queue, touch the poll.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from screenings.models import Screening
from tests import processes
from tests.processes import paused
from voting.models import Decision, Poll
from voting.services import vote_cast
from voting.services.polls import TALLY_PAUSE_ENV
from voting.tasks import poll_decide_task

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_killed_mid_tally_still_gives_one_decision(
    celery_beat_process, process_log_dir, live_screening, story, make_tickets
):
    with paused(celery_beat_process):
        _kill_mid_tally_and_restart(process_log_dir, live_screening, story, make_tickets)


def _kill_mid_tally_and_restart(process_log_dir, live_screening, story, make_tickets):
    run_id = f"{settings.TEST_RUN_ID}k{uuid.uuid4().hex[:6]}"
    started: list[processes.Process] = []
    try:
        now = timezone.now()
        poll = Poll.objects.create(
            scope="live",
            episode=story.start,
            screening=live_screening,
            opens_at=now,
            closes_at=now + timedelta(minutes=1),
        )
        for n, ticket in enumerate(make_tickets(5)):
            vote_cast(
                poll_id=poll.id, ticket_code=ticket.code, option_id=(story.to_right if n < 3 else story.to_left).id
            )
        now = timezone.now()
        Poll.objects.filter(pk=poll.pk).update(opens_at=now - timedelta(minutes=1), closes_at=now)  # now overdue

        doomed = processes.celery_worker(process_log_dir, run_id=run_id, concurrency=1, **{TALLY_PAUSE_ENV: "120"})
        started.append(doomed)
        poll_decide_task.apply_async((poll.id,), queue=f"test-{run_id}")
        _wait(lambda: "tally paused" in doomed.log_tail(100_000), 60, "the worker to pause mid-tally")
        assert not Decision.objects.filter(poll=poll).exists()
        doomed.kill()
        assert not Decision.objects.filter(poll=poll).exists()
        assert Poll.objects.get(pk=poll.pk).status == "open"

        started.append(processes.celery_worker(process_log_dir, run_id=run_id, concurrency=1))
        started.append(processes.celery_beat(process_log_dir, TEST_RUN_ID=run_id))
        _wait(lambda: Decision.objects.filter(poll=poll).exists(), 60, "the restarted worker's decision")
        time.sleep(2.5)  # more sweeps run: still one decision

        decisions = list(Decision.objects.filter(poll=poll))
        assert len(decisions) == 1
        assert decisions[0].counts == {str(story.to_left.id): 2, str(story.to_right.id): 3}
        assert (decisions[0].branch_id, decisions[0].reason) == (story.to_right.id, "majority")
        assert Screening.objects.get(pk=live_screening.pk).now_playing_id == story.right.id
    finally:
        for proc in started:
            proc.stop()
