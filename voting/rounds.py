"""Release rounds: a production-wide poll deciding which episode is released next.

Deciding a round (and publishing the winner) is the live poll machinery's job
(voting/services.py `poll_decide` + the round effect); this module opens rounds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from config.errors import Conflict, Forbidden, Invalid
from screenings.models import Episode, Production
from voting.models import Poll

ROUND_MAX_WINDOW = timedelta(days=30)


def production_group(production_id: int) -> str:
    """Channel-layer group of every open page of a production."""
    return f"production.{production_id}"


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

    poll = Poll.objects.create(
        scope=Poll.Scope.ROUND,
        episode=episode,
        opens_at=now,
        closes_at=closes_at,
        release_at=release_at,
        hide_results=hide_results,
        created_by=by,
    )
    _broadcast_on_commit(production_group(production.pk), {"type": "round.opened", "poll": _jsonable(poll)})
    return poll


def _jsonable(poll: Poll) -> dict:
    data = round_as_dict(poll=poll)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def _broadcast_on_commit(group: str, message: dict) -> None:
    # Integration point: the live core's voting/events.broadcast_on_commit does the
    # same (and more robustly); the lead replaces this helper with it on merge.
    def send() -> None:
        async_to_sync(get_channel_layer().group_send)(group, message)

    transaction.on_commit(send)


def round_decision_points_list(*, production: Production) -> list[Episode]:
    """Published episodes of the production with at least two outgoing branches (where a round can open)."""
    return list(
        production.episodes.filter(status=Episode.Status.PUBLISHED)
        .annotate(branch_count=Count("branches_out"))
        .filter(branch_count__gte=2)
        .order_by("id")
    )
