"""The JSON shapes of API.md shared by the REST API, the websocket and broadcasts."""

from __future__ import annotations

from screenings.models import Branch, Episode
from voting.models import Decision, Poll


def episode_payload(episode: Episode | None) -> dict | None:
    if episode is None:
        return None
    return {
        "id": episode.id,
        "title": episode.title,
        "media_url": episode.media_src,
        "duration_seconds": episode.duration_seconds,
    }


def options_payload(branches: list[Branch]) -> list[dict]:
    return [{"id": b.id, "label": b.label, "target": b.target_id, "is_default": b.is_default} for b in branches]


def decision_payload(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    return {
        "option": decision.branch_id,
        "reason": decision.reason,
        "decided_at": decision.decided_at.isoformat(),
        "total_votes": decision.total_votes,
    }


def poll_payload(
    poll: Poll, *, options: list[Branch], counts: dict[str, int] | None, decision: Decision | None
) -> dict:
    """counts: None when hidden from this reader (hide_results while open)."""
    return {
        "id": poll.id,
        "scope": poll.scope,
        "status": poll.status,
        "episode": poll.episode_id,
        "screening": poll.screening_id,
        "options": options_payload(options),
        "opens_at": poll.opens_at.isoformat(),
        "closes_at": poll.closes_at.isoformat(),
        "hide_results": poll.hide_results,
        "quorum": poll.quorum,
        "counts": counts,
        "total": sum(counts.values()) if counts is not None else None,
        "decision": decision_payload(decision),
    }
