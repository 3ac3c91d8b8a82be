"""Opening live polls, and closing one early (its decision is voting/services/decisions.py)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import app as celery_app
from config.errors import Conflict, Invalid
from screenings import policy
from screenings.events import broadcast_on_commit, screening_group
from screenings.locking import locked_one
from screenings.models import Branch, Episode, Screening
from voting import inflight, tally
from voting.models import Decision, Poll
from voting.payloads import poll_payload
from voting.selectors.polls import poll_options_list
from voting.services.decisions import poll_decide

logger = logging.getLogger(__name__)

# API.md 1.1: interactive cinema uses 4–5 s windows; the API's input serializer reads these too.
MIN_DURATION_SECONDS, MAX_DURATION_SECONDS = 3, 3600
DECIDE_TASK = "voting.tasks.poll_decide_task"  # dispatched by name: tasks import services, not the reverse


def poll_duration_check(duration_seconds: int) -> None:
    if not MIN_DURATION_SECONDS <= duration_seconds <= MAX_DURATION_SECONDS:
        raise Invalid(
            _("A live poll lasts %(min)s to %(max)s seconds.")
            % {"min": MIN_DURATION_SECONDS, "max": MAX_DURATION_SECONDS},
            fields={
                "duration_seconds": [
                    _("Between %(min)s and %(max)s.") % {"min": MIN_DURATION_SECONDS, "max": MAX_DURATION_SECONDS}
                ]
            },
        )


def _targets_published_check(branches: list[Branch]) -> None:
    unpublished = [b.target for b in branches if b.target.status != Episode.Status.PUBLISHED]
    if unpublished:
        names = ", ".join(f"“{e.title}” (id {e.id})" for e in unpublished)
        raise Invalid(
            _("Every option must lead to a published episode; not published: %(names)s.") % {"names": names},
            fields={"options": [_("Episode %(id)s is not published.") % {"id": e.id} for e in unpublished]},
        )


def poll_decide_dispatch_on_commit(*, poll_id: int, eta: datetime) -> None:
    """The fast path: a task at closes_at. Only a fast path — the sweeper decides every overdue
    poll from the database — so a broker that is down loses nothing and fails nothing."""
    transaction.on_commit(lambda: celery_app.send_task(DECIDE_TASK, args=[poll_id], eta=eta), robust=True)


@transaction.atomic
def poll_open(
    *, screening: Screening, duration_seconds: int, by, hide_results: bool = False, quorum: int | None = None
) -> Poll:
    """Open a live poll on the decision point now playing; its options are that episode's branches."""
    screening = locked_one(Screening.objects.select_related("now_playing", "production"), screening.pk)
    policy.screening_manage_check(user=by, screening=screening)
    return live_poll_open(
        screening=screening, duration_seconds=duration_seconds, by=by, hide_results=hide_results, quorum=quorum
    )


def live_poll_open(
    *,
    screening: Screening,
    duration_seconds: int,
    by=None,
    hide_results: bool = False,
    quorum: int | None = None,
    closes_at: datetime | None = None,
) -> Poll:
    """poll_open once the (locked) screening's organizer is known to act, or the autopilot does
    (which passes `closes_at`: the cue's end on the film's clock)."""
    if screening.status != Screening.Status.LIVE or screening.now_playing_id is None:
        raise Conflict(_("Start the screening before opening a poll."))
    poll_duration_check(duration_seconds)
    if quorum is not None and quorum < 1:
        raise Invalid(_("The quorum is at least one vote."), fields={"quorum": [_("At least 1.")]})
    episode = screening.now_playing
    branches = list(Branch.objects.filter(source=episode).select_related("target").order_by("position", "id"))
    if len(branches) < 2:
        raise Invalid(
            _("“%(title)s” is not a decision point: it needs two or more branches.") % {"title": episode.title}
        )
    _targets_published_check(branches)
    if Poll.objects.filter(screening=screening, episode=episode, status=Poll.Status.DECIDED).exists():
        raise Conflict(_("A poll on “%(title)s” was already decided in this screening.") % {"title": episode.title})
    now = timezone.now()
    try:
        with transaction.atomic():
            poll = Poll.objects.create(
                scope=Poll.Scope.LIVE,
                episode=episode,
                screening=screening,
                opens_at=now,
                closes_at=closes_at or now + timedelta(seconds=duration_seconds),
                hide_results=hide_results,
                quorum=quorum,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise Conflict(_("A poll is already open in this screening.")) from None

    option_ids = [b.id for b in branches]
    transaction.on_commit(lambda: tally.tally_init(poll_id=poll.id, option_ids=option_ids), robust=True)
    poll_decide_dispatch_on_commit(poll_id=poll.id, eta=poll.closes_at)
    counts = None if hide_results else dict.fromkeys(map(str, option_ids), 0)
    payload = poll_payload(poll, options=poll_options_list(poll=poll), counts=counts, decision=None)
    broadcast_on_commit(screening_group(screening.id), {"type": "poll.opened", "poll": payload})
    return poll


def poll_close_early(*, poll: Poll, by) -> Decision:
    """The organizer closes a live poll now; it is decided at once (one transaction)."""
    poll = Poll.objects.select_related("screening", "episode__production").get(pk=poll.pk)
    if poll.scope != Poll.Scope.LIVE:
        raise Conflict(_("Only a live poll can be closed early."))
    policy.screening_manage_check(user=by, screening=poll.screening)
    inflight.wait_until_stored(poll_id=poll.id, closes_at=timezone.now())  # votes already received count
    return poll_decide(poll_id=poll.id, close_now=True)
