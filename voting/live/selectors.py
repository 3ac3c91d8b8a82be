"""Reads of a live screening: the socket's `state` snapshot and the console's story graph."""

from __future__ import annotations

from django.utils import timezone

from screenings import policy
from screenings.models import Branch, Episode, Play, Screening, Ticket
from screenings.payloads import now_playing_payload
from voting.live.services import screening_status_payload
from voting.models import Vote
from voting.selectors.polls import poll_state_get, screening_current_poll_get
from voting.selectors.rounds import production_rounds_get


def screening_state_get(
    *, screening_id: int, ticket: Ticket | None = None, sees_hidden_live: bool = False, sees_hidden_rounds: bool = False
) -> dict:
    """The `state` message of docs/websocket.md, built with a fixed number of queries
    (plus a few per release round of the production, in the `rounds` extension)."""
    screening = Screening.objects.select_related("now_playing").get(pk=screening_id)
    play = None
    if screening.now_playing_id is not None:
        play = Play.objects.filter(screening_id=screening_id, episode_id=screening.now_playing_id).first()
    poll = screening_current_poll_get(screening_id=screening_id)
    poll_state = poll_state_get(poll=poll, sees_hidden=sees_hidden_live) if poll is not None else None
    if poll_state and poll_state["decision"] and not _leads_to(poll_state, screening.now_playing_id):
        poll, poll_state = None, None  # an old decision: the screening has moved on since
    my_vote = my_receipt = None
    if poll is not None and ticket is not None:
        mine = Vote.objects.filter(poll_id=poll.id, ticket_id=ticket.id).values_list("branch_id", "receipt").first()
        my_vote, my_receipt = mine or (None, None)
    return {
        "type": "state",
        "screening": screening_status_payload(screening),
        "now_playing": now_playing_payload(episode=screening.now_playing, started_at=play.started_at if play else None),
        "poll": poll_state,
        "my_vote": my_vote,
        "my_receipt": my_receipt,  # extension: the receipt of my_vote's ballot
        "rounds": production_rounds_get(
            production_id=screening.production_id, ticket=ticket, sees_hidden=sees_hidden_rounds
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
