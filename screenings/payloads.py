"""The one JSON shape of an episode, on every socket and in every broadcast.

`now_playing` (audience, screen and console sockets, and the live REST answers),
`episode.released` and `round.release` all carry this dict; the REST story API
has its own serializer (absolute URLs, `null` for no media) because API.md fixed it so.
"""

from __future__ import annotations

from datetime import datetime

from screenings.models import Episode


def episode_payload(episode: Episode | None) -> dict | None:
    if episode is None:
        return None
    return {
        "id": episode.id,
        "production": episode.production_id,
        "title": episode.title,
        "synopsis": episode.synopsis,
        "duration_seconds": episode.duration_seconds,
        "media_url": episode.media_src,  # "" when the episode has no media (API.md's now_playing)
        "poster": episode.poster.url if episode.poster else None,
        "status": episode.status,
        "release_at": episode.release_at.isoformat() if episode.release_at else None,
        "published_at": episode.published_at.isoformat() if episode.published_at else None,
    }


def now_playing_payload(*, episode: Episode | None, started_at: datetime | None) -> dict | None:
    """`now_playing` everywhere (sockets, REST): the episode, and when it started playing (its
    Play's `started_at`). Every screen plays it at `now − started_at` (API.md 1.1: one clock)."""
    payload = episode_payload(episode)
    if payload is not None:
        payload["started_at"] = started_at.isoformat() if started_at else None
    return payload
