"""Refunds, cancellations, check-ins and edits racing decisions and votes never deadlock (PostgreSQL).

The real services, each in its own thread and database connection, started together on an open
poll with votes. Before one lock order held everywhere, a refund during a live decision gave
"deadlock detected" and aborted the decision. Every round checks: no database error, one
decision, and a decision consistent with the stored ballots (counts and digest recount).
"""

import os
import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from config.errors import DomainError
from screenings.models import Ticket
from screenings.services.orders import ticket_check_in, ticket_refund
from screenings.services.ticketing import screening_cancel, screening_update
from tests.voting.conftest import tickets_for
from voting.models import Decision, Poll
from voting.recount import recount_poll
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open
from voting.services.rounds import round_open
from voting.services.votes import vote_cast

ROUNDS = int(os.environ.get("LOCK_RACE_ROUNDS", "6"))

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def _together(*calls) -> list:
    """Run the calls at the same moment, one thread and connection each; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a call is stuck: a lock wait that never ends"
    return results


def _no_database_errors(results):
    errors = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert not errors, errors  # a deadlock is a DatabaseError (OperationalError) here
    return [r for r in results if not isinstance(r, Exception)]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_refunds_check_ins_votes_and_edits_racing_a_live_decision(
    round_, live_screening, organizer, story, make_tickets
):
    tickets = make_tickets(8)
    poll = poll_open(screening=live_screening, duration_seconds=60, by=organizer)
    for n, ticket in enumerate(tickets[:6]):
        vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=(story.to_left if n % 2 else story.to_right).id)

    results = _together(
        lambda: poll_decide(poll_id=poll.id, close_now=True),
        lambda: ticket_refund(code=tickets[0].code, user=organizer),
        lambda: ticket_refund(code=tickets[1].code, user=organizer),
        lambda: ticket_check_in(code=tickets[2].code, user=organizer),
        lambda: vote_cast(poll_id=poll.id, ticket_code=tickets[6].code, option_id=story.to_left.id),
        lambda: vote_cast(poll_id=poll.id, ticket_code=tickets[3].code, option_id=story.to_left.id),
        lambda: screening_update(screening=live_screening, user=organizer, round_votes=bool(round_ % 2)),
    )
    _no_database_errors(results)
    assert Decision.objects.filter(poll=poll).count() == 1
    recount = recount_poll(poll=Poll.objects.get(pk=poll.pk))
    assert recount.ok, recount.problems
    refunded = Ticket.objects.filter(pk__in=[tickets[0].pk, tickets[1].pk], status="refunded").count()
    assert refunded == 2


@pytest.mark.parametrize("round_", range(ROUNDS // 2))
def test_a_cancellation_racing_a_round_decision_and_votes(round_, world):
    poll = round_open(
        production=world.production,
        episode=world.start,
        closes_at=timezone.now() + timedelta(hours=1),
        by=world.owner,
    )
    a, b = tickets_for(world.screenings[0], 3), tickets_for(world.screenings[2], 3)
    for ticket in [*a, *b]:
        vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=world.left.id)

    results = _together(
        lambda: poll_decide(poll_id=poll.id),
        lambda: screening_cancel(screening=world.screenings[0], user=world.organizer_a),
        lambda: vote_cast(poll_id=poll.id, ticket_code=b[0].code, option_id=world.right.id),
        lambda: ticket_refund(code=b[1].code, user=world.organizer_b),
    )
    _no_database_errors(results)
    assert Decision.objects.filter(poll=poll).count() == 1
    recount = recount_poll(poll=Poll.objects.get(pk=poll.pk))
    assert recount.ok, recount.problems


def test_a_database_error_is_what_a_deadlock_would_raise():
    """The assertion above would see a deadlock: PostgreSQL's is an OperationalError."""
    from django.db import OperationalError

    assert issubclass(OperationalError, DatabaseError) and not issubclass(OperationalError, DomainError)
