"""factory_boy factories for every model; tests build data through these or through services."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from screenings.models import Branch, Episode, Order, Production, Screening, Ticket, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pass-word-123")


class ProductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Production

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Production {n}")
    slug = factory.Sequence(lambda n: f"production-{n}")
    synopsis = "A story in stages."


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    production = factory.SubFactory(ProductionFactory)
    title = factory.Sequence(lambda n: f"Episode {n}")
    duration_seconds = 600
    status = Episode.Status.DRAFT

    class Params:
        published = factory.Trait(status=Episode.Status.PUBLISHED, published_at=factory.LazyFunction(timezone.now))


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    source = factory.SubFactory(EpisodeFactory)
    target = factory.SubFactory(EpisodeFactory, production=factory.SelfAttribute("..source.production"))
    label = factory.Sequence(lambda n: f"Choice {n}")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Cinema {n}")
    city = "Seoul"
    seats = 200


class ScreeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Screening

    production = factory.SubFactory(ProductionFactory)
    organizer = factory.SubFactory(UserFactory)
    venue = factory.SubFactory(VenueFactory, owner=factory.SelfAttribute("..organizer"))
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
    capacity = 100
    base_price = Decimal("12.00")
    currency = "EUR"
    half_price = True
    status = Screening.Status.ON_SALE


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    screening = factory.SubFactory(ScreeningFactory)
    email = factory.Sequence(lambda n: f"buyer{n}@example.org")
    total = Decimal("6.00")
    currency = "EUR"
    payment_status = Order.PaymentStatus.PAID


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    order = factory.SubFactory(OrderFactory)
    screening = factory.SelfAttribute("order.screening")
    code = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    secret = factory.LazyFunction(lambda: secrets.token_hex(32))
    kind = Ticket.Kind.HALF
    price = Decimal("6.00")


# --- Voting (issue 6) -----------------------------------------------------------

from voting.ballots import ballots_digest, receipt_for  # noqa: E402
from voting.models import Decision, Poll, Vote  # noqa: E402


class PollFactory(factory.django.DjangoModelFactory):
    """A live poll on a published episode of its screening's production (pass scope=round, screening=None
    and an episode for a release round)."""

    class Meta:
        model = Poll

    scope = Poll.Scope.LIVE
    screening = factory.SubFactory(ScreeningFactory)
    episode = factory.SubFactory(
        EpisodeFactory, production=factory.SelfAttribute("..screening.production"), published=True
    )
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=30))
    closes_at = factory.LazyAttribute(lambda p: p.opens_at + timedelta(seconds=60))


class VoteFactory(factory.django.DjangoModelFactory):
    """A stored ballot; its receipt is derived from the ticket's secret exactly as the vote path does."""

    class Meta:
        model = Vote

    poll = factory.SubFactory(PollFactory)
    ticket = factory.SubFactory(TicketFactory, order__screening=factory.SelfAttribute("...poll.screening"))
    branch = factory.SubFactory(BranchFactory, source=factory.SelfAttribute("..poll.episode"))
    receipt = factory.LazyAttribute(lambda v: receipt_for(ticket_secret=v.ticket.secret, poll_id=v.poll.id))
    cast_at = factory.LazyAttribute(lambda v: min(timezone.now(), v.poll.opens_at + timedelta(seconds=1)))
    updated_at = factory.SelfAttribute("cast_at")


class DecisionFactory(factory.django.DjangoModelFactory):
    """A bare decision row; build real ones with voting.services.poll_decide (fixture `decide_poll`)."""

    class Meta:
        model = Decision

    poll = factory.SubFactory(PollFactory, status=Poll.Status.DECIDED)
    branch = factory.SubFactory(BranchFactory, source=factory.SelfAttribute("..poll.episode"))
    reason = Decision.Reason.NO_VOTES
    counts = factory.LazyAttribute(lambda d: {str(d.branch.id): 0})
    total_votes = 0
    digest = factory.LazyAttribute(lambda d: ballots_digest(poll_id=d.poll.id, ballots=[]))
    decided_at = factory.LazyAttribute(lambda d: d.poll.closes_at)
