"""A scripted screening in headless Chromium: the console, the cinema screen and two audience phones."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from screenings.models import Screening
from tests.conftest import CHROMIUM, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_scripted_screening(
    asgi_server, celery_worker_process, celery_beat_process, screening, organizer, story, make_tickets
):
    # Playwright is started here rather than through the session `chromium` fixture: sync Playwright marks
    # an event loop as running in the main thread while it lives, and Django then refuses ORM calls
    # (the database flush after this transactional test) as "async unsafe".
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    tickets = make_tickets(2)
    screening_id = screening.id
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            _script(asgi_server, chromium, screening_id, organizer, story, tickets)
        finally:
            chromium.close()

    final = Screening.objects.get(pk=screening_id)
    assert final.status == "ended" and final.now_playing_id == story.ending.id
    assert list(final.plays.values_list("episode", flat=True)) == [story.start.id, story.left.id, story.ending.id]


def _script(asgi_server, chromium, screening_id, organizer, story, tickets):
    contexts = []

    def new_page(**options):
        context = chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("dialog", lambda dialog: dialog.accept())  # the console asks before ending
        return page

    try:
        console = new_page()
        console.goto(f"{asgi_server}/accounts/login/?next=/screenings/{screening_id}/console/")
        console.fill("input[name=username]", organizer.username)
        console.fill("input[name=password]", "pass-word-123")
        console.click("button[type=submit], input[type=submit]")
        expect(console.locator("#conn")).to_have_text("connected")
        console.click("#start")
        expect(console.locator("#status")).to_have_text("Live")
        expect(console.locator("#now-playing")).to_have_text("Start")

        screen = new_page(viewport={"width": 1280, "height": 720})
        screen.goto(f"{asgi_server}/screenings/{screening_id}/screen/")
        expect(screen.locator("#episode-title")).to_have_text("Start")
        expect(screen.locator("#join svg")).to_be_visible()

        phones = []
        for ticket in tickets:
            phone = new_page(**PHONE)
            phone.goto(f"{asgi_server}/screenings/{screening_id}/join/")
            phone.fill("input[name=code]", ticket.code)
            phone.click("button[type=submit]")
            expect(phone.locator("#conn")).to_have_text("Connected")
            expect(phone.locator("#now-playing")).to_have_text("Start")
            phones.append(phone)

        # Both phones, not the screen or the console (published every 2 s, polled every 4 s: eventually).
        expect(console.locator("#presence")).to_have_text("2", timeout=20_000)
        console.fill("input[name=duration_seconds]", "6")
        console.click("#open")
        expect(console.locator("#poll-status")).to_contain_text("open")
        for phone in phones:
            expect(phone.locator("#options button")).to_have_count(2)
        expect(screen.locator("#poll")).to_be_visible()

        phones[0].click("#options button >> text=Go right")
        expect(phones[0].locator("#vote-status")).to_contain_text("Vote accepted")
        phones[0].click("#options button >> text=Go left")  # changed vote
        phones[1].click("#options button >> text=Go left")
        for phone in phones:
            expect(phone.locator("#options button.accepted")).to_have_text("Go left")
        # A dropped connection: the phone reconnects by itself and the server's state restores its vote.
        phones[1].evaluate("Live.sockets[0].ws.close()")
        wait_until(phones[1], "Live.sockets[0].connections >= 2")
        expect(phones[1].locator("#conn")).to_have_text("Connected")
        expect(phones[1].locator("#options button.accepted")).to_have_text("Go left")
        phones[1].reload()
        expect(phones[1].locator("#options button.accepted")).to_have_text("Go left")
        expect(screen.locator(f"#bars .bar[data-option='{story.to_left.id}'] .count")).to_have_text("2 · 100%")
        expect(console.locator("#total")).to_have_text("2")

        # The window closes by itself: Celery decides, every page shows it, the screen plays on.
        for phone in phones:
            expect(phone.locator("#decision")).to_contain_text("Decided: Go left", timeout=30_000)
            expect(phone.locator("#now-playing")).to_have_text("Left")
        expect(screen.locator("#episode-title")).to_have_text("Left")
        expect(console.locator("#now-playing")).to_have_text("Left")

        console.click("#advance button >> text=Ending")
        expect(console.locator("#now-playing")).to_have_text("Ending")
        expect(screen.locator("#episode-title")).to_have_text("Ending")
        console.click("#end")
        expect(console.locator("#status")).to_have_text("Ended")
        expect(phones[1].locator("#screening-status")).to_have_text("Ended — thanks for watching")
    finally:
        for context in contexts:
            context.close()
