"""Running a live screening: start, what is playing, advance by hand, end; the autopilot's schedule.

The only routes into `live` and `ended` (screenings' own services only put a screening
on sale). Locks: the screening's row (screenings/locking.py). What the autopilot does
when something is due is voting/live/autopilot.py; this module only keeps its schedule
(`Screening.autopilot_due_at`) true whenever the screening moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import app as celery_app
from config.errors import Conflict, Invalid
from screenings import policy
from screenings.events import broadcast_on_commit, screening_group
from screenings.locking import locked_one
from screenings.models import Branch, Episode, Play, Screening
from screenings.payloads import now_playing_payload
from voting.models import Poll

AUTOPILOT_STEP_TASK = "voting.live.tasks.autopilot_step"  # by name: tasks import services


def _locked(screening: Screening) -> Screening:
    return locked_one(Screening.objects.select_related("production", "now_playing"), screening.pk)


def screening_status_payload(screening: Screening) -> dict:
    return {
        "id": screening.id,
        "status": screening.status,
        "autopilot": screening.autopilot,
        "paused_at": screening.paused_at.isoformat() if screening.paused_at else None,
    }


def screening_now_playing_set(*, screening: Screening, episode: Episode, started_at: datetime | None = None) -> Play:
    """Move a (locked, live) screening to `episode`, playing from `started_at` (default: now): record
    the Play and tell every viewer on commit."""
    screening.now_playing = episode
    screening.save(update_fields=["now_playing"])
    play, _created = Play.objects.get_or_create(
        screening=screening, episode=episode, defaults={"started_at": started_at or timezone.now()}
    )
    broadcast_on_commit(
        screening_group(screening.id),
        {"type": "screening.now_playing", "episode": now_playing_payload(episode=episode, started_at=play.started_at)},
    )
    autopilot_schedule(screening=screening)
    return play


def status_broadcast(screening: Screening) -> None:
    broadcast_on_commit(
        screening_group(screening.id), {"type": "screening.status", "screening": screening_status_payload(screening)}
    )


def autopilot_route(*, episode: Episode) -> tuple[str, list[Branch]]:
    """What the autopilot does with an episode: ("vote", options) at a decision point whose
    choices are all released; else ("follow", [branch]): the default branch if its episode is
    released, else the first released one; else ("end", []): an ending, or the last episode
    released so far."""
    branches = list(Branch.objects.filter(source=episode).select_related("target").order_by("position", "id"))
    released = [b for b in branches if b.target.status == Episode.Status.PUBLISHED]
    if len(branches) >= 2 and len(released) == len(branches):
        return "vote", branches
    if released:
        return "follow", [next((b for b in released if b.is_default), released[0])]
    return "end", []


def autopilot_due(*, screening: Screening, now: datetime) -> datetime | None:
    """When the autopilot of a (locked) screening next has something to do: the cue of a
    decision point without a poll yet, else the end of the episode, else (past the end,
    waiting for the decision) the poll's close. None when nothing will be due."""
    if not screening.autopilot or screening.status != Screening.Status.LIVE or screening.paused_at:
        return None
    episode = screening.now_playing
    play = Play.objects.filter(screening=screening, episode=episode).first()
    if episode is None or play is None:
        return None
    ends_at = play.started_at + timedelta(seconds=episode.duration_seconds)
    polls = Poll.objects.filter(screening=screening, episode=episode, scope=Poll.Scope.LIVE)
    poll = polls.order_by("-opens_at", "-id").first()
    if poll is None and autopilot_route(episode=episode)[0] == "vote":
        at_second, _window = episode.vote_cue()
        return min(play.started_at + timedelta(seconds=at_second), ends_at)
    if now < ends_at or poll is None or poll.status != Poll.Status.OPEN:
        return ends_at
    return poll.closes_at


def autopilot_schedule(*, screening: Screening, now: datetime | None = None) -> None:
    """Store when the (locked) screening's autopilot is next due, and send the fast path for then."""
    due = autopilot_due(screening=screening, now=now or timezone.now())
    if due == screening.autopilot_due_at:
        return
    screening.autopilot_due_at = due
    screening.save(update_fields=["autopilot_due_at"])
    if due is not None:
        screening_id = screening.id
        transaction.on_commit(
            lambda: celery_app.send_task(AUTOPILOT_STEP_TASK, args=[screening_id], eta=due), robust=True
        )


@transaction.atomic
def screening_start(*, screening: Screening, by, autopilot: bool = False) -> Screening:
    screening = _locked(screening)
    policy.screening_manage_check(user=by, screening=screening)
    if screening.status not in (Screening.Status.SCHEDULED, Screening.Status.ON_SALE):
        raise Conflict(
            _("This screening is %(status)s; only a scheduled or on-sale screening can start.")
            % {"status": screening.status}
        )
    start = screening.production.start_episode
    if start is None:
        raise Invalid(_("The production has no start episode."))
    if start.status != Episode.Status.PUBLISHED:
        raise Invalid(
            _("The start episode “%(title)s” (id %(id)s) is not published.") % {"title": start.title, "id": start.id}
        )
    screening.status = Screening.Status.LIVE
    screening.started_at = timezone.now()
    screening.autopilot = autopilot
    screening.save(update_fields=["status", "started_at", "autopilot"])
    status_broadcast(screening)
    screening_now_playing_set(screening=screening, episode=start, started_at=screening.started_at)
    return screening


@transaction.atomic
def screening_advance(*, screening: Screening, episode: Episode, by) -> Screening:
    """The organizer moves on by hand, only along an outgoing branch of what is playing (e.g. to an
    ending). On autopilot too: the hand wins, and the film plays on from the new episode."""
    screening = _locked(screening)
    policy.screening_manage_check(user=by, screening=screening)
    if screening.status != Screening.Status.LIVE:
        raise Conflict(_("The screening is not live."))
    if screening.polls.filter(status="open").exists():
        raise Conflict(_("A poll is open: close it (its decision moves the screening) before advancing by hand."))
    if not Branch.objects.filter(source_id=screening.now_playing_id, target_id=episode.id).exists():
        raise Invalid(
            _("“%(title)s” does not follow the episode now playing.") % {"title": episode.title},
            fields={"episode": [_("Not a next episode.")]},
        )
    if episode.status != Episode.Status.PUBLISHED:
        raise Invalid(
            _("“%(title)s” (id %(id)s) is not published.") % {"title": episode.title, "id": episode.id},
            fields={"episode": [_("Not published.")]},
        )
    if screening.paused_at is not None:  # a new episode plays from its start: nothing to resume
        screening.paused_at = None
        screening.save(update_fields=["paused_at"])
        status_broadcast(screening)
    screening_now_playing_set(screening=screening, episode=episode)
    return screening


def screening_close(*, screening: Screening, at: datetime | None = None) -> Screening:
    """End a (locked) live screening: what screening_end and the autopilot (after an ending) share."""
    screening.status = Screening.Status.ENDED
    screening.ended_at = at or timezone.now()
    screening.paused_at = None
    screening.autopilot_due_at = None
    screening.save(update_fields=["status", "ended_at", "paused_at", "autopilot_due_at"])
    status_broadcast(screening)
    return screening


@transaction.atomic
def screening_end(*, screening: Screening, by) -> Screening:
    screening = _locked(screening)
    policy.screening_manage_check(user=by, screening=screening)
    if screening.status != Screening.Status.LIVE:
        raise Conflict(_("The screening is not live."))
    if screening.polls.filter(status="open").exists():
        raise Conflict(_("A poll is open: close it before ending the screening."))
    return screening_close(screening=screening)
