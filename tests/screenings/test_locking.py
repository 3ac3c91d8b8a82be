"""The one lock order (screenings/locking.py) is enforced, not only written down."""

import pytest
from django.db import transaction

from screenings.locking import ORDER, LockOrderError, lock_clause, locked, locked_one, shared
from screenings.models import Order, Screening, Ticket
from tests.factories import ScreeningFactory
from voting.models import Poll

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_documented_order():
    assert ORDER == (
        "screenings.Production",
        "screenings.Episode",
        "screenings.Branch",
        "screenings.Screening",
        "screenings.Venue",
        "voting.Poll",
        "screenings.Ticket",
        "screenings.Order",
    )


def test_locks_in_order_pass_and_out_of_order_fail():
    screening = ScreeningFactory()
    with transaction.atomic():
        locked_one(Screening.objects, screening.pk)
        shared(Poll, [])
        locked(Ticket.objects.filter(screening=screening))
        locked(Order.objects.filter(screening=screening))
    with pytest.raises(LockOrderError, match="screenings.Screening locked after screenings.Ticket"):
        with transaction.atomic():
            locked(Ticket.objects.filter(screening=screening))
            locked_one(Screening.objects, screening.pk)
    with pytest.raises(LockOrderError, match="voting.Poll locked after screenings.Ticket"):
        with transaction.atomic():
            locked(Ticket.objects.filter(screening=screening))
            shared(Poll, [1])


def test_a_hand_written_select_takes_its_lock_in_the_same_order():
    """lock_clause: the vote batch's SELECTs lock as they read (voting/services/votes.py)."""
    from django.db import connection

    with transaction.atomic():
        share = lock_clause(Poll, alias="p", share=True, ids=[3, 1])
        update = lock_clause(Ticket, alias="t")
    if connection.vendor == "postgresql":
        assert (share, update) == (' FOR SHARE OF "p"', ' FOR UPDATE OF "t"')
    else:
        assert (share, update) == ("", "")  # SQLite: writers queue for the database instead
    with pytest.raises(LockOrderError, match="voting.Poll locked after screenings.Ticket"):
        with transaction.atomic():
            lock_clause(Ticket, alias="t")
            lock_clause(Poll, alias="p", share=True, ids=[1])
    with transaction.atomic():
        lock_clause(Poll, alias="p", share=True, ids=[1])
        lock_clause(Ticket, alias="t")
        shared(Poll, [1])  # held already, by the clause: not out of order


def test_locking_a_row_already_held_again_is_fine():
    """A nested service re-locks what its caller holds (a round's decision publishes through the
    story services, which lock the production the decision locked first): that never waits."""
    screening = ScreeningFactory()
    with transaction.atomic():
        locked_one(Screening.objects, screening.pk)
        locked(Order.objects.none())
        locked_one(Screening.objects, screening.pk)  # held already: no order problem


def test_each_transaction_starts_afresh():
    screening = ScreeningFactory()
    with transaction.atomic():
        locked(Order.objects.filter(screening=screening))
    with transaction.atomic():
        locked_one(Screening.objects, screening.pk)  # a new transaction may start anywhere


def test_locks_are_refused_outside_a_transaction():
    with pytest.raises(LockOrderError, match="outside a transaction"):
        locked(Screening.objects.all())
