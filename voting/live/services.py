"""Running a live screening: start, what is playing, advance by hand, end.

The only routes into `live` and `ended` (screenings' own services only put a screening
on sale). Locks: the screening's row (screenings/locking.py).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict, Invalid
from screenings import policy
from screenings.events import broadcast_on_commit, screening_group
from screenings.locking import locked_one
from screenings.models import Branch, Episode, Play, Screening
from screenings.payloads import episode_payload


def _locked(screening: Screening) -> Screening:
    return locked_one(Screening.objects.select_related("production", "now_playing"), screening.pk)


def now_playing_payload(*, episode: Episode | None, play: Play | None) -> dict | None:
    """`now_playing` everywhere (sockets, REST): the episode, and when it started playing."""
    payload = episode_payload(episode)
    if payload is not None:
        payload["started_at"] = play.started_at.isoformat() if play else None
    return payload


def screening_now_playing_set(*, screening: Screening, episode: Episode) -> Screening:
    """Move a (locked, live) screening to `episode`: record the Play and tell every viewer on commit."""
    now = timezone.now()
    screening.now_playing = episode
    screening.save(update_fields=["now_playing"])
    play, _created = Play.objects.get_or_create(screening=screening, episode=episode, defaults={"started_at": now})
    broadcast_on_commit(
        screening_group(screening.id),
        {"type": "screening.now_playing", "episode": now_playing_payload(episode=episode, play=play)},
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
    screening.save(update_fields=["status", "started_at"])
    _status_broadcast(screening)
    return screening_now_playing_set(screening=screening, episode=start)


@transaction.atomic
def screening_advance(*, screening: Screening, episode: Episode, by) -> Screening:
    """The organizer moves on by hand, only along an outgoing branch of what is playing (e.g. to an ending)."""
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
    return screening_now_playing_set(screening=screening, episode=episode)


@transaction.atomic
def screening_end(*, screening: Screening, by) -> Screening:
    screening = _locked(screening)
    policy.screening_manage_check(user=by, screening=screening)
    if screening.status != Screening.Status.LIVE:
        raise Conflict(_("The screening is not live."))
    if screening.polls.filter(status="open").exists():
        raise Conflict(_("A poll is open: close it before ending the screening."))
    screening.status = Screening.Status.ENDED
    screening.ended_at = timezone.now()
    screening.save(update_fields=["status", "ended_at"])
    _status_broadcast(screening)
    return screening
