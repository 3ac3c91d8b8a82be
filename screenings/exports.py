"""The box office's attendee list of a screening as CSV (one row per ticket).

Ticket codes are voting credentials: the list carries only their first characters, enough to find
a ticket on the tickets page, never the code itself. Cells a spreadsheet would run as a formula are
neutralised (config.csv_cells).
"""

from __future__ import annotations

import csv
import io

from config.csv_cells import csv_safe_cell
from screenings.models import Screening, Ticket

COLUMNS = [
    "order",
    "ordered_at",
    "name",
    "email",
    "ticket",
    "ticket_ref",
    "kind",
    "price",
    "currency",
    "status",
    "checked_in_at",
    "payment_status",
]
TICKET_REF_LENGTH = 8


def screening_attendees_csv(*, screening: Screening) -> str:
    tickets = Ticket.objects.filter(screening=screening).select_related("order").order_by("order_id", "id")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    number: dict[int, int] = {}
    for t in tickets:
        number[t.order_id] = number.get(t.order_id, 0) + 1
        row = [
            t.order_id,
            t.order.created_at.isoformat(),
            t.order.name,
            t.order.email,
            number[t.order_id],
            t.code[:TICKET_REF_LENGTH],
            t.kind,
            str(t.price),
            screening.currency,
            t.status,
            t.checked_in_at.isoformat() if t.checked_in_at else "",
            t.order.payment_status,
        ]
        writer.writerow([csv_safe_cell(str(cell)) for cell in row])
    return out.getvalue()
