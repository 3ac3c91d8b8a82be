"""The demo production `make run` serves: a short branching story, a half-price screening, tickets.

Idempotent: running it again finds what it made before (by slug, usernames
and the demo buyer's order) and creates nothing twice. The demo order has no
idempotency key: a fixed, published key would let anyone replay it.
Never for production: the management command refuses unless DEBUG is on (or --force).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from screenings.models import Branch, Episode, Order, Production, Screening, Ticket, Venue
from screenings.pricing import quantize

SLUG = "the-lantern-keeper"
DEMO_BUYER = ("audience@example.org", "Demo audience")

# (key, title, seconds, vote cue (at second, window) or None, synopsis). Short, so that the
# autopilot screening plays the whole story in about four minutes.
EPISODES = [
    ("arrival", "1. Arrival", 90, (60, 20), "A stranger reaches a fishing village where the lighthouse went dark."),
    ("lighthouse", "2a. The Lighthouse", 75, (50, 15), "She climbs the cliff path to the dead lantern."),
    ("fair", "2b. The Village Fair", 75, (50, 15), "She stays for the fair, where everyone is hiding something."),
    ("return", "Ending: The Keeper's Return", 45, None, "The lantern burns again; the keeper comes home."),
    ("open-sea", "Ending: Open Sea", 45, None, "She takes the keeper's boat and sails past the light."),
    ("long-night", "Ending: The Long Night", 45, None, "The secret holds, and the village stays in the dark."),
]
# (source, target, label, is_default)
BRANCHES = [
    ("arrival", "lighthouse", "Follow the light", False),
    ("arrival", "fair", "Stay in the village", True),
    ("lighthouse", "return", "Relight the lantern", True),
    ("lighthouse", "open-sea", "Sail away", False),
    ("fair", "return", "Tell the truth", False),
    ("fair", "long-night", "Keep the secret", True),
]


@dataclass
class DemoSummary:
    production: Production
    screening: Screening
    tickets: list[Ticket]
    password: str
    online: Screening | None = None  # on autopilot, live now
    online_tickets: list[Ticket] | None = None


def _user(username: str, password: str, *, superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
    if created:
        user.set_password(password)
        user.is_staff = user.is_superuser = superuser
        user.save()
    return user


def _demo_graph_create(*, production: Production, now) -> None:
    episodes = {}
    for key, title, seconds, cue, synopsis in EPISODES:
        episodes[key] = Episode.objects.create(
            production=production,
            title=title,
            synopsis=synopsis,
            duration_seconds=seconds,
            vote_at_second=cue[0] if cue else None,
            vote_window_seconds=cue[1] if cue else None,
            status=Episode.Status.PUBLISHED,
            published_at=now,
        )
    for position, (source, target, label, is_default) in enumerate(BRANCHES):
        Branch.objects.create(
            source=episodes[source], target=episodes[target], label=label, is_default=is_default, position=position
        )
    production.start_episode = episodes["arrival"]
    production.save(update_fields=["start_episode"])


@transaction.atomic
def demo_seed(*, password: str) -> DemoSummary:
    _user("admin", password, superuser=True)
    producer = _user("producer", password)
    organizer = _user("organizer", password)

    production, created = Production.objects.get_or_create(
        slug=SLUG,
        defaults={
            "owner": producer,
            "title": "The Lantern Keeper",
            "synopsis": "A branching mystery released in stages; the audience decides where it goes.",
        },
    )
    now = timezone.now()
    if created:  # later runs leave the graph alone: the producer may have edited it since
        _demo_graph_create(production=production, now=now)

    venue, _ = Venue.objects.get_or_create(
        owner=organizer, name="Cinema Paradiso", defaults={"city": "Seoul", "seats": 120, "time_zone": "Asia/Seoul"}
    )
    screening = Screening.objects.filter(production=production, venue=venue).first()
    if screening is None:
        screening = Screening.objects.create(
            production=production,
            organizer=organizer,
            venue=venue,
            starts_at=(now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0),
            capacity=120,
            base_price=Decimal("12000"),
            currency="KRW",
            half_price=True,
            status=Screening.Status.ON_SALE,
        )
    tickets = _demo_tickets(screening)
    online = _online_premiere(production=production, organizer=organizer, now=now)
    online_tickets = _demo_tickets(online) if online else None
    return DemoSummary(production, screening, tickets, password, online, online_tickets)


def _demo_tickets(screening: Screening) -> list[Ticket]:
    email, name = DEMO_BUYER
    order = Order.objects.filter(screening=screening, email=email, name=name).order_by("id").first()
    if order is None:
        price = quantize(screening.ticket_price, screening.currency)
        order = Order.objects.create(
            screening=screening,
            email=email,
            name=name,
            total=price * 4,
            currency=screening.currency,
            payment_status=Order.PaymentStatus.PAID,
        )
        for _ticket in range(4):
            Ticket.objects.create(
                order=order,
                screening=screening,
                code=secrets.token_urlsafe(32),
                secret=secrets.token_hex(32),
                kind=Ticket.Kind.HALF,
                price=price,
            )
    return list(order.tickets.order_by("id"))


def _online_premiere(*, production: Production, organizer, now) -> Screening | None:
    """The demo's online screening for the autopilot (voting/live/demo.py starts it): the one live
    or waiting to start, else a new one (once the last one reached an ending)."""
    current = Screening.objects.filter(
        production=production, venue=None, status__in=[Screening.Status.ON_SALE, Screening.Status.LIVE]
    )
    if current.exists():
        return current.order_by("-id").first()
    start = production.start_episode
    if start is None or start.status != Episode.Status.PUBLISHED:
        return None
    return Screening.objects.create(
        production=production,
        organizer=organizer,
        venue=None,
        starts_at=now,
        capacity=500,
        base_price=Decimal("8000"),
        currency="KRW",
        half_price=True,
        status=Screening.Status.ON_SALE,
    )
