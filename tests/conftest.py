"""Shared fixtures: API clients, factories' users, and real processes for integration tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from playwright.sync_api import expect as playwright_expect
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from screenings import locking
from tests import processes
from tests.factories import UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Playwright's `expect` waits 5 s by default; a loaded CI machine (two cores, a whole suite) needs
# longer for what arrives by itself (a socket's state, a tally): waiting longer never passes a wrong page.
playwright_expect.set_options(timeout=15_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def side_effects(callbacks: list) -> list:
    """The on-commit callbacks that do something (broadcasts, tasks, e-mails): without the
    bookkeeping record that screenings/locking.py keeps on every transaction."""
    return [callback for callback in callbacks if not isinstance(callback, locking._Held)]


@pytest.fixture(autouse=True)
def _rate_limits_cleared():
    """Rate-limit counters live in the shared Redis: each test starts with none of its own."""
    yield
    from config.ratelimit import _redis

    client = _redis()
    keys = list(client.scan_iter(match=f"{settings.RATE_LIMIT_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_for():
    """client_for(user) -> an APIClient authenticated with the user's token."""
    return _client_for


@pytest.fixture
def producer(db):
    return UserFactory(username="producer1")


@pytest.fixture
def organizer(db):
    return UserFactory(username="organizer1")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgresql") and connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (row locks, concurrent writers); with DATABASE_URL unset `make test` runs it "
            "in a second session on a private PostgreSQL (platform/run.py), or set DATABASE_URL=postgres://..."
        )


# --- Real processes (integration) ---------------------------------------------


@pytest.fixture(scope="session")
def process_log_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("processes")


@pytest.fixture(scope="session")
def _purged_queue():
    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in (settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_DECISIONS_QUEUE):
            conn.default_channel.queue_purge(queue)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, process_log_dir, _purged_queue):
    """A real `celery worker` on this run's queue and test database (session-wide)."""
    worker = processes.celery_worker(process_log_dir)
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def celery_beat_process(django_db_setup, celery_worker_process, process_log_dir):
    """A real `celery beat` sending this project's periodic jobs to this run's queue."""
    beat = processes.celery_beat(process_log_dir)
    yield beat
    beat.stop()


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, process_log_dir):
    """A real uvicorn serving config.asgi on a free port; yields its base URL."""
    proc, base = processes.asgi_server(process_log_dir)
    yield base
    proc.stop()


# --- Browser -------------------------------------------------------------------


@pytest.fixture
def chromium_extra_args() -> list[str]:
    """More Chromium switches for one module's tests (override this fixture there), e.g. a fake camera."""
    return []


@pytest.fixture
def chromium(monkeypatch, chromium_extra_args):
    """Headless Debian Chromium driven by Playwright, for one test.

    Skipped only where Chromium is not installed and REQUIRE_BROWSER is unset
    (CI sets it). Playwright's sync API runs an event loop in this thread and
    Django refuses ORM calls under a running loop, so they are allowed while
    this browser lives; processes started by tests never inherit that
    allowance (tests/processes.py drops it).
    """
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *chromium_extra_args])
        yield browser
        browser.close()
        # Connections opened under the running loop live in its context: close them here,
        # or they outlive the test and block dropping the PostgreSQL test database.
        connections.close_all()


def wait_until(page, expression: str, *, timeout: float = 20.0) -> None:
    """Poll a JavaScript expression until it is truthy. Playwright's wait_for_function builds its
    predicate with eval inside the page, which the Content-Security-Policy (no 'unsafe-eval')
    refuses; page.evaluate runs through the DevTools protocol and is not subject to it."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f}s: {expression}")
        page.wait_for_timeout(100)


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "End the screening for everyone?": yes
    yield page
    context.close()
