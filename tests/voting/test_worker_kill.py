"""A Celery worker SIGKILLed in the middle of a tally: after a restart the poll still gets exactly one decision.

To land the kill mid-tally deterministically, with no hook in the production code, the
test holds an EXCLUSIVE lock on the decision table: the worker locks the screening and
the poll, counts the votes, and then waits to insert its Decision. The test sees that
wait in pg_stat_activity, kills the worker's whole process group, releases the table,
then starts a fresh worker and beat; the beat sweeper finds the overdue poll and decides
it. (PostgreSQL only: SQLite has no lock that stops a writer half-way.)

The session's beat (if another test started it) is paused meanwhile with SIGSTOP so
that only this test's processes, on their own queue, touch the poll.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from screenings.models import Screening
from tests import processes
from tests.processes import paused
from voting.models import Decision, Poll
from voting.services.votes import vote_cast
from voting.tasks import poll_decide_task

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's table locks"),
]


def _decision_insert_waiting() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # activity is snapshotted per transaction otherwise
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO \"voting_decision\"%%'"
        )
        return cursor.fetchone()[0] > 0


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

        doomed = processes.celery_worker(process_log_dir, run_id=run_id, concurrency=1)
        started.append(doomed)
        with transaction.atomic():  # the decision table held: the worker stops right before its insert
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE voting_decision IN EXCLUSIVE MODE")
            poll_decide_task.apply_async((poll.id,), queue=f"test-{run_id}")
            _wait(_decision_insert_waiting, 60, "the worker to wait mid-tally")
            doomed.kill()
            print(f"killed the worker (pid group {doomed.proc.pid}) while it waited to insert the decision")
        # Its database session rolls back once PostgreSQL sees the client gone.
        assert not Decision.objects.filter(poll=poll).exists()
        assert Poll.objects.get(pk=poll.pk).status == "open"

        started.append(processes.celery_worker(process_log_dir, run_id=run_id, concurrency=1))
        started.append(processes.celery_beat(process_log_dir, TEST_RUN_ID=run_id))
        _wait(lambda: Decision.objects.filter(poll=poll).exists(), 60, "the restarted worker's decision")
        time.sleep(2.5)  # more sweeps run: still one decision

        decisions = list(Decision.objects.filter(poll=poll))
        print(f"after the restart: {len(decisions)} decision(s), counts {decisions[0].counts if decisions else None}")
        assert len(decisions) == 1
        assert decisions[0].counts == {str(story.to_left.id): 2, str(story.to_right.id): 3}
        assert (decisions[0].branch_id, decisions[0].reason) == (story.to_right.id, "majority")
        assert Screening.objects.get(pk=live_screening.pk).now_playing_id == story.right.id
    finally:
        for proc in started:
            proc.stop()
