"""Casting votes: durable first, acknowledged after, counted live after commit.

One implementation for one vote (REST) and for a batch (the websocket's group
commit): `vote_cast` is a batch of one. A batch costs a fixed number of queries
however many votes it holds.

Locks: the tickets' rows FOR UPDATE, in code order (serialises one ticket's votes
with its refund; a consistent order keeps concurrent batches from deadlocking),
then each poll's row FOR SHARE, so a decision (which takes the poll FOR UPDATE)
waits for every vote already in flight and every later vote sees the poll decided.
Many tickets vote concurrently: shared locks do not conflict with each other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from config.errors import DomainError, Forbidden, Invalid, NotFound, PollClosed
from screenings.models import Branch, Ticket
from voting import tally
from voting.ballots import receipt_for
from voting.eligibility import ticket_vote_check
from voting.models import Poll, Vote
from voting.services.polls import poll_group

logger = logging.getLogger(__name__)
MAX_TICKET_CODE_LENGTH = 64


def poll_share_locked(poll_id: int) -> Poll | None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # Django has no FOR SHARE; the row lock is what matters
            cursor.execute("SELECT id FROM voting_poll WHERE id = %s FOR SHARE", [poll_id])
            if cursor.fetchone() is None:
                return None
    # SQLite serialises writing transactions as a whole (BEGIN IMMEDIATE): no row lock needed.
    return Poll.objects.select_related("screening", "episode").filter(pk=poll_id).first()


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


def votes_cast_batch(*, ballots: list[tuple[int, str, int]]) -> list[Vote | DomainError]:
    """Store many (poll id, ticket code, option id) votes in one transaction; results in input order.

    A refused vote gets its DomainError and changes nothing; the others are stored.
    Later votes of the same ticket in the batch replace earlier ones, as they would one by one.
    """
    try:
        return _cast(ballots)
    except DatabaseError:
        if len(ballots) == 1:
            raise
        # e.g. a deadlock with another process: store them one transaction each
        logger.warning("vote batch of %s failed; storing its votes one by one", len(ballots), exc_info=True)
        return [votes_cast_batch(ballots=[ballot])[0] for ballot in ballots]


@transaction.atomic
def _cast(ballots: list[tuple[int, str, int]]) -> list[Vote | DomainError]:
    codes = sorted(
        {code for _, code, _ in ballots if isinstance(code, str) and 0 < len(code) <= MAX_TICKET_CODE_LENGTH}
    )
    tickets = {
        t.code: t
        for t in Ticket.objects.select_for_update(of=("self",))
        .select_related("screening")
        .filter(code__in=codes)
        .order_by("code")
    }
    polls: dict[int, _PollView] = {}
    for poll_id in sorted({poll_id for poll_id, _, _ in ballots}):
        poll = poll_share_locked(poll_id)
        options = (
            frozenset(Branch.objects.filter(source_id=poll.episode_id).values_list("id", flat=True)) if poll else ()
        )
        polls[poll_id] = _PollView(poll, frozenset(options))
    ticket_ids = [t.id for t in tickets.values()]
    current: dict[tuple[int, int], Vote] = {
        (v.poll_id, v.ticket_id): v for v in Vote.objects.filter(poll_id__in=list(polls), ticket_id__in=ticket_ids)
    }

    now = timezone.now()
    results: list[Vote | DomainError] = []
    changed: dict[tuple[int, int], Vote] = {}
    before: dict[tuple[int, int], int | None] = {}  # option each touched (poll, ticket) had before this batch
    for poll_id, code, option_id in ballots:
        try:
            ticket = tickets.get(code)
            if ticket is None:
                raise Forbidden("Unknown ticket.")
            view = polls[poll_id]
            _check(view, ticket, option_id, now)
        except DomainError as error:
            results.append(error)
            continue
        key = (poll_id, ticket.id)
        vote = current.get(key)
        before.setdefault(key, vote.branch_id if vote else None)
        if vote is None:
            vote = Vote(
                poll_id=poll_id,
                ticket=ticket,
                branch_id=option_id,
                cast_at=now,
                updated_at=now,
                receipt=receipt_for(ticket_secret=ticket.secret, poll_id=poll_id),
            )
            current[key] = vote
            changed[key] = vote
        elif vote.branch_id != option_id:
            vote.branch_id, vote.updated_at = option_id, now
            changed[key] = vote
        results.append(vote)

    new = [v for v in changed.values() if v.pk is None]
    moved = [v for v in changed.values() if v.pk is not None]
    Vote.objects.bulk_create(new)
    if moved:
        Vote.objects.bulk_update(moved, ["branch", "updated_at"])
    if new and not connection.features.can_return_rows_from_bulk_insert:
        ids = {
            (p, t): pk
            for p, t, pk in Vote.objects.filter(poll_id__in=list(polls), ticket_id__in=ticket_ids).values_list(
                "poll_id", "ticket_id", "id"
            )
        }
        for vote in new:
            vote.pk = ids[(vote.poll_id, vote.ticket_id)]

    updates = [
        (polls[key[0]].poll, old, current[key].branch_id)
        for key, old in before.items()
        if old != current[key].branch_id
    ]
    if updates:
        transaction.on_commit(lambda: _tally_safely(updates))
    return results


def _check(view: _PollView, ticket: Ticket, option_id: int, now) -> None:
    poll = view.poll
    if poll is None:
        raise NotFound("No such poll.")
    ticket_vote_check(poll=poll, ticket=ticket)
    if poll.status != Poll.Status.OPEN or now >= poll.closes_at:
        raise PollClosed("This poll is closed.")
    if now < poll.opens_at:
        raise PollClosed("This poll is not open yet.")
    if option_id not in view.options:
        raise Invalid(f"{option_id} is not an option of poll {poll.id}.", fields={"option": ["Not an option."]})


def _tally_safely(updates: list[tuple[Poll, int | None, int]]) -> None:
    """Live counts are display only: a Redis hiccup must not fail stored votes."""
    try:
        tally.tally_record_many([(poll, poll_group(poll), old, new) for poll, old, new in updates])
    except Exception:
        logger.exception("live tally update failed")
