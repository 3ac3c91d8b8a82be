from datetime import timedelta

import pytest
from django.utils import timezone

from voting.models import Decision, Poll
from voting.services.polls import poll_open
from voting.tasks import poll_decide_task, polls_decide_overdue

pytestmark = pytest.mark.django_db


def test_sweeper_decides_only_overdue_polls(live_screening, organizer, story):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    assert polls_decide_overdue() == 0
    now = timezone.now()
    Poll.objects.filter(pk=poll.pk).update(opens_at=now - timedelta(seconds=31), closes_at=now - timedelta(seconds=1))

    assert polls_decide_overdue() == 1
    assert polls_decide_overdue() == 0
    assert Decision.objects.get(poll=poll).reason == "no_votes"


def test_sweeper_seals_a_decision_whose_seal_was_lost(live_screening, organizer):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    now = timezone.now()
    Poll.objects.filter(pk=poll.pk).update(opens_at=now - timedelta(seconds=31), closes_at=now - timedelta(seconds=1))
    polls_decide_overdue()
    sealed = Decision.objects.get(poll=poll).digest
    Decision.objects.filter(poll=poll).update(digest="", decided_at=now - timedelta(minutes=5))  # as a crash leaves it

    polls_decide_overdue()

    assert sealed and Decision.objects.get(poll=poll).digest == sealed


def test_decide_task_leaves_a_poll_that_is_not_due(live_screening, organizer):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    poll_decide_task(poll.id)
    assert not Decision.objects.filter(poll=poll).exists()


def test_decide_task_is_idempotent(live_screening, organizer):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    now = timezone.now()
    Poll.objects.filter(pk=poll.pk).update(opens_at=now - timedelta(seconds=30), closes_at=now)
    poll_decide_task(poll.id)
    poll_decide_task(poll.id)
    poll_decide_task(poll.id + 1000)  # a poll that no longer exists: nothing to do
    assert Decision.objects.filter(poll=poll).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_sweeper_skips_a_poll_another_process_is_deciding(live_screening, organizer):
    """On PostgreSQL a locked poll is skipped (not waited for); the lock holder decides it."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    now = timezone.now()
    Poll.objects.filter(pk=poll.pk).update(opens_at=now - timedelta(seconds=31), closes_at=now - timedelta(seconds=1))
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            list(Poll.objects.select_for_update().filter(pk=poll.pk))
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(10)
    try:
        assert polls_decide_overdue() == 1  # returns at once instead of blocking on the lock
        assert not Decision.objects.filter(poll=poll).exists()
    finally:
        release.set()
        holder.join()
    polls_decide_overdue()
    assert Decision.objects.filter(poll=poll).count() == 1
