"""A crowd's hellos look their tickets up many per query (voting/live/hellos.py)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from screenings.models import Ticket
from tests.voting.live.test_consumers import joined, socket
from tests.voting.live.test_snapshots import queries_of

pytestmark = pytest.mark.django_db(transaction=True)


def ticket_reads(queries) -> int:
    return sum(1 for q in queries if 'FROM "screenings_ticket"' in q["sql"])


def test_a_crowd_joining_at_once_shares_its_ticket_lookups(live_screening, make_tickets):
    tickets = make_tickets(8)

    async def scenario():
        async with queries_of() as captured:
            crowd = await asyncio.gather(*(joined(live_screening.id, t.code) for t in tickets))
        assert ticket_reads(captured.captured_queries) < len(tickets)
        for ws, state in crowd:
            assert state["type"] == "state"
            await ws.disconnect()

    async_to_sync(scenario)()


def test_a_bad_ticket_in_a_crowd_is_refused_alone(live_screening, make_tickets, screening):
    good, refunded = make_tickets(2)
    Ticket.objects.filter(pk=refunded.pk).update(status=Ticket.Status.REFUNDED, refunded_at=timezone.now())

    async def hello(code):
        ws = socket(live_screening.id)
        assert (await ws.connect())[0]
        await ws.send_json_to({"type": "hello", "ticket": code})
        first = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return first

    async def scenario():
        return await asyncio.gather(hello(good.code), hello(refunded.code), hello("not-a-ticket"), hello(good.code))

    answers = async_to_sync(scenario)()
    assert [a["type"] for a in answers] == ["state", "error", "error", "state"]
    assert {a["code"] for a in answers if a["type"] == "error"} == {"forbidden"}
