"""Autopilot screenings: the film drives the vote (API.md 1.1, docs/live-screenings.md).

Everything is in the database: the screening's `autopilot`, `paused_at` and
`autopilot_due_at`, the current `Play` (its `started_at` is the clock every screen plays
by) and the polls. `autopilot_step` looks at one screening, does what is due and stores
when it is next due (voting/live/services.py `autopilot_schedule`). It runs from an ETA
task at that time (the fast path) and from a beat sweeper every second that finds due
screenings by `autopilot_due_at` (the path that never fails), under the screening's row
lock: a restart of any process loses nothing, and nothing happens twice (one Play per
episode per screening, one open poll per screening, one decision per poll).

At a decision point's cue the live poll opens for the cue's window (on the film's clock:
a late step keeps the window's end, with at least the shortest window). When the poll is
decided (by the decision machinery, or by the step itself once its window has closed) the
winner is queued, and starts when the episode ends — or at once, where the decision comes
after the end. After an ending the screening ends. A pause holds the clock: the episode
and an open poll keep the time they had left.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict, DomainError
from screenings import policy
from screenings.events import broadcast_on_commit, screening_group
from screenings.locking import locked_one
from screenings.models import Play, Screening
from screenings.payloads import now_playing_payload
from voting import inflight
from voting.live.services import (
    autopilot_route,
    autopilot_schedule,
    screening_close,
    screening_now_playing_set,
    status_broadcast,
)
from voting.models import Decision, Poll
from voting.selectors.polls import poll_state_get
from voting.services.decisions import poll_decide
from voting.services.polls import MIN_DURATION_SECONDS, live_poll_open, poll_decide_dispatch_on_commit

logger = logging.getLogger(__name__)
# A step that runs late (a process was down) starts the next episode at most this far in the
# past, so screens skip at most this much of it.
LATE_GRACE = timedelta(seconds=2)
SWEEP_BATCH = 200


def _poll_of(screening: Screening) -> Poll | None:
    polls = Poll.objects.filter(screening=screening, episode_id=screening.now_playing_id, scope=Poll.Scope.LIVE)
    return polls.order_by("-opens_at", "-id").first()


@transaction.atomic
def autopilot_step(*, screening_id: int, now: datetime | None = None, wait: bool = True) -> str | None:
    """Do what is due for one autopilot screening; returns what it did ("poll_opened",
    "advanced", "ended") or None. Idempotent; `wait=False` skips a screening locked elsewhere."""
    screening = locked_one(
        Screening.objects.select_related("now_playing", "production"), screening_id, skip_locked=not wait
    )
    if screening is None or not screening.autopilot or screening.status != Screening.Status.LIVE:
        return None
    if screening.paused_at is not None or screening.now_playing is None:
        return None
    now = now or timezone.now()
    episode = screening.now_playing
    play = Play.objects.get(screening=screening, episode=episode)
    ends_at = play.started_at + timedelta(seconds=episode.duration_seconds)
    route, branches = autopilot_route(episode=episode)
    poll = _poll_of(screening)
    did = None

    if route == "vote" and poll is None:
        at_second, window = episode.vote_cue()
        cue_at = play.started_at + timedelta(seconds=at_second)
        if now >= cue_at:
            closes_at = max(cue_at + timedelta(seconds=window), now + timedelta(seconds=MIN_DURATION_SECONDS))
            try:
                poll = live_poll_open(
                    screening=screening,
                    duration_seconds=max(MIN_DURATION_SECONDS, int((closes_at - now).total_seconds())),
                    closes_at=closes_at,
                )
                did = "poll_opened"
            except DomainError as error:  # e.g. the graph was edited meanwhile: follow the default at the end
                logger.warning("autopilot of screening %s: no poll on episode %s: %s", screening.id, episode.id, error)
                route, branches = "follow", [next((b for b in branches if b.is_default), branches[0])]

    if now >= ends_at:
        if route == "end":
            screening_close(screening=screening, at=max(ends_at, now - LATE_GRACE))
            return "ended"
        starts_at = ends_at
        if route == "follow":
            target = branches[0].target
        else:
            decision = Decision.objects.filter(poll=poll).select_related("branch__target").first() if poll else None
            if decision is None and poll is not None and poll.status == Poll.Status.OPEN and poll.closes_at <= now:
                if not inflight.busy(poll.id) or now >= inflight.grace_deadline(poll.closes_at):
                    decision = poll_decide(poll_id=poll.id)  # the window has closed: decide now, not a sweep later
            if decision is None:
                autopilot_schedule(screening=screening, now=now)  # waiting for the decision
                return did
            target, starts_at = decision.branch.target, max(ends_at, decision.decided_at)
        screening_now_playing_set(screening=screening, episode=target, started_at=max(starts_at, now - LATE_GRACE))
        return "advanced"
    autopilot_schedule(screening=screening, now=now)
    return did


def autopilot_sweep() -> int:
    """Beat, every second: step every autopilot screening that is due (one transaction each)."""
    due = list(
        Screening.objects.filter(
            status=Screening.Status.LIVE, autopilot=True, paused_at__isnull=True, autopilot_due_at__lte=timezone.now()
        )
        .order_by("autopilot_due_at")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    for screening_id in due:
        try:
            autopilot_step(screening_id=screening_id, wait=False)
        except Exception:  # one broken screening must not stop the others
            logger.exception("autopilot step of screening %s failed", screening_id)
    return len(due)


@transaction.atomic
def screening_autopilot_pause(*, screening: Screening, by, paused: bool, now: datetime | None = None) -> Screening:
    """Pause or resume an autopilot screening (its organizer). A pause holds the clock: on resume
    the episode and an open poll have the time they had left, and every screen is told."""
    screening = locked_one(Screening.objects.select_related("now_playing", "production"), screening.pk)
    policy.screening_manage_check(user=by, screening=screening)
    if screening.status != Screening.Status.LIVE or not screening.autopilot:
        raise Conflict(_("Only a live screening on autopilot can be paused or resumed."))
    now = now or timezone.now()
    if paused and screening.paused_at is None:
        screening.paused_at = now
        screening.autopilot_due_at = None
        screening.save(update_fields=["paused_at", "autopilot_due_at"])
        status_broadcast(screening)
    elif not paused and screening.paused_at is not None:
        held = now - screening.paused_at
        screening.paused_at = None
        screening.save(update_fields=["paused_at"])
        play = Play.objects.filter(screening=screening, episode=screening.now_playing).first()
        if play is not None:
            play.started_at += held
            play.save(update_fields=["started_at"])
            broadcast_on_commit(
                screening_group(screening.id),
                {
                    "type": "screening.now_playing",
                    "episode": now_playing_payload(
                        episode=screening.now_playing, started_at=play.started_at if play else None
                    ),
                },
            )
        poll = _poll_of(screening)
        if poll is not None and poll.status == Poll.Status.OPEN:
            poll = locked_one(Poll.objects.select_related("episode"), poll.pk)
            poll.closes_at += held
            poll.save(update_fields=["closes_at"])
            poll_decide_dispatch_on_commit(poll_id=poll.id, eta=poll.closes_at)
            payload = poll_state_get(poll=poll, sees_hidden=False)  # the same poll, with its new close
            broadcast_on_commit(screening_group(screening.id), {"type": "poll.opened", "poll": payload})
        status_broadcast(screening)
        autopilot_schedule(screening=screening, now=now)
    return screening
