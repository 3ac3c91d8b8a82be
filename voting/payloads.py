"""The one JSON shape of a poll (live or round), shared by the REST API, every socket
and every broadcast: `GET /api/polls/{id}/`, `poll.opened`, `state.poll`,
`state.rounds[]` and the round-open answer are all `poll_payload`.
(An episode's one shape is screenings/payloads.py.)
"""

from __future__ import annotations

from screenings.models import Branch
from voting.models import Decision, Poll


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
    """`options` in display order (voting.selectors.polls.poll_options_list); `counts` None when
    hidden from this reader (hide_results while open)."""
    return {
        "id": poll.id,
        "scope": poll.scope,
        "status": poll.status,
        "production": poll.episode.production_id,
        "episode": poll.episode_id,
        "screening": poll.screening_id,
        "options": options_payload(options),
        "opens_at": poll.opens_at.isoformat(),
        "closes_at": poll.closes_at.isoformat(),
        "release_at": poll.release_at.isoformat() if poll.release_at else None,
        "hide_results": poll.hide_results,
        "quorum": poll.quorum,
        "counts": counts,
        "total": sum(counts.values()) if counts is not None else None,
        "decision": decision_payload(decision),
    }
