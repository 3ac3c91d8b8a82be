"""Casting and withdrawing votes: durable first, acknowledged after, counted live after commit.

One implementation for one vote (REST) and for a batch (the websocket's group commit):
`vote_cast` is a batch of one. A batch costs four statements however many votes it
holds: the polls' shared lock; the polls with their screening, episode and options; the
tickets locked with their current votes (a LEFT JOIN per poll of the batch); one
INSERT … ON CONFLICT (poll, ticket) DO UPDATE for every vote that is new or moved. The
eligibility checks run in Python on those rows (a round's ticket also costs one query
for the episode its screening played).

Locks (screenings/locking.py): each poll's row FOR SHARE, then the tickets' rows FOR
UPDATE, by id. The shared poll lock makes a decision (which takes the poll FOR UPDATE)
wait for every vote already in flight, and every later vote see the poll decided;
shared locks do not conflict, so votes never queue behind each other. The ticket lock
serialises one ticket's votes with its refund and check-in.

The live counters (voting/tally.py) are display only: `votes_store_batch` hands their
changes back so that the websocket acknowledges first and counts after; `vote_cast` and
`votes_cast_batch` count on commit, and a Redis failure never fails a stored vote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import Aggregate, CharField, F, FilteredRelation, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import DomainError, Forbidden, Invalid, NotFound, PollClosed
from screenings.locking import locked, shared
from screenings.models import Branch, Screening, Ticket
from voting import tally
from voting.ballots import receipt_for
from voting.eligibility import ticket_vote_check
from voting.models import Poll, Vote
from voting.selectors.polls import poll_group

logger = logging.getLogger(__name__)
MAX_TICKET_CODE_LENGTH = 64

# (poll id, ticket code, option id[, when its frame arrived]): a vote counts when it *arrived* before
# the poll closed, however long its storage took (voting/inflight.py makes the decision wait for it).
Ballot = tuple[int, str, int] | tuple[int, str, int, datetime | None]
TallyChange = tuple[Poll, str, int | None, int | None]  # (poll, its group, old option, new option)


class UnknownTicket(Forbidden):
    """No ticket has this code (a guess, or a typo): `forbidden`, like any ticket that may not vote."""


@dataclass
class _PollView:
    poll: Poll | None
    options: frozenset[int] = field(default_factory=frozenset)


def vote_cast(*, poll_id: int, ticket_code: str, option_id: int) -> Vote:
    """Store (or replace) this ticket's vote in an open poll; raise a domain error otherwise."""
    result = votes_cast_batch(ballots=[(poll_id, ticket_code, option_id)])[0]
    if isinstance(result, DomainError):
        raise result
    return result


def votes_cast_batch(*, ballots: list[Ballot]) -> list[Vote | DomainError]:
    """Store many votes in one transaction and count them live once it commits; results in input order."""
    results, changes = votes_store_batch(ballots=ballots)
    if changes:
        transaction.on_commit(lambda: tally_safely(changes))
    return results


def votes_store_batch(*, ballots: list[Ballot]) -> tuple[list[Vote | DomainError], list[TallyChange]]:
    """Store many (poll id, ticket code, option id) votes in one transaction, committed on return.

    A refused vote gets its DomainError and changes nothing; the others are stored.
    Later votes of the same ticket in the batch replace earlier ones, as they would one by one.
    Returns the results in input order and the live-count changes to apply (display only).
    """
    try:
        return _store(ballots)
    except DatabaseError:
        if len(ballots) == 1:
            raise
        # e.g. a serialisation failure with another process: store them one transaction each
        logger.warning("vote batch of %s failed; storing its votes one by one", len(ballots), exc_info=True)
        results, changes = [], []
        for ballot in ballots:
            one, more = _store([ballot])
            results += one
            changes += more
        return results, changes


class _CommaIds(Aggregate):
    """The grouped ids as one comma-separated string: string_agg on PostgreSQL, group_concat on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS text), ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, function="GROUP_CONCAT", template="%(function)s(%(expressions)s, ',')", **extra
        )


def _poll_views(poll_ids: list[int]) -> dict[int, _PollView]:
    """The polls, their screening and episode, and their options: one query."""
    # No ordering (the models' default ones): compiling it was a quarter of this query's cost, per batch.
    options = (
        Branch.objects.filter(source_id=OuterRef("episode_id"))
        .order_by()
        .values("source_id")
        .annotate(ids=_CommaIds("id"))
    )
    polls = Poll.objects.select_related("screening", "episode").filter(pk__in=poll_ids).order_by()
    found = {p.id: p for p in polls.annotate(option_ids=Subquery(options.values("ids")))}
    return {
        pid: _PollView(found[pid], frozenset(int(i) for i in (found[pid].option_ids or "").split(",") if i))
        if pid in found
        else _PollView(None)
        for pid in poll_ids
    }


def _current(poll_id: int) -> dict[str, FilteredRelation | F]:
    """Annotations that read a ticket's current vote in `poll_id` along with the ticket (a LEFT JOIN)."""
    name = f"vote_{poll_id}"
    return {name: FilteredRelation("votes", condition=Q(votes__poll_id=poll_id))} | {
        f"{name}_{column}": F(f"{name}__{column}") for column in ("id", "branch_id", "receipt", "cast_at")
    }


@transaction.atomic
def _store(ballots: list[Ballot]) -> tuple[list[Vote | DomainError], list[TallyChange]]:
    # Three reads and one write per batch, however many votes it holds: the polls' shared lock,
    # the polls with their options, the tickets locked with their current votes, then one
    # INSERT … ON CONFLICT (poll, ticket) DO UPDATE of the branch for every vote that changed.
    poll_ids = sorted({ballot[0] for ballot in ballots})
    shared(Poll, poll_ids)  # before the tickets: the lock order
    views = _poll_views(poll_ids)
    polls = {pid: view.poll for pid, view in views.items() if view.poll is not None}

    codes = {b[1] for b in ballots if isinstance(b[1], str) and 0 < len(b[1]) <= MAX_TICKET_CODE_LENGTH}
    annotations = {}
    for pid in polls:
        annotations |= _current(pid)
    tickets_of = Ticket.objects.filter(code__in=codes).annotate(**annotations)
    if any(poll.scope == Poll.Scope.ROUND for poll in polls.values()):
        tickets_of = tickets_of.select_related("screening")  # a round checks the ticket's screening
    rows = locked(tickets_of)
    tickets = {t.code: t for t in rows}
    current: dict[tuple[int, int], Vote] = {}
    for ticket in rows:
        for pid in polls:
            vote_id = getattr(ticket, f"vote_{pid}_id")
            if vote_id is not None:
                current[(pid, ticket.id)] = Vote(
                    pk=vote_id,
                    poll_id=pid,
                    ticket=ticket,
                    branch_id=getattr(ticket, f"vote_{pid}_branch_id"),
                    receipt=getattr(ticket, f"vote_{pid}_receipt"),
                    cast_at=getattr(ticket, f"vote_{pid}_cast_at"),
                )

    now = timezone.now()
    results: list[Vote | DomainError] = []
    changed: dict[tuple[int, int], Vote] = {}
    before: dict[tuple[int, int], int | None] = {}  # option each touched (poll, ticket) had before this batch
    for poll_id, code, option_id, *arrived in ballots:
        received = arrived[0] if arrived and arrived[0] else now
        try:
            ticket = tickets.get(code)
            if ticket is None:
                raise UnknownTicket(_("Unknown ticket."))
            _check(views[poll_id], ticket, option_id, received)
        except DomainError as error:
            results.append(error)
            continue
        key = (poll_id, ticket.id)
        vote = current.get(key)
        before.setdefault(key, vote.branch_id if vote else None)
        if vote is None:
            receipt = receipt_for(ticket_secret=ticket.secret, poll_id=poll_id)
            vote = Vote(
                poll_id=poll_id, ticket=ticket, branch_id=option_id, cast_at=received, updated_at=now, receipt=receipt
            )
            current[key] = vote
            changed[key] = vote
        elif vote.branch_id != option_id:
            vote.branch_id, vote.updated_at = option_id, now
            changed[key] = vote
        results.append(vote)

    if changed:
        # New and moved votes in one statement; a moved vote keeps its receipt and cast_at (not in
        # update_fields). PostgreSQL and SQLite return every row's id, inserted or updated.
        stored = list(changed.values())
        for vote in stored:
            vote.pk = None  # inserted or not, each row's id comes back (RETURNING)
        Vote.objects.bulk_create(
            stored, update_conflicts=True, unique_fields=["poll", "ticket"], update_fields=["branch", "updated_at"]
        )

    changes = [
        (polls[p], poll_group(polls[p]), old, current[(p, t)].branch_id)
        for (p, t), old in before.items()
        if old != current[(p, t)].branch_id
    ]
    return results, changes


def _check(view: _PollView, ticket: Ticket, option_id: int, received: datetime) -> None:
    poll = view.poll
    if poll is None:
        raise NotFound(_("No such poll."))
    ticket_vote_check(poll=poll, ticket=ticket)
    if poll.status != Poll.Status.OPEN or received >= poll.closes_at:
        raise PollClosed(_("This poll is closed."))
    if received < poll.opens_at:
        raise PollClosed(_("This poll is not open yet."))
    if option_id not in view.options:
        raise Invalid(
            _("%(option)s is not an option of poll %(poll)s.") % {"option": option_id, "poll": poll.id},
            fields={"option": [_("Not an option.")]},
        )


def tally_safely(changes: list[TallyChange]) -> None:
    """Apply committed changes to the live counts. Display only: a Redis hiccup is logged,
    never raised (the counts are rebuilt from the votes when their hash is missing)."""
    try:
        tally.tally_record_many(changes)
    except Exception:
        logger.warning("live tally update failed; the counts converge on the next rebuild", exc_info=True)


# --- Refunds: a refunded ticket stops counting at once -----------------------------------


def refund_polls_lock(*, screening: Screening) -> None:
    """Before a refund locks tickets: take (shared) every open poll the screening's tickets may
    vote in — its live polls and its production's rounds — so that a decision in progress
    finishes first, with these votes, and one that starts later counts without them."""
    open_polls = Poll.objects.filter(status=Poll.Status.OPEN)
    live = open_polls.filter(scope=Poll.Scope.LIVE, screening_id=screening.id).values_list("id", flat=True)
    rounds = open_polls.filter(scope=Poll.Scope.ROUND, episode__production_id=screening.production_id)
    shared(Poll, [*live, *rounds.values_list("id", flat=True)])


def votes_of_tickets_withdraw(*, tickets: list[Ticket]) -> int:
    """Inside the refund's transaction, the tickets (and their polls, refund_polls_lock) locked:
    remove their votes from polls still open; the live counts follow on commit."""
    votes = list(
        Vote.objects.filter(ticket_id__in=[t.id for t in tickets], poll__status=Poll.Status.OPEN).select_related(
            "poll__episode"
        )
    )
    if not votes:
        return 0
    Vote.objects.filter(pk__in=[v.pk for v in votes]).delete()
    changes = [(v.poll, poll_group(v.poll), v.branch_id, None) for v in votes]
    transaction.on_commit(lambda: tally_safely(changes))
    return len(votes)
