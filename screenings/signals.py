"""Signals other apps listen to; screenings never imports them (voting depends on screenings)."""

from django.dispatch import Signal

# Sent inside the refunding transaction, after the tickets' status changed,
# with `tickets=[Ticket, ...]`. Voting withdraws these tickets' votes on open polls.
tickets_refunded = Signal()
