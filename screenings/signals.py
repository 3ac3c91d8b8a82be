"""Signals other apps listen to.

`tickets_refunded` is sent by ticket_refund inside its transaction with
`tickets=[Ticket, ...]` (already marked refunded); voting removes those tickets'
votes from open polls so a ticket refunded mid-poll stops counting at once.
"""

import django.dispatch

tickets_refunded = django.dispatch.Signal()
