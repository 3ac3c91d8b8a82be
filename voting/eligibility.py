"""Who may vote in a poll: checked on every vote, from the ticket row read in the vote's transaction.

The messages are lazy: a websocket batch checks the votes of sockets in several languages, and
each socket renders its error in its own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import Forbidden
from screenings.models import Play, Ticket
from voting.models import Poll

VOTING_STATUSES = {Ticket.Status.VALID, Ticket.Status.CHECKED_IN}


def ticket_vote_check(*, poll: Poll, ticket: Ticket) -> None:
    """Raise Forbidden unless `ticket` may vote in `poll` (any scope).

    live: a valid or checked-in ticket of the poll's screening; checked in if the
    screening requires it. round: a non-refunded ticket of a screening of the
    production that has played the decision point and lets its tickets vote in rounds.
    """
    if ticket.status not in VOTING_STATUSES:
        raise Forbidden(_("This ticket was refunded and can no longer vote."))
    if poll.scope == Poll.Scope.LIVE:
        _live_check(poll=poll, ticket=ticket)
    elif poll.scope == Poll.Scope.ROUND:
        _round_check(poll=poll, ticket=ticket)
    else:
        raise Forbidden(_("Unknown poll scope %(scope)s.") % {"scope": repr(poll.scope)})


def _live_check(*, poll: Poll, ticket: Ticket) -> None:
    if ticket.screening_id != poll.screening_id:
        raise Forbidden(_("This ticket is for another screening."))
    if poll.screening.require_check_in and ticket.status != Ticket.Status.CHECKED_IN:
        raise Forbidden(_("This screening only counts checked-in tickets: check in at the door first."))


def _round_check(*, poll: Poll, ticket: Ticket) -> None:
    screening = ticket.screening
    if screening.production_id != poll.episode.production_id:
        raise Forbidden(_("This ticket is for another production."))
    if not screening.round_votes:
        raise Forbidden(_("This screening's tickets do not vote in release rounds."))
    if not Play.objects.filter(screening_id=screening.id, episode_id=poll.episode_id).exists():
        raise Forbidden(_("This ticket's screening has not shown the episode this round decides on."))
