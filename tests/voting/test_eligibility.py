from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import Forbidden
from screenings.models import Play, Ticket
from tests.factories import ScreeningFactory, TicketFactory
from voting.eligibility import ticket_vote_check
from voting.models import Poll

pytestmark = pytest.mark.django_db


def _poll(*, scope, episode, screening=None):
    now = timezone.now()
    return Poll.objects.create(
        scope=scope, episode=episode, screening=screening, opens_at=now, closes_at=now + timedelta(minutes=1)
    )


def test_live_valid_and_checked_in_tickets_of_the_screening_vote(story, screening):
    poll = _poll(scope="live", episode=story.start, screening=screening)
    ticket_vote_check(poll=poll, ticket=TicketFactory(order__screening=screening))
    now = timezone.now()
    ticket_vote_check(
        poll=poll, ticket=TicketFactory(order__screening=screening, status="checked_in", checked_in_at=now)
    )


def test_live_refunded_or_other_screening_ticket_is_forbidden(story, screening):
    poll = _poll(scope="live", episode=story.start, screening=screening)
    refunded = TicketFactory(order__screening=screening, status=Ticket.Status.REFUNDED, refunded_at=timezone.now())
    with pytest.raises(Forbidden, match="refunded"):
        ticket_vote_check(poll=poll, ticket=refunded)
    other = TicketFactory(order__screening=ScreeningFactory(production=screening.production))
    with pytest.raises(Forbidden, match="another screening"):
        ticket_vote_check(poll=poll, ticket=other)


def test_live_check_in_required_when_the_organizer_asks(story, screening):
    screening.require_check_in = True
    screening.save()
    poll = _poll(scope="live", episode=story.start, screening=screening)
    with pytest.raises(Forbidden, match="checked-in"):
        ticket_vote_check(poll=poll, ticket=TicketFactory(order__screening=screening))
    ticket_vote_check(
        poll=poll, ticket=TicketFactory(order__screening=screening, status="checked_in", checked_in_at=timezone.now())
    )


def test_round_needs_a_screening_of_the_production_that_played_the_episode(story, screening):
    poll = _poll(scope="round", episode=story.start)
    ticket = TicketFactory(order__screening=screening)
    with pytest.raises(Forbidden, match="has not shown"):
        ticket_vote_check(poll=poll, ticket=ticket)
    Play.objects.create(screening=screening, episode=story.start, started_at=timezone.now())
    ticket_vote_check(poll=poll, ticket=ticket)

    screening.round_votes = False
    screening.save()
    ticket.refresh_from_db()
    with pytest.raises(Forbidden, match="release rounds"):
        ticket_vote_check(poll=poll, ticket=Ticket.objects.select_related("screening").get(pk=ticket.pk))


def test_round_refuses_refunded_tickets_and_other_productions(story, screening):
    poll = _poll(scope="round", episode=story.start)
    Play.objects.create(screening=screening, episode=story.start, started_at=timezone.now())
    refunded = TicketFactory(order__screening=screening, status="refunded", refunded_at=timezone.now())
    with pytest.raises(Forbidden, match="refunded"):
        ticket_vote_check(poll=poll, ticket=refunded)
    with pytest.raises(Forbidden, match="another production"):
        ticket_vote_check(poll=poll, ticket=TicketFactory())
