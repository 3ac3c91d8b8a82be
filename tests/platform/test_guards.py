"""Last lines of defence the database itself enforces, on SQLite and PostgreSQL alike, and the
migrations matching the models (a model change without its migration fails the suite)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import TicketFactory, VoteFactory
from voting.models import Decision, Vote

pytestmark = pytest.mark.django_db


def test_a_second_vote_for_the_same_poll_and_ticket_is_refused_by_the_database():
    vote = VoteFactory()
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(
            poll=vote.poll,
            ticket=vote.ticket,
            branch=vote.branch,
            receipt="another-receipt",
            cast_at=now,
            updated_at=now,
        )
    other = TicketFactory(order__screening=vote.poll.screening)
    Vote.objects.create(poll=vote.poll, ticket=other, branch=vote.branch, receipt="r2", cast_at=now, updated_at=now)
    assert Vote.objects.filter(poll=vote.poll).count() == 2  # another ticket may vote: the guard is (poll, ticket)


def test_a_second_decision_for_a_poll_is_refused_by_the_database():
    vote = VoteFactory()
    fields = {"branch": vote.branch, "counts": {}, "total_votes": 0, "digest": "0" * 64, "decided_at": timezone.now()}
    Decision.objects.create(poll=vote.poll, reason=Decision.Reason.MAJORITY, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(poll=vote.poll, reason=Decision.Reason.TIE_BREAK, **fields)
    assert Decision.objects.filter(poll=vote.poll).count() == 1


def test_the_migrations_match_the_models():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration (manage.py makemigrations):\n{out.getvalue()}\n{exit_}")
