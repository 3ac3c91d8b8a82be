"""A ticket refunded mid-poll stops counting at once: its votes on open polls are removed."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from screenings.signals import tickets_refunded
from voting import tally
from voting.models import Poll, Vote
from voting.services import poll_group
from voting.services.votes import poll_share_locked


@receiver(tickets_refunded, dispatch_uid="voting.votes_of_refunded_tickets_remove")
def votes_of_refunded_tickets_remove(sender, *, tickets, **kwargs) -> None:
    """Runs inside the refund's transaction (the ticket row is already locked by it)."""
    ticket_ids = [t.id for t in tickets]
    votes = list(Vote.objects.filter(ticket_id__in=ticket_ids, poll__status=Poll.Status.OPEN).order_by("poll_id"))
    for vote in votes:
        poll = poll_share_locked(vote.poll_id)  # a decision in progress finishes first, with this vote
        if poll is None or poll.status != Poll.Status.OPEN:
            continue
        vote.delete()
        group, option = poll_group(poll), vote.branch_id
        transaction.on_commit(
            lambda poll=poll, group=group, option=option: tally.tally_record(
                poll=poll, group=group, old_option=option, new_option=None
            )
        )
