"""Signals other apps listen to; screenings never imports them (voting depends on screenings).

A refund or a cancellation sends both, inside its transaction:

- `tickets_refund_prepare` (`screening=`), once the screening's row is locked and before any
  ticket is: a listener locks what it will change, in the lock order of screenings/locking.py
  (voting takes the open polls the screening's tickets may vote in, shared).
- `tickets_refunded` (`tickets=[Ticket, ...]`), after the tickets' status changed: voting
  withdraws these tickets' votes from open polls.
"""

from django.dispatch import Signal

tickets_refund_prepare = Signal()
tickets_refunded = Signal()
