"""A small published story graph and a live screening with tickets, built through factories and services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from screenings.models import Branch, Episode, Screening, Ticket
from screenings.services.live import screening_start
from tests.factories import BranchFactory, EpisodeFactory, ProductionFactory, ScreeningFactory, TicketFactory


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
        start=start, left=left, right=right, ending=ending,
        to_left=BranchFactory(source=start, target=left, label="Go left", is_default=True),
        to_right=BranchFactory(source=start, target=right, label="Go right"),
        to_ending=BranchFactory(source=left, target=ending, label="The end"),
    )  # fmt: skip


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
