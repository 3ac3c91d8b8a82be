"""Release rounds: a production-wide poll deciding which episode is released next.

Deciding a round is the live poll machinery's job (voting/services `poll_decide`,
driven by the overdue sweeper); this module opens rounds and holds the round's
decision effect (registered in voting/effects.py): publish or schedule the
winning branch's target through the story services.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from config.errors import Conflict, Forbidden, Invalid
from screenings.events import broadcast_on_commit, production_group
from screenings.models import Episode, Production
from screenings.selectors.story import episode_payload
from screenings.services import story
from voting import tally
from voting.models import Decision, Poll

logger = logging.getLogger(__name__)
ROUND_MAX_WINDOW = timedelta(days=30)


def poll_options_list(*, poll: Poll) -> list[dict]:
    """The choices of a poll: the decision episode's outgoing branches, in display order."""
    return [{"id": b.id, "label": b.label} for b in poll.episode.branches_out.order_by("position", "id")]


def round_as_dict(*, poll: Poll) -> dict:
    return {
        "id": poll.id,
        "scope": poll.scope,
        "status": poll.status,
        "production": poll.episode.production_id,
        "episode": poll.episode_id,
        "options": poll_options_list(poll=poll),
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "release_at": poll.release_at,
        "hide_results": poll.hide_results,
    }


def _check_window(*, now: datetime, closes_at: datetime, release_at: datetime | None) -> None:
    if closes_at <= now:
        raise Invalid("The round must close in the future.", fields={"closes_at": ["Must be in the future."]})
    if closes_at > now + ROUND_MAX_WINDOW:
        raise Invalid(
            f"A round lasts at most {ROUND_MAX_WINDOW.days} days.",
            fields={"closes_at": [f"At most {ROUND_MAX_WINDOW.days} days from now."]},
        )
    if release_at is not None and release_at < closes_at:
        raise Invalid(
            "The winning episode cannot be released before the round closes.",
            fields={"release_at": ["Must not be before closes_at."]},
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
    if not (by.is_superuser or production.owner_id == by.pk):
        raise Forbidden("Only the production's owner may open a release round.")
    if episode.production_id != production.pk:
        raise Invalid("That episode belongs to another production.", fields={"episode": ["Not in this production."]})
    now = timezone.now()
    _check_window(now=now, closes_at=closes_at, release_at=release_at)

    # The episode row lock serialises concurrent openings on the same decision point.
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.status != Episode.Status.PUBLISHED:
        raise Invalid("Only a published episode can be voted on.", fields={"episode": ["Not published."]})
    if episode.branches_out.count() < 2:
        raise Invalid(
            "The episode is not a decision point (it needs at least two outgoing branches).",
            fields={"episode": ["Fewer than two branches."]},
        )
    if Poll.objects.filter(scope=Poll.Scope.ROUND, episode=episode, status=Poll.Status.OPEN).exists():
        raise Conflict("A release round on this episode is already open.")

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
        raise Conflict("A release round on this episode is already open.") from None
    option_ids = [o["id"] for o in poll_options_list(poll=poll)]
    transaction.on_commit(lambda: tally.tally_init(poll_id=poll.id, option_ids=option_ids))
    # No ETA task: a round lasts hours or days (past the broker's visibility timeout);
    # the beat sweeper (voting.tasks.polls_decide_overdue) decides it within a second of closes_at.
    broadcast_on_commit(production_group(production.pk), {"type": "poll.opened", "poll": round_jsonable(poll=poll)})
    return poll


def round_jsonable(*, poll: Poll) -> dict:
    """The round as JSON (times as ISO 8601 strings), for broadcasts and the websocket `state`."""
    data = round_as_dict(poll=poll)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


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


def round_decision_points_list(*, production: Production) -> list[Episode]:
    """Published episodes of the production with at least two outgoing branches (where a round can open)."""
    return list(
        production.episodes.filter(status=Episode.Status.PUBLISHED)
        .annotate(branch_count=Count("branches_out"))
        .filter(branch_count__gte=2)
        .order_by("id")
    )
