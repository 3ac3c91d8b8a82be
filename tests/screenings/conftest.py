"""Story-graph fixtures: a production with a decision point, built through services."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from screenings.services import story as services
from tests.factories import UserFactory


@pytest.fixture
def other_producer(db):
    return UserFactory(username="producer2")


@pytest.fixture
def story(producer):
    """arrival → (lighthouse ★ | fair); lighthouse → ending. Nothing published, start = arrival."""
    production = services.production_create(owner=producer, title="The Lantern Keeper", synopsis="A mystery.")
    ep = {
        key: services.episode_create(production=production, actor=producer, title=title, duration_seconds=600)
        for key, title in [("arrival", "Arrival"), ("lighthouse", "The Lighthouse"), ("fair", "The Fair"),
                           ("ending", "The Keeper's Return")]
    }  # fmt: skip
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
def own_chromium(asgi_server):
    """A headless Chromium for this test only; request it after every fixture that writes data.

    Not the session-wide `chromium`: Playwright's sync API keeps an event loop
    running in this thread for as long as it lives, so Django refuses ORM calls
    (SynchronousOnlyOperation) in every later test of the session. Here the
    loop ends with the test. The test body must not use the ORM meanwhile:
    it would also run in Playwright's greenlet, on a connection of its own
    that nothing closes.
    """
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{chromium} is missing and REQUIRE_BROWSER is set")
        pytest.skip(f"{chromium} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()
