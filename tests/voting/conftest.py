"""Fixtures for the voting tests: a production with a decision point, screenings at two venues,
and a stand-in for the live core's `poll_decide` that builds a real decision from stored votes."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from screenings.models import Play, Ticket
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
from voting.ballots import ballots_count, ballots_digest
from voting.models import Decision, Poll
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Playwright's sync API (the session-wide `chromium` fixture) leaves an asyncio loop running in
    the main thread, after which Django refuses every ORM call there as "async unsafe". These tests'
    ORM calls are plain synchronous code on that thread, so allow them, for this folder's tests only
    (the lead may move this beside the `chromium` fixture in tests/conftest.py)."""
    if HERE not in item.path.parents:  # this hook is global: leave other folders alone
        return (yield)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        return (yield)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def decide_poll_from_votes_for_tests(poll: Poll, *, decided_at=None) -> Decision:
    """Test helper, not the product's tally (that is voting/services.py `poll_decide`): counts the stored
    ballots with voting/ballots.py and applies API.md's rule (most votes; ties and empty polls fall to
    the default branch, else the lowest option id)."""
    options = list(poll.episode.branches_out.order_by("id"))
    ballots = list(poll.votes.values_list("receipt", "branch_id"))
    counts = ballots_count(options=[b.id for b in options], ballots=ballots)
    top = max(counts.values())
    leaders = [b for b in options if counts[str(b.id)] == top]
    default = next((b for b in options if b.is_default), None)
    if not ballots:
        winner, reason = default or options[0], Decision.Reason.NO_VOTES
    elif len(leaders) > 1:
        winner, reason = default if default in leaders else leaders[0], Decision.Reason.TIE_BREAK
    else:
        winner, reason = leaders[0], Decision.Reason.MAJORITY
    poll.status = Poll.Status.DECIDED
    poll.save(update_fields=["status"])
    return Decision.objects.create(
        poll=poll,
        branch=winner,
        reason=reason,
        counts=counts,
        total_votes=len(ballots),
        digest=ballots_digest(poll_id=poll.id, ballots=ballots),
        decided_at=decided_at or timezone.now(),
    )


@pytest.fixture
def decide_from_votes():
    return decide_poll_from_votes_for_tests


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
        owner=owner, organizer_a=organizer_a, organizer_b=organizer_b, production=production, start=start,
        left=left, right=right, venue_a=venue_a, venue_b=venue_b, screenings=screenings, online=online,
    )  # fmt: skip
