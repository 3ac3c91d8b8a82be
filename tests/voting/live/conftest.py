"""Live fixtures: a short film for autopilot runs (episodes of a few seconds)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import BranchFactory, EpisodeFactory, ProductionFactory, ScreeningFactory, TicketFactory


def make_film(producer, organizer, *, online: bool = False, start_seconds: int = 6, cue_at: int = 1):
    """Start (`start_seconds`; its vote cue at `cue_at` for 3 s) → Harbour (the default) or
    Lighthouse (3 s each); Harbour → Ending (2 s); Lighthouse is an ending."""
    production = ProductionFactory(owner=producer)
    start = EpisodeFactory(
        production=production, title="Start", duration_seconds=start_seconds, vote_at_second=cue_at,
        vote_window_seconds=3, published=True,
    )  # fmt: skip
    harbour, lighthouse, ending = (
        EpisodeFactory(production=production, title=title, duration_seconds=seconds, published=True)
        for title, seconds in (("Harbour", 3), ("Lighthouse", 3), ("Ending", 2))
    )
    production.start_episode = start
    production.save()
    to_harbour = BranchFactory(source=start, target=harbour, label="Harbour", is_default=True, position=0)
    to_lighthouse = BranchFactory(source=start, target=lighthouse, label="Lighthouse", position=1)
    BranchFactory(source=harbour, target=ending, label="On")
    screening = ScreeningFactory(production=production, organizer=organizer, **({"venue": None} if online else {}))
    tickets = TicketFactory.create_batch(8, order__screening=screening)
    token, _ = Token.objects.get_or_create(user=organizer)
    return SimpleNamespace(
        screening=screening, tickets=tickets, token=token.key, start=start, harbour=harbour,
        lighthouse=lighthouse, ending=ending, to_harbour=to_harbour, to_lighthouse=to_lighthouse,
    )  # fmt: skip


@pytest.fixture
def film(producer, organizer):
    return make_film(producer, organizer)
