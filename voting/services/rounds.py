"""Release rounds: a production-wide poll deciding which episode is released next.

Deciding a round is the same machinery as a live poll (voting/services/decisions.py,
driven by the overdue sweeper); this module opens rounds and holds the round's
decision effect (registered in voting/apps.py): publish or schedule the winning
branch's target through the story services.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict, Forbidden, Invalid
from screenings import policy
from screenings.events import broadcast_on_commit, production_group
from screenings.locking import locked_one
from screenings.models import Episode, Production
from screenings.payloads import episode_payload
from screenings.services import story
from voting import tally
from voting.models import Decision, Poll
from voting.payloads import poll_payload
from voting.selectors.polls import poll_options_list

logger = logging.getLogger(__name__)
ROUND_MAX_WINDOW = timedelta(days=30)


def _check_window(*, now: datetime, closes_at: datetime, release_at: datetime | None) -> None:
    if closes_at <= now:
        raise Invalid(_("The round must close in the future."), fields={"closes_at": [_("Must be in the future.")]})
    if closes_at > now + ROUND_MAX_WINDOW:
        raise Invalid(
            _("A round lasts at most %(days)s days.") % {"days": ROUND_MAX_WINDOW.days},
            fields={"closes_at": [_("At most %(days)s days from now.") % {"days": ROUND_MAX_WINDOW.days}]},
        )
    if release_at is not None and release_at < closes_at:
        raise Invalid(
            _("The winning episode cannot be released before the round closes."),
            fields={"release_at": [_("Must not be before closes_at.")]},
        )


@transaction.atomic
def round_open(
    *,
    production: Production,
    episode: Episode,
    closes_at: datetime,
    release_at: datetime | None = None,
    hide_results: bool = False,
    by: AbstractBaseUser,
) -> Poll:
    production = locked_one(Production.objects, production.pk)  # with graph edits, in the lock order
    if not policy.production_can_edit(user=by, production=production):
        raise Forbidden(_("Only the production's producer may open a release round."))
    if episode.production_id != production.pk:
        raise Invalid(
            _("That episode belongs to another production."), fields={"episode": [_("Not in this production.")]}
        )
    now = timezone.now()
    _check_window(now=now, closes_at=closes_at, release_at=release_at)

    episode = locked_one(Episode.objects, episode.pk)
    if episode.status != Episode.Status.PUBLISHED:
        raise Invalid(_("Only a published episode can be voted on."), fields={"episode": [_("Not published.")]})
    if episode.branches_out.count() < 2:
        raise Invalid(
            _("The episode is not a decision point (it needs at least two outgoing branches)."),
            fields={"episode": [_("Fewer than two branches.")]},
        )
    if Poll.objects.filter(scope=Poll.Scope.ROUND, episode=episode, status=Poll.Status.OPEN).exists():
        raise Conflict(_("A release round on this episode is already open."))

    try:
        with transaction.atomic():  # the partial unique constraint is the last line of defence
            poll = Poll.objects.create(
                scope=Poll.Scope.ROUND,
                episode=episode,
                opens_at=now,
                closes_at=closes_at,
                release_at=release_at,
                hide_results=hide_results,
                created_by=by,
            )
    except IntegrityError:
        raise Conflict(_("A release round on this episode is already open.")) from None
    options = poll_options_list(poll=poll)
    option_ids = [o.id for o in options]
    transaction.on_commit(lambda: tally.tally_init(poll_id=poll.id, option_ids=option_ids), robust=True)
    # No ETA task: a round lasts hours or days (past the broker's visibility timeout);
    # the beat sweeper (voting.tasks.polls_decide_overdue) decides it within a second of closes_at.
    counts = None if hide_results else dict.fromkeys(map(str, option_ids), 0)
    payload = poll_payload(poll, options=options, counts=counts, decision=None)
    broadcast_on_commit(production_group(production.pk), {"type": "poll.opened", "poll": payload})
    return poll


def round_decision_apply(*, poll: Poll, decision: Decision) -> None:
    """Release the winning branch's target: now, or at `poll.release_at` if that is still ahead.

    Runs inside poll_decide's transaction. The story services re-check the release plan;
    if they refuse (the graph was edited meanwhile), the decision still stands and the
    producer releases by hand, so a savepoint keeps the refusal from undoing the decision.
    """
    target = decision.branch.target
    release_at = poll.release_at if poll.release_at and poll.release_at > timezone.now() else None
    try:
        with transaction.atomic():
            if target.status == Episode.Status.PUBLISHED:
                released = target
            elif release_at is not None:
                released = story.episode_schedule(episode=target, release_at=release_at, actor=None)
            else:
                released = story.episode_publish(episode=target, actor=None)  # announces episode.released
    except (Invalid, Conflict) as error:
        logger.warning("round %s: releasing episode %s refused: %s", poll.id, target.id, error)
        released = Episode.objects.get(pk=target.pk)
    broadcast_on_commit(
        production_group(poll.episode.production_id),
        {
            "type": "round.release",
            "poll": poll.id,
            "episode": episode_payload(released),
            "status": released.status,
            "release_at": released.release_at.isoformat() if released.release_at else None,
        },
    )
