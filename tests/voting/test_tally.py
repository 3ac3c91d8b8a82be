"""Live counters in Redis (display only) and the dirty marks the flusher turns into coalesced tallies."""

import pytest

from tests.voting.conftest import cast_on_commit
from voting import tally

pytestmark = pytest.mark.django_db


def test_live_counts_rebuild_from_votes_when_redis_lost_them(
    open_poll, story, make_tickets, django_capture_on_commit_callbacks
):
    for ticket in make_tickets(3):
        cast_on_commit(open_poll, ticket, story.to_right, django_capture_on_commit_callbacks)
    tally.client().delete(tally.counts_key(open_poll.id))
    options = [story.to_left.id, story.to_right.id]
    assert tally.tally_counts(poll_id=open_poll.id, option_ids=options) == {
        str(story.to_left.id): 0,
        str(story.to_right.id): 3,
    }


def test_many_votes_mark_the_poll_dirty_once(open_poll, story, make_tickets, django_capture_on_commit_callbacks):
    tally.client().delete(tally.dirty_key())
    for ticket in make_tickets(10):
        cast_on_commit(open_poll, ticket, story.to_right, django_capture_on_commit_callbacks)
    assert tally.client().scard(tally.dirty_key()) == 1
    claimed = tally.flush_claim()
    assert claimed == [(open_poll.id, f"screening.{open_poll.screening_id}", False)]
    tally.client().sadd(tally.dirty_key(), tally.dirty_member(poll_id=open_poll.id, group="g", hidden=False))
    assert tally.flush_claim() == []  # gated: at most one broadcast per interval
    assert tally.client().scard(tally.dirty_key()) == 1  # kept for a later tick
