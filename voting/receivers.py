"""Voting's part in a refund (screenings/signals.py): thin, the work is in services/votes.py."""

from __future__ import annotations

from django.dispatch import receiver

from screenings.signals import tickets_refund_prepare, tickets_refunded
from voting.services.votes import refund_polls_lock, votes_of_tickets_withdraw


@receiver(tickets_refund_prepare, dispatch_uid="voting.refund_polls_lock")
def _refund_polls_lock(sender, *, screening, **kwargs) -> None:
    refund_polls_lock(screening=screening)


@receiver(tickets_refunded, dispatch_uid="voting.votes_of_refunded_tickets_withdraw")
def _votes_of_refunded_tickets_withdraw(sender, *, tickets, **kwargs) -> None:
    votes_of_tickets_withdraw(tickets=tickets)
