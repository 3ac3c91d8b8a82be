"""Voting fixtures: a small published story graph and a live screening with tickets; a production
shown at three screenings in two venues (`world`) for release rounds and results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from screenings.models import Branch, Episode, Play, Screening, Ticket
from tests.factories import (
    BranchFactory,
    EpisodeFactory,
    OrderFactory,
    ProductionFactory,
    ScreeningFactory,
    TicketFactory,
    UserFactory,
    VenueFactory,
)
from voting.live.services import screening_start
from voting.models import Decision, Poll
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open
from voting.services.votes import vote_cast


@dataclass
class Story:
    start: Episode  # decision point: left (default) or right
    left: Episode
    right: Episode
    ending: Episode  # after left
    to_left: Branch
    to_right: Branch
    to_ending: Branch


@pytest.fixture
def story(db, producer) -> Story:
    production = ProductionFactory(owner=producer)
    start, left, right, ending = (
        EpisodeFactory(production=production, title=title, published=True)
        for title in ("Start", "Left", "Right", "Ending")
    )
    production.start_episode = start
    production.save()
    return Story(
        start=start,
        left=left,
        right=right,
        ending=ending,
        to_left=BranchFactory(source=start, target=left, label="Go left", is_default=True),
        to_right=BranchFactory(source=start, target=right, label="Go right"),
        to_ending=BranchFactory(source=left, target=ending, label="The end"),
    )


@pytest.fixture
def screening(story, organizer) -> Screening:
    return ScreeningFactory(production=story.start.production, organizer=organizer)


@pytest.fixture
def live_screening(screening, organizer, django_capture_on_commit_callbacks) -> Screening:
    with django_capture_on_commit_callbacks(execute=True):
        return screening_start(screening=screening, by=organizer)


@pytest.fixture
def make_tickets(screening):
    def make(n: int, *, for_screening: Screening | None = None, **kwargs) -> list[Ticket]:
        return TicketFactory.create_batch(n, order__screening=for_screening or screening, **kwargs)

    return make


@pytest.fixture(autouse=True)
def _fresh_live_counts():
    """Rolled-back tests reuse poll ids; the Redis counters of an earlier test must not leak in."""
    from voting import tally

    r = tally.client()
    keys = list(r.scan_iter(match=tally.counts_key(0).rsplit(":", 1)[0] + ":*", count=1000))
    if keys:
        r.delete(*keys)
    yield


@pytest.fixture
def decide_poll():
    """decide_poll(poll) -> Decision: the product's tally (voting.services.poll_decide), effects included."""

    def decide(poll: Poll) -> Decision:
        return poll_decide(poll_id=poll.id)

    return decide


def tickets_for(screening, n: int, *, status=Ticket.Status.VALID) -> list[Ticket]:
    order = OrderFactory(screening=screening)
    extra = {"checked_in_at": timezone.now()} if status == Ticket.Status.CHECKED_IN else {}
    return [TicketFactory(order=order, status=status, **extra) for _ in range(n)]


@pytest.fixture
def world(db):
    """A production whose published start episode branches two ways, shown at three screenings
    in two venues (all played the start episode) and one online screening."""
    owner = UserFactory(username="maker")
    organizer_a, organizer_b = UserFactory(username="org-a"), UserFactory(username="org-b")
    production = ProductionFactory(owner=owner, title="The Long Night")
    start = EpisodeFactory(production=production, title="Pilot", published=True)
    production.start_episode = start
    production.save(update_fields=["start_episode"])
    left_target = EpisodeFactory(production=production, title="Into the forest")
    right_target = EpisodeFactory(production=production, title="Back to town")
    left = BranchFactory(source=start, target=left_target, label="Forest", position=0, is_default=True)
    right = BranchFactory(source=start, target=right_target, label="Town", position=1)
    venue_a = VenueFactory(owner=organizer_a, name="Cinema Aurora")
    venue_b = VenueFactory(owner=organizer_b, name="Busan Hall")
    screenings = [
        ScreeningFactory(production=production, organizer=organizer_a, venue=venue_a),
        ScreeningFactory(production=production, organizer=organizer_a, venue=venue_a),
        ScreeningFactory(production=production, organizer=organizer_b, venue=venue_b),
    ]
    for s in screenings:
        Play.objects.create(screening=s, episode=start, started_at=timezone.now() - timedelta(hours=1))
    online = ScreeningFactory(production=production, organizer=organizer_b, venue=None)
    return SimpleNamespace(
        owner=owner,
        organizer_a=organizer_a,
        organizer_b=organizer_b,
        production=production,
        start=start,
        left=left,
        right=right,
        venue_a=venue_a,
        venue_b=venue_b,
        screenings=screenings,
        online=online,
    )


@pytest.fixture
def open_poll(live_screening, organizer, django_capture_on_commit_callbacks):
    """A live poll on the screening's first decision point, its on-commit effects run."""
    with django_capture_on_commit_callbacks(execute=True):
        return poll_open(screening=live_screening, duration_seconds=30, by=organizer)


def cast_on_commit(poll, ticket, branch, capture):
    """vote_cast, with its on-commit effects (live counters) run: `capture` is django_capture_on_commit_callbacks."""
    with capture(execute=True):
        return vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=branch.id)
