"""Casting a vote: durable first, acknowledged after, counted live after commit.

Locks: the ticket row FOR UPDATE (serialises one ticket's votes with its
refund), then the poll row FOR SHARE, so a decision (which takes the poll
FOR UPDATE) waits for every vote already in flight and every later vote sees
the poll decided. Many tickets vote concurrently: shared locks do not conflict.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone

from config.errors import Forbidden, Invalid, NotFound, PollClosed
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
