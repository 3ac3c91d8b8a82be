"""Reads shared by the websocket, the REST API and the pages."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from config.errors import Forbidden
from screenings.codes import ticket_code_valid
from screenings.models import Screening, Ticket
from voting import tally
from voting.eligibility import ticket_vote_check
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
    """The `state` message of docs/websocket.md, built with a fixed number of queries
    (plus a few per release round of the production, in the `rounds` extension)."""
    screening = Screening.objects.select_related("now_playing").get(pk=screening_id)
    ticket = None
    if ticket_id is not None:
        ticket = Ticket.objects.select_related("screening").filter(pk=ticket_id).first()
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
        "rounds": production_rounds_get(production_id=screening.production_id, ticket=ticket, staff=staff),
        "server_time": timezone.now().isoformat(),  # lets clients correct their clock for the countdown
    }


def _leads_to(poll_state: dict, episode_id: int | None) -> bool:
    winner = poll_state["decision"]["option"]
    return any(o["id"] == winner and o["target"] == episode_id for o in poll_state["options"])


ROUND_RECENT = timedelta(days=1)  # a decided round stays in `state` this long, so phones see the decision


def ticket_may_vote(*, poll: Poll, ticket: Ticket | None) -> bool:
    if ticket is None:
        return False
    try:
        ticket_vote_check(poll=poll, ticket=ticket)
    except Forbidden:
        return False
    return True


def production_rounds_get(*, production_id: int, ticket: Ticket | None = None, staff: bool = False) -> list[dict]:
    """Open release rounds of a production (and those decided in the last day), as the `state`
    extension `rounds` of docs/websocket.md: each poll with `release_at`, `my_vote` and `may_vote`."""
    recent = timezone.now() - ROUND_RECENT
    polls = list(
        Poll.objects.filter(scope=Poll.Scope.ROUND, episode__production_id=production_id)
        .filter(Q(status=Poll.Status.OPEN) | Q(closes_at__gte=recent))
        .select_related("episode")
    )
    votes = {}
    if ticket is not None and polls:
        votes = dict(Vote.objects.filter(poll__in=polls, ticket_id=ticket.id).values_list("poll_id", "branch_id"))
    rounds = []
    for poll in sorted(polls, key=lambda p: (p.status != Poll.Status.OPEN, p.closes_at, p.id)):
        rounds.append(
            poll_state_get(poll=poll, staff=staff)
            | {
                "release_at": poll.release_at.isoformat() if poll.release_at else None,
                "my_vote": votes.get(poll.id),
                "may_vote": ticket_may_vote(poll=poll, ticket=ticket),
            }
        )
    return rounds


def ticket_for_screening_get(*, code: str, screening_id: int) -> Ticket | None:
    """A ticket that may join this screening's socket: this screening's, not refunded."""
    if not ticket_code_valid(code):
        return None
    return Ticket.objects.filter(code=code, screening_id=screening_id).exclude(status=Ticket.Status.REFUNDED).first()


def screening_graph_get(*, screening: Screening) -> dict[str, list[dict]]:
    """Outgoing branches of every episode of the screening's production (the console's advance buttons)."""
    from screenings.models import Branch

    graph: dict[str, list[dict]] = {}
    branches = Branch.objects.filter(source__production_id=screening.production_id).select_related("target")
    for branch in branches.order_by("source_id", "id"):
        graph.setdefault(str(branch.source_id), []).append(
            {
                "id": branch.id,
                "label": branch.label,
                "target": branch.target_id,
                "target_title": branch.target.title,
                "target_published": branch.target.status == "published",
                "is_default": branch.is_default,
            }
        )
    return graph
