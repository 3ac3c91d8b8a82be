"""One phone for a whole order: a socket per ticket of the order, real consumers on the real channel layer.

Each ticket counts once and gets its own receipt; a refunded ticket of the order is refused.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from screenings.selectors.ticketing import order_by_code_get, order_tickets_list
from screenings.services.orders import order_place, ticket_refund
from tests.voting.live.test_consumers import joined, next_of, run, socket
from voting.ballots import receipt_for
from voting.models import Vote
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def family(live_screening):
    """A parent's order of four tickets, as its order link finds them."""
    order, _ = order_place(screening_id=live_screening.id, email="parent@example.org", quantity=4)
    return order_by_code_get(code=order.code)


def _codes(order) -> list[str]:
    return [row.ticket.code for row in order_tickets_list(order=order) if not row.refunded]


def test_four_tickets_of_one_order_vote_from_one_phone(live_screening, organizer, story, family):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    codes = _codes(family)
    choices = [story.to_right.id, story.to_right.id, story.to_left.id, story.to_right.id]

    async def scenario():
        phone = [(await joined(live_screening.id, code))[0] for code in codes]  # one socket per ticket
        receipts = []
        for n, (ws, option) in enumerate(zip(phone, choices)):
            await ws.send_json_to({"type": "vote", "poll": poll.id, "option": option, "ref": f"t{n + 1}"})
            accepted = await next_of(ws, "vote.accepted")
            assert (accepted["poll"], accepted["option"], accepted["ref"]) == (poll.id, option, f"t{n + 1}")
            receipts.append(accepted["receipt"])
        # ticket 2 changes its mind: still one ballot, the same receipt
        await phone[1].send_json_to({"type": "vote", "poll": poll.id, "option": story.to_left.id, "ref": "again"})
        assert (await next_of(phone[1], "vote.accepted"))["receipt"] == receipts[1]
        for ws in phone:
            await ws.disconnect()
        return receipts

    receipts = async_run(scenario)

    assert len(set(receipts)) == 4
    tickets = {t.code: t for t in family.tickets.all()}
    assert receipts == [receipt_for(ticket_secret=tickets[c].secret, poll_id=poll.id) for c in codes]
    stored = dict(Vote.objects.filter(poll=poll).values_list("ticket__code", "receipt"))
    assert stored == dict(zip(codes, receipts))
    decision = poll_decide(poll_id=poll.id)
    assert decision.counts == {str(story.to_left.id): 2, str(story.to_right.id): 2}  # 4 votes, each once
    assert decision.total_votes == 4


def test_a_refunded_ticket_of_the_order_is_refused(live_screening, organizer, story, family):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    first, second, third, fourth = (row.ticket for row in order_tickets_list(order=family))
    ticket_refund(code=fourth.code, user=organizer)  # before the phone joins
    assert _codes(family) == [first.code, second.code, third.code]

    def refund_third():  # the box office refunds another one while the poll is open
        ticket_refund(code=third.code, user=organizer)

    async def scenario():
        late = socket(live_screening.id)
        await late.connect()
        await late.send_json_to({"type": "hello", "ticket": fourth.code})
        assert (await late.receive_json_from())["code"] == "forbidden"
        assert await late.receive_close() == 4403

        phone = [(await joined(live_screening.id, t.code))[0] for t in (first, second, third)]
        for ws in phone:
            await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_right.id})
            await next_of(ws, "vote.accepted")
        await database_sync_to_async(refund_third)()
        await phone[2].send_json_to({"type": "vote", "poll": poll.id, "option": story.to_left.id, "ref": "x"})
        error = await next_of(phone[2], "error")
        assert (error["code"], error["ref"]) == ("forbidden", "x")
        assert await phone[2].receive_close() == 4403
        for ws in phone[:2]:  # the order's other tickets vote on
            await ws.send_json_to({"type": "vote", "poll": poll.id, "option": story.to_left.id})
            await next_of(ws, "vote.accepted")
            await ws.disconnect()

    async_run(scenario)

    assert set(Vote.objects.filter(poll=poll).values_list("ticket_id", flat=True)) == {first.id, second.id}
    decision = poll_decide(poll_id=poll.id)
    assert decision.counts == {str(story.to_left.id): 2, str(story.to_right.id): 0}


def async_run(coroutine_fn):
    holder = {}

    async def wrapped():
        holder["result"] = await coroutine_fn()

    run(wrapped)
    return holder.get("result")
