"""Reads shared by the websocket, the REST API and the pages."""

from __future__ import annotations

from django.utils import timezone

from screenings.models import Screening, Ticket
from voting import tally
from voting.models import Decision, Poll, Vote
from voting.payloads import episode_payload, poll_payload
from voting.services import poll_options


def poll_state_get(*, poll: Poll, staff: bool = False) -> dict:
    """The poll as API.md shows it; live counts while open (hidden from the audience if asked), final after."""
    options = poll_options(poll)
    decision = Decision.objects.filter(poll_id=poll.id).first()
    if decision is not None:
        counts = decision.counts
    elif poll.hide_results and not staff:
        counts = None
    else:
        counts = tally.tally_counts(poll_id=poll.id, option_ids=[o.id for o in options])
    return poll_payload(poll, options=options, counts=counts, decision=decision)


def screening_current_poll_get(*, screening_id: int) -> Poll | None:
    """The open live poll, else the latest decided one."""
    return (
        Poll.objects.filter(screening_id=screening_id, scope=Poll.Scope.LIVE)
        .select_related("episode", "screening")
        .order_by("-status", "-opens_at", "-id")  # "open" sorts after "decided": descending puts it first
        .first()
    )


def screening_state_get(*, screening_id: int, ticket_id: int | None = None, staff: bool = False) -> dict:
    """The `state` message of docs/websocket.md, built with a fixed number of queries."""
    screening = Screening.objects.select_related("now_playing").get(pk=screening_id)
    poll = screening_current_poll_get(screening_id=screening_id)
    poll_state = poll_state_get(poll=poll, staff=staff) if poll is not None else None
    if poll_state and poll_state["decision"] and not _leads_to(poll_state, screening.now_playing_id):
        poll, poll_state = None, None  # an old decision: the screening has moved on since
    my_vote = None
    if poll is not None and ticket_id is not None:
        my_vote = Vote.objects.filter(poll_id=poll.id, ticket_id=ticket_id).values_list("branch_id", flat=True).first()
    return {
        "type": "state",
        "screening": {"id": screening.id, "status": screening.status},
        "now_playing": episode_payload(screening.now_playing),
        "poll": poll_state,
        "my_vote": my_vote,
        "server_time": timezone.now().isoformat(),  # lets clients correct their clock for the countdown
    }


def _leads_to(poll_state: dict, episode_id: int | None) -> bool:
    winner = poll_state["decision"]["option"]
    return any(o["id"] == winner and o["target"] == episode_id for o in poll_state["options"])


def ticket_for_screening_get(*, code: str, screening_id: int) -> Ticket | None:
    """A ticket that may join this screening's socket: this screening's, not refunded."""
    if not isinstance(code, str) or not code or len(code) > 64:
        return None
    return (
        Ticket.objects.filter(code=code, screening_id=screening_id)
        .exclude(status=Ticket.Status.REFUNDED)
        .first()
    )


def screening_graph_get(*, screening: Screening) -> dict[str, list[dict]]:
    """Outgoing branches of every episode of the screening's production (the console's advance buttons)."""
    from screenings.models import Branch

    graph: dict[str, list[dict]] = {}
    branches = Branch.objects.filter(source__production_id=screening.production_id).select_related("target")
    for branch in branches.order_by("source_id", "id"):
        graph.setdefault(str(branch.source_id), []).append(
            {"id": branch.id, "label": branch.label, "target": branch.target_id, "target_title": branch.target.title,
             "target_published": branch.target.status == "published", "is_default": branch.is_default}
        )  # fmt: skip
    return graph
