"""Ticketing fixtures: an organizer's venue and an on-sale half-price screening."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import CHROMIUM
from tests.factories import ProductionFactory, ScreeningFactory, UserFactory, VenueFactory


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
    return ProductionFactory()


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def door_browser(monkeypatch):
    """Headless Chromium for one test. Playwright's sync API runs an event loop in this thread,
    and Django refuses ORM calls under a running loop: allow them only while this browser lives
    (a session-wide allowance would leak into subprocesses and `check --deploy`)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()
        # Connections opened under the running loop live in its context: close them here,
        # or they outlive the test and block dropping the PostgreSQL test database.
        connections.close_all()
