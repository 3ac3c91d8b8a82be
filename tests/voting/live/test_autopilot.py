"""Autopilot: the film drives the screening (voting/live/autopilot.py), step by step on a clock the
test sets. The story: Start (a decision point: Left, the default, or Right) → Left → Ending; Right
is an ending. Every episode lasts 600 s; Start's cue is the default, its last 10 s."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from screenings.models import Play, Screening
from tests.conftest import side_effects
from voting.live import autopilot
from voting.live.services import screening_advance, screening_start
from voting.models import Poll
from voting.services import decisions
from voting.services.decisions import poll_decide, polls_decide_overdue
from voting.services.votes import vote_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_autopilot(screening, organizer):
    return screening_start(screening=screening, by=organizer, autopilot=True)


def _play(screening) -> Play:
    screening.refresh_from_db()
    return Play.objects.get(screening=screening, episode=screening.now_playing)


def _at(screening, seconds: float):
    return _play(screening).started_at + timedelta(seconds=seconds)


def _step(screening, seconds: float):
    return autopilot.autopilot_step(screening_id=screening.id, now=_at(screening, seconds))


def test_start_on_autopilot_schedules_the_first_cue(on_autopilot):
    assert on_autopilot.autopilot and on_autopilot.status == "live"
    assert Screening.objects.get(pk=on_autopilot.pk).autopilot_due_at == _at(on_autopilot, 590)


def test_the_poll_opens_at_the_cue_and_not_before(on_autopilot, story):
    assert _step(on_autopilot, 100) is None
    assert not Poll.objects.filter(screening=on_autopilot).exists()

    assert _step(on_autopilot, 590) == "poll_opened"
    poll = Poll.objects.get(screening=on_autopilot)
    assert (poll.episode_id, poll.status) == (story.start.id, "open")
    assert poll.closes_at == _at(on_autopilot, 600)  # the cue's window, on the film's clock
    assert _step(on_autopilot, 591) is None  # nothing twice


def test_the_winner_starts_when_the_episode_ends_then_the_path_plays_to_an_ending(on_autopilot, story, make_tickets):
    _step(on_autopilot, 590)
    poll = Poll.objects.get(screening=on_autopilot)
    for ticket in make_tickets(3):
        vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=story.to_right.id)
    ends = _at(on_autopilot, 600)
    poll_decide(poll_id=poll.id)
    assert Screening.objects.get(pk=on_autopilot.pk).now_playing_id == story.start.id  # queued, not played yet
    assert Screening.objects.get(pk=on_autopilot.pk).autopilot_due_at == ends

    assert autopilot.autopilot_step(screening_id=on_autopilot.id, now=ends) == "advanced"
    assert _play(on_autopilot).episode_id == story.right.id
    assert _play(on_autopilot).started_at == ends  # seamless: the next one starts as the last one ends

    assert _step(on_autopilot, 599) is None
    assert _step(on_autopilot, 600) == "ended"  # Right is an ending
    on_autopilot.refresh_from_db()
    assert on_autopilot.status == "ended" and on_autopilot.autopilot_due_at is None


def test_nobody_votes_the_default_plays_and_a_single_branch_is_followed(on_autopilot, story):
    _step(on_autopilot, 590)
    assert _step(on_autopilot, 600) == "advanced"  # the window has closed: the step decides at once
    poll = Poll.objects.get(screening=on_autopilot)
    assert (poll.decision.branch_id, poll.decision.reason) == (story.to_left.id, "no_votes")
    assert _play(on_autopilot).episode_id == story.left.id

    assert _step(on_autopilot, 600) == "advanced"  # Left → Ending, its only branch
    assert _play(on_autopilot).episode_id == story.ending.id
    assert _step(on_autopilot, 600) == "ended"


def test_a_late_step_keeps_the_vote_and_does_not_skip_the_next_episode(on_autopilot, story):
    """A worker down through the cue and the end: the poll still opens (with the shortest window),
    and the next episode starts about now, not minutes in the past."""
    late = _at(on_autopilot, 700)
    assert autopilot.autopilot_step(screening_id=on_autopilot.id, now=late) == "poll_opened"
    poll = Poll.objects.get(screening=on_autopilot)
    assert poll.closes_at == late + timedelta(seconds=3)
    assert autopilot.autopilot_step(screening_id=on_autopilot.id, now=late + timedelta(seconds=4)) == "advanced"
    assert _play(on_autopilot).started_at >= late + timedelta(seconds=4) - autopilot.LATE_GRACE


def test_a_pause_holds_the_episode_and_the_poll(on_autopilot, organizer, story):
    _step(on_autopilot, 590)
    poll = Poll.objects.get(screening=on_autopilot)
    before_start, before_close = _play(on_autopilot).started_at, poll.closes_at
    pause_at = _at(on_autopilot, 595)
    autopilot.screening_autopilot_pause(screening=on_autopilot, by=organizer, paused=True, now=pause_at)
    assert autopilot.autopilot_step(screening_id=on_autopilot.id, now=pause_at + timedelta(seconds=60)) is None

    resume_at = pause_at + timedelta(seconds=120)
    autopilot.screening_autopilot_pause(screening=on_autopilot, by=organizer, paused=False, now=resume_at)
    poll.refresh_from_db()
    assert _play(on_autopilot).started_at == before_start + timedelta(seconds=120)
    assert poll.closes_at == before_close + timedelta(seconds=120) and poll.status == "open"
    assert Screening.objects.get(pk=on_autopilot.pk).paused_at is None


def test_the_decision_sweeper_leaves_a_paused_screenings_poll_open(on_autopilot, organizer):
    _step(on_autopilot, 590)
    poll = Poll.objects.get(screening=on_autopilot)
    autopilot.screening_autopilot_pause(screening=on_autopilot, by=organizer, paused=True)
    Poll.objects.filter(pk=poll.pk).update(closes_at=F("opens_at") + timedelta(microseconds=1))  # ran out meanwhile
    assert Poll.objects.get(pk=poll.pk).closes_at < timezone.now()

    assert polls_decide_overdue() == 0
    assert Poll.objects.get(pk=poll.pk).status == "open"
    assert decisions.poll_decide_when_due(poll_id=poll.id) is None  # the fast path waits too


def test_the_console_wins_advancing_by_hand_on_autopilot(on_autopilot, organizer, story):
    _step(on_autopilot, 590)
    poll = Poll.objects.get(screening=on_autopilot)
    poll_decide(poll_id=poll.id)  # closed by hand: Left by default, queued
    screening_advance(screening=on_autopilot, episode=story.right, by=organizer)  # the organizer picks Right
    assert _play(on_autopilot).episode_id == story.right.id
    assert Screening.objects.get(pk=on_autopilot.pk).autopilot_due_at == _at(on_autopilot, 600)


def test_the_sweeper_steps_only_due_screenings(on_autopilot, organizer, story, django_capture_on_commit_callbacks):
    Screening.objects.filter(pk=on_autopilot.pk).update(autopilot_due_at=_at(on_autopilot, -1))
    _play(on_autopilot)
    Play.objects.filter(screening=on_autopilot).update(started_at=_at(on_autopilot, -590))  # the cue is now
    with django_capture_on_commit_callbacks() as callbacks:
        assert autopilot.autopilot_sweep() == 1
    assert Poll.objects.filter(screening=on_autopilot, status="open").exists()
    assert side_effects(callbacks)  # the fast-path task and the broadcasts go out on commit
    assert autopilot.autopilot_sweep() == 0  # next due at the poll's close, in the future


def test_a_screening_not_on_autopilot_is_never_stepped(screening, organizer):
    manual = screening_start(screening=screening, by=organizer)
    assert manual.autopilot is False and Screening.objects.get(pk=manual.pk).autopilot_due_at is None
    assert autopilot.autopilot_step(screening_id=manual.id, now=_at(manual, 590)) is None
