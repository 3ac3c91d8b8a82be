"""Reads of a live screening: the socket's `state` snapshot and the console's story graph."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from screenings import policy
from screenings.models import Branch, Episode, Play, Screening, Ticket
from screenings.payloads import now_playing_payload
from voting.live.services import screening_status_payload
from voting.models import Poll, Vote
from voting.selectors.polls import poll_state_get, screening_current_poll_get
from voting.selectors.rounds import production_round_polls_get, rounds_for_ticket


@dataclass(frozen=True)
class SharedState:
    """What every reader of a screening's `state` with the same rights sees (voting/live/snapshots.py
    keeps it per process), and what its ticket part is read against."""

    payload: dict  # `state` without the ticket's own fields and `server_time`
    poll_id: int | None  # the live poll `my_vote` refers to
    round_polls: list[Poll]
    round_states: list[dict]


def screening_state_get(
    *, screening_id: int, ticket: Ticket | None = None, sees_hidden_live: bool = False, sees_hidden_rounds: bool = False
) -> dict:
    """The `state` message of docs/websocket.md, built with a fixed number of queries
    (plus a few per release round of the production, in the `rounds` extension)."""
    shared = screening_state_shared_get(
        screening_id=screening_id, sees_hidden_live=sees_hidden_live, sees_hidden_rounds=sees_hidden_rounds
    )
    return screening_state_for_ticket(shared=shared, ticket=ticket)


def screening_state_shared_get(*, screening_id: int, sees_hidden_live: bool, sees_hidden_rounds: bool) -> SharedState:
    screening = Screening.objects.select_related("now_playing").get(pk=screening_id)
    play = None
    if screening.now_playing_id is not None:
        play = Play.objects.filter(screening_id=screening_id, episode_id=screening.now_playing_id).first()
    poll = screening_current_poll_get(screening_id=screening_id)
    poll_state = poll_state_get(poll=poll, sees_hidden=sees_hidden_live) if poll is not None else None
    if poll_state and poll_state["decision"] and not _leads_to(poll_state, screening.now_playing_id):
        poll, poll_state = None, None  # an old decision: the screening has moved on since
    round_polls = production_round_polls_get(production_id=screening.production_id)
    payload = {
        "type": "state",
        "screening": screening_status_payload(screening),
        "now_playing": now_playing_payload(episode=screening.now_playing, started_at=play.started_at if play else None),
        "poll": poll_state,
    }
    return SharedState(
        payload=payload,
        poll_id=poll.id if poll is not None else None,
        round_polls=round_polls,
        round_states=[poll_state_get(poll=p, sees_hidden=sees_hidden_rounds) for p in round_polls],
    )


def screening_state_for_ticket(*, shared: SharedState, ticket: Ticket | None) -> dict:
    """`shared` with the ticket's own fields: one query at most (none without a ticket or a poll)."""
    votes: dict[int, tuple[int, str]] = {}
    poll_ids = [p.id for p in shared.round_polls] + ([shared.poll_id] if shared.poll_id is not None else [])
    if ticket is not None and poll_ids:
        rows = Vote.objects.filter(poll_id__in=poll_ids, ticket_id=ticket.id).values_list(
            "poll_id", "branch_id", "receipt"
        )
        votes = {poll_id: (branch_id, receipt) for poll_id, branch_id, receipt in rows}
    my_vote, my_receipt = votes.get(shared.poll_id, (None, None))
    round_votes = {poll_id: branch_id for poll_id, (branch_id, _receipt) in votes.items()}
    return shared.payload | {
        "my_vote": my_vote,
        "my_receipt": my_receipt,  # extension: the receipt of my_vote's ballot
        "rounds": rounds_for_ticket(
            polls=shared.round_polls, states=shared.round_states, ticket=ticket, votes=round_votes
        ),
        "server_time": timezone.now().isoformat(),  # lets clients correct their clock for the countdown
    }


def _leads_to(poll_state: dict, episode_id: int | None) -> bool:
    winner = poll_state["decision"]["option"]
    return any(o["id"] == winner and o["target"] == episode_id for o in poll_state["options"])


def screening_graph_get(*, screening: Screening, user) -> dict[str, list[dict]]:
    """Outgoing branches of every episode of the screening's production (the console's advance
    buttons), in display order. Unpublished episodes are shown to the producer only."""
    branches = Branch.objects.filter(source__production_id=screening.production_id).select_related("target", "source")
    if not policy.screening_sees_drafts(user=user, screening=screening):
        published = Episode.Status.PUBLISHED
        branches = branches.filter(source__status=published, target__status=published)
    graph: dict[str, list[dict]] = {}
    for branch in branches.order_by("source_id", "position", "id"):
        graph.setdefault(str(branch.source_id), []).append(
            {
                "id": branch.id,
                "label": branch.label,
                "target": branch.target_id,
                "target_title": branch.target.title,
                "target_published": branch.target.status == Episode.Status.PUBLISHED,
                "is_default": branch.is_default,
            }
        )
    return graph


def playable_episodes_get(*, screening: Screening) -> dict[str, dict]:
    """The released episodes a screening may play, for its screens to preload: {id: {title,
    media_url, duration_seconds}} (drafts never: they are the producer's until released)."""
    episodes = Episode.objects.filter(production_id=screening.production_id, status=Episode.Status.PUBLISHED)
    return {
        str(e.id): {"title": e.title, "media_url": e.media_src, "duration_seconds": e.duration_seconds}
        for e in episodes.order_by("id")
    }
