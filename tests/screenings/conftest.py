"""Screenings fixtures: a story graph built through services; an organizer's venue and on-sale screening."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from screenings.services import story as services
from tests.factories import EpisodeFactory, ProductionFactory, ScreeningFactory, UserFactory, VenueFactory


@pytest.fixture
def other_producer(db):
    return UserFactory(username="producer2")


@pytest.fixture
def story(producer):
    """arrival → (lighthouse ★ | fair); lighthouse → ending. Nothing published, start = arrival."""
    production = services.production_create(owner=producer, title="The Lantern Keeper", synopsis="A mystery.")
    ep = {
        key: services.episode_create(production=production, actor=producer, title=title, duration_seconds=600)
        for key, title in [
            ("arrival", "Arrival"),
            ("lighthouse", "The Lighthouse"),
            ("fair", "The Fair"),
            ("ending", "The Keeper's Return"),
        ]
    }
    branches = {
        "light": services.branch_create(
            source=ep["arrival"], target=ep["lighthouse"], actor=producer, label="Follow the light", is_default=True
        ),
        "stay": services.branch_create(source=ep["arrival"], target=ep["fair"], actor=producer, label="Stay"),
        "relight": services.branch_create(
            source=ep["lighthouse"], target=ep["ending"], actor=producer, label="Relight"
        ),
    }
    services.production_update(production=production, actor=producer, start_episode=ep["arrival"])
    production.refresh_from_db()
    return SimpleNamespace(production=production, owner=producer, ep=ep, branch=branches)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def group_listener():
    """listen(group, action) -> messages the channel-layer group received while action ran (real Redis)."""

    def listen(group: str, action, *, expect: int = 1, timeout: float = 5.0) -> list[dict]:
        import asyncio

        async def run():
            layer = get_channel_layer()
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
            try:
                await sync_to_async(action)()
                received = []
                try:
                    while len(received) < expect:
                        received.append(await asyncio.wait_for(layer.receive(channel), timeout))
                    # anything beyond what was expected is a bug too: wait briefly for extras
                    received.append(await asyncio.wait_for(layer.receive(channel), 0.5))
                except TimeoutError:
                    pass
                return received
            finally:
                await layer.group_discard(group, channel)

        return async_to_sync(run)()

    return listen


@pytest.fixture
def venue(organizer):
    return VenueFactory(owner=organizer, seats=120)


@pytest.fixture
def screening(organizer, venue):
    return ScreeningFactory(
        organizer=organizer, venue=venue, capacity=100, base_price=Decimal("12.99"), currency="EUR", half_price=True
    )


@pytest.fixture
def production(db):
    """A public production (it has a published episode): any organizer may screen it."""
    production = ProductionFactory()
    EpisodeFactory(production=production, published=True)
    return production


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")
