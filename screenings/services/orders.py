"""Orders after the sale: sending their tickets again. (Placing, check-in and refunds: ticketing.py.)"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import Throttled
from config.ratelimit import RateLimit
from screenings import policy
from screenings.emails import order_tickets_email_send
from screenings.models import Order

# The tickets go to the order's own address only, so a resend discloses nothing; the limit keeps
# the order link (or a busy box office) from turning the platform into a mail cannon.
RESEND_LIMIT = RateLimit("order-resend", limit=3, window=3600)


@transaction.atomic
def order_tickets_resend(*, order: Order, by=None) -> Order:
    """Send the order's tickets to its e-mail again. `by`: the organizer at the box office; None
    when the holder of the order link asks (the link is the credential)."""
    if by is not None:
        policy.screening_manage_check(user=by, screening=order.screening)
    if RESEND_LIMIT.hit(str(order.pk)) > RESEND_LIMIT.limit:
        raise Throttled(
            _("The tickets were sent again several times already: try again in %(minutes)d minutes.")
            % {"minutes": max(1, RESEND_LIMIT.retry_after(str(order.pk)) // 60)}
        )
    transaction.on_commit(lambda: order_tickets_email_send(order_id=order.pk))
    return order
