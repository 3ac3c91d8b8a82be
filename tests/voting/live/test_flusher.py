import pytest

from voting import tally
from voting.live.flusher import tally_events_due
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open
from voting.services.votes import vote_cast

pytestmark = pytest.mark.django_db


def test_dirty_polls_become_one_snapshot_each(
    live_screening, organizer, story, make_tickets, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer, hide_results=True)
    tally.client().delete(tally.dirty_key())
    for ticket in make_tickets(4):
        with django_capture_on_commit_callbacks(execute=True):
            vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=story.to_right.id)

    events = tally_events_due()
    assert events == [
        (
            f"screening.{live_screening.id}",
            {
                "type": "poll.tally",
                "poll": poll.id,
                "scope": "live",
                "counts": {str(story.to_left.id): 0, str(story.to_right.id): 4},
                "total": 4,
                "hidden": True,
            },
        )
    ]
    assert tally_events_due() == []  # nothing new: nothing sent


def test_a_decided_poll_gets_no_more_tallies(
    live_screening, organizer, story, make_tickets, django_capture_on_commit_callbacks
):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(poll_id=poll.id, ticket_code=make_tickets(1)[0].code, option_id=story.to_right.id)
    poll_decide(poll_id=poll.id)
    assert tally_events_due() == []


@pytest.mark.parametrize("sockets", [10, 8000])
def test_a_crowd_gets_its_snapshots_less_often(
    sockets, live_screening, organizer, story, make_tickets, django_capture_on_commit_callbacks
):
    """One snapshot costs a frame per socket: a process with a crowd in the group gates the poll
    longer. Read as the gate's expiry on Redis's own clock, so however slow the machine, the gate
    set between `before` and `after` expires between before + interval and after + interval."""
    from voting.live.flusher import tally_interval_ms

    def redis_now_ms() -> int:
        seconds, micros = tally.client().time()
        return int(seconds) * 1000 + int(micros) // 1000

    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    tally.client().delete(tally.dirty_key(), tally.gate_key(poll.id))
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(poll_id=poll.id, ticket_code=make_tickets(1)[0].code, option_id=story.to_right.id)
    group = f"screening.{live_screening.id}"
    before = redis_now_ms()
    assert [g for g, _event in tally_events_due(group_sizes={group: sockets})] == [group]
    after = redis_now_ms()
    expires_at = tally.client().pexpiretime(tally.gate_key(poll.id))
    assert before + tally_interval_ms(sockets) <= expires_at <= after + tally_interval_ms(sockets) + 1
    assert tally_interval_ms(10) == tally.FLUSH_INTERVAL_MS < tally_interval_ms(8000)
