"""Running a live screening: start, what is playing, manual advance, end.

Lock order shared with voting: a poll row before its screening row.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from config.errors import Conflict, Forbidden, Invalid
from screenings.events import broadcast_on_commit, screening_group
from screenings.models import Branch, Episode, Play, Screening
from voting.payloads import episode_payload


def screening_organizer_check(*, screening: Screening, user) -> None:
    if not (user and user.is_authenticated and (user.is_superuser or screening.organizer_id == user.id)):
        raise Forbidden("Only the screening's organizer may do this.")


def _locked(screening: Screening) -> Screening:
    return Screening.objects.select_for_update(of=("self",)).select_related("production").get(pk=screening.pk)


def screening_now_playing_set(*, screening: Screening, episode: Episode) -> Screening:
    """Move a (locked, live) screening to `episode`: record the Play and tell every viewer on commit."""
    now = timezone.now()
    screening.now_playing = episode
    screening.save(update_fields=["now_playing"])
    Play.objects.get_or_create(screening=screening, episode=episode, defaults={"started_at": now})
    broadcast_on_commit(
        screening_group(screening.id), {"type": "screening.now_playing", "episode": episode_payload(episode)}
    )
    return screening


def _status_broadcast(screening: Screening) -> None:
    broadcast_on_commit(
        screening_group(screening.id),
        {"type": "screening.status", "screening": {"id": screening.id, "status": screening.status}},
    )


@transaction.atomic
def screening_start(*, screening: Screening, by) -> Screening:
    screening = _locked(screening)
    screening_organizer_check(screening=screening, user=by)
    if screening.status not in (Screening.Status.SCHEDULED, Screening.Status.ON_SALE):
        raise Conflict(f"This screening is {screening.status}; only a scheduled or on-sale screening can start.")
    start = screening.production.start_episode
    if start is None:
        raise Invalid("The production has no start episode.")
    if start.status != Episode.Status.PUBLISHED:
        raise Invalid(f"The start episode “{start.title}” (id {start.id}) is not published.")
    screening.status = Screening.Status.LIVE
    screening.started_at = timezone.now()
    screening.save(update_fields=["status", "started_at"])
    _status_broadcast(screening)
    return screening_now_playing_set(screening=screening, episode=start)


@transaction.atomic
def screening_advance(*, screening: Screening, episode: Episode, by) -> Screening:
    """The organizer moves on by hand, only along an outgoing branch of what is playing (e.g. to an ending)."""
    screening = _locked(screening)
    screening_organizer_check(screening=screening, user=by)
    if screening.status != Screening.Status.LIVE:
        raise Conflict("The screening is not live.")
    if screening.polls.filter(status="open").exists():
        raise Conflict("A poll is open: close it (its decision moves the screening) before advancing by hand.")
    if not Branch.objects.filter(source_id=screening.now_playing_id, target_id=episode.id).exists():
        raise Invalid(
            f"“{episode.title}” does not follow the episode now playing.", fields={"episode": ["Not a next episode."]}
        )
    if episode.status != Episode.Status.PUBLISHED:
        raise Invalid(f"“{episode.title}” (id {episode.id}) is not published.", fields={"episode": ["Not published."]})
    return screening_now_playing_set(screening=screening, episode=episode)


@transaction.atomic
def screening_end(*, screening: Screening, by) -> Screening:
    screening = _locked(screening)
    screening_organizer_check(screening=screening, user=by)
    if screening.status != Screening.Status.LIVE:
        raise Conflict("The screening is not live.")
    if screening.polls.filter(status="open").exists():
        raise Conflict("A poll is open: close it before ending the screening.")
    screening.status = Screening.Status.ENDED
    screening.ended_at = timezone.now()
    screening.save(update_fields=["status", "ended_at"])
    _status_broadcast(screening)
    return screening
