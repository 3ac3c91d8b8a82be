"""Casting a vote: durable first, acknowledged after, counted live after commit.

Locks: the ticket row FOR UPDATE (serialises one ticket's votes with its
refund), then the poll row FOR SHARE, so a decision (which takes the poll
FOR UPDATE) waits for every vote already in flight and every later vote sees
the poll decided. Many tickets vote concurrently: shared locks do not conflict.
"""

from __future__ import annotations

import logging

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


@transaction.atomic
def vote_cast(*, poll_id: int, ticket_code: str, option_id: int) -> Vote:
    """Store (or replace) this ticket's vote in an open poll; raise a domain error otherwise."""
    if not isinstance(ticket_code, str) or not ticket_code or len(ticket_code) > MAX_TICKET_CODE_LENGTH:
        raise Forbidden("Unknown ticket.")
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("screening").filter(code=ticket_code).first()
    if ticket is None:
        raise Forbidden("Unknown ticket.")
    poll = poll_share_locked(poll_id)
    if poll is None:
        raise NotFound(f"No poll {poll_id}.")
    ticket_vote_check(poll=poll, ticket=ticket)
    now = timezone.now()
    if poll.status != Poll.Status.OPEN or now >= poll.closes_at:
        raise PollClosed("This poll is closed.")
    if now < poll.opens_at:
        raise PollClosed("This poll is not open yet.")
    if not Branch.objects.filter(pk=option_id, source_id=poll.episode_id).exists():
        raise Invalid(f"{option_id} is not an option of poll {poll.id}.", fields={"option": ["Not an option."]})

    vote = Vote.objects.filter(poll_id=poll.id, ticket_id=ticket.id).first()
    old_option = None
    if vote is None:
        vote = Vote.objects.create(
            poll=poll, ticket=ticket, branch_id=option_id, cast_at=now, updated_at=now,
            receipt=receipt_for(ticket_secret=ticket.secret, poll_id=poll.id),
        )  # fmt: skip
    elif vote.branch_id != option_id:
        old_option = vote.branch_id
        vote.branch_id, vote.updated_at = option_id, now
        vote.save(update_fields=["branch", "updated_at"])
    else:
        return vote  # the same vote again: nothing changes, still accepted

    group = poll_group(poll)
    transaction.on_commit(
        lambda: _tally_safely(poll=poll, group=group, old_option=old_option, new_option=option_id)
    )
    return vote


def _tally_safely(**kwargs) -> None:
    """Live counts are display only: a Redis hiccup must not fail a stored vote."""
    try:
        tally.tally_record(**kwargs)
    except Exception:
        logger.exception("live tally update failed for poll %s", kwargs["poll"].id)


def votes_cast_batch(*, ballots: list[tuple[int, str, int]]) -> list[Vote | DomainError]:
    """Group commit: store many (poll id, ticket code, option id) votes in one transaction.

    Each vote runs in its own savepoint, so a refused vote does not undo the others;
    tickets are locked in code order (stable, so one ticket's votes keep their order)
    to keep concurrent batches from deadlocking. Results are in input order. Nothing is
    acknowledged before the whole batch commits.
    """
    order = sorted(range(len(ballots)), key=lambda i: ballots[i][1])
    results: list[Vote | DomainError | None] = [None] * len(ballots)

    def cast_all() -> None:
        for i in order:
            poll_id, code, option_id = ballots[i]
            try:
                results[i] = vote_cast(poll_id=poll_id, ticket_code=code, option_id=option_id)
            except DomainError as error:
                results[i] = error

    try:
        with transaction.atomic():
            cast_all()
    except DatabaseError:  # e.g. a deadlock with another process: fall back to one transaction per vote
        logger.warning("vote batch of %s failed; storing its votes one by one", len(ballots), exc_info=True)
        cast_all()
    return results
