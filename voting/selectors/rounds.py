"""Reads of release rounds: where a round can open, and the rounds a socket's `state` carries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from config.errors import Forbidden
from screenings.models import Episode, Production, Ticket
from voting.eligibility import ticket_vote_check
from voting.models import Poll, Vote
from voting.selectors.polls import poll_state_get

ROUND_RECENT = timedelta(days=1)  # a decided round stays in `state` this long, so phones see the decision


def round_decision_points_list(*, production: Production) -> list[Episode]:
    """Where a round can open: published episodes with two or more branches of which at
    least one leads to an episode not published yet (otherwise there is nothing to decide)."""
    return list(
        production.episodes.filter(status=Episode.Status.PUBLISHED)
        .annotate(
            branch_count=Count("branches_out", distinct=True),
            unreleased=Count(
                "branches_out", filter=~Q(branches_out__target__status=Episode.Status.PUBLISHED), distinct=True
            ),
        )
        .filter(branch_count__gte=2, unreleased__gte=1)
        .order_by("id")
    )


def ticket_may_vote(*, poll: Poll, ticket: Ticket | None) -> bool:
    if ticket is None:
        return False
    try:
        ticket_vote_check(poll=poll, ticket=ticket)
    except Forbidden:
        return False
    return True


def production_rounds_get(*, production_id: int, ticket: Ticket | None = None, sees_hidden: bool = False) -> list[dict]:
    """Open release rounds of a production (and those decided in the last day), as the `state`
    extension `rounds` of docs/websocket.md: each poll with `my_vote` and `may_vote`."""
    polls = production_round_polls_get(production_id=production_id)
    shared = [poll_state_get(poll=poll, sees_hidden=sees_hidden) for poll in polls]
    return rounds_for_ticket(
        polls=polls, states=shared, ticket=ticket, votes=ticket_round_votes_get(polls=polls, ticket=ticket)
    )


def production_round_polls_get(*, production_id: int) -> list[Poll]:
    """The release rounds `state` shows, in its order: open ones first, by closing time."""
    recent = timezone.now() - ROUND_RECENT
    polls = (
        Poll.objects.filter(scope=Poll.Scope.ROUND, episode__production_id=production_id)
        .filter(Q(status=Poll.Status.OPEN) | Q(closes_at__gte=recent))
        .select_related("episode")
    )
    return sorted(polls, key=lambda p: (p.status != Poll.Status.OPEN, p.closes_at, p.id))


def ticket_round_votes_get(*, polls: list[Poll], ticket: Ticket | None) -> dict[int, int]:
    if ticket is None or not polls:
        return {}
    return dict(Vote.objects.filter(poll__in=polls, ticket_id=ticket.id).values_list("poll_id", "branch_id"))


def rounds_for_ticket(
    *, polls: list[Poll], states: list[dict], ticket: Ticket | None, votes: dict[int, int]
) -> list[dict]:
    """The rounds' shared states (in `polls`' order) with this ticket's `my_vote` and `may_vote`."""
    return [
        state | {"my_vote": votes.get(poll.id), "may_vote": ticket_may_vote(poll=poll, ticket=ticket)}
        for poll, state in zip(polls, states, strict=True)
    ]
