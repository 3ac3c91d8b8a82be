"""Voting on a phone in Chromium, as a real screening goes: keyboard voting keeps its place, bars grow in
place with their share, the decision stops the countdown and takes the idle box's place, a vote on a
silently dead connection says so, and a refunded ticket's page says why it cannot vote."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from screenings.services.orders import ticket_refund
from tests.conftest import wait_until
from voting.models import Vote
from voting.services.polls import poll_close_early, poll_open

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _off_the_browser_thread(fn, **kwargs):
    """Run a service as another process would: sync Playwright keeps an event loop in this thread,
    where the service's after-commit broadcast (async_to_sync) cannot run."""

    def call():
        try:
            return fn(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def _phone(chromium, url, errors: list | None = None):
    page = chromium.new_context(**PHONE).new_page()
    page.set_default_timeout(15_000)
    if errors is not None:
        page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page


def test_keyboard_voting_bars_in_place_and_the_decision(
    asgi_server, celery_worker_process, live_screening, organizer, story, make_tickets, chromium
):
    poll = poll_open(screening=live_screening, duration_seconds=1032, by=organizer)  # a long window: m:ss
    mine, other = make_tickets(2)
    errors: list[str] = []
    phone = _phone(chromium, f"{asgi_server}/t/{mine.code}/live/", errors)
    expect(phone.locator("#conn")).to_have_text("Connected")
    expect(phone.locator("#countdown")).to_have_text(re.compile(r"^1[67]:\d\d$"))  # 17:12, not "1032s"

    # Keyboard only: focus the first choice, Tab to the second, Space votes for it.
    phone.locator("#options button").first.focus()
    phone.keyboard.press("Tab")
    phone.keyboard.press("Space")
    expect(phone.locator("#vote-status")).to_contain_text("Vote accepted")
    expect(phone.locator("#announce")).to_contain_text("Vote accepted: Go right")
    phone.evaluate("window.__row = document.querySelector('#bars .bar')")

    # Another phone votes: the tally arrives, the bars change in place, focus stays where it was.
    second = _phone(chromium, f"{asgi_server}/t/{other.code}/live/")
    expect(second.locator("#conn")).to_have_text("Connected")
    second.click("#options button >> text=Go left")
    expect(phone.locator(f"#bars .bar[data-option='{story.to_left.id}'] .count")).to_have_text("1 · 50%")
    assert phone.evaluate("window.__row.isConnected")  # the same element, updated: its width animates
    assert phone.evaluate("document.activeElement.dataset.option") == str(story.to_right.id)
    phone.keyboard.press("Shift+Tab")
    phone.keyboard.press("Space")  # and the keyboard goes on working from there
    expect(phone.locator("#options button.accepted")).to_have_text("Go left")
    wait_until(
        phone,
        f"document.querySelector('#bars .bar[data-option=\"{story.to_left.id}\"] .count').textContent === '2 · 100%'",
    )

    _off_the_browser_thread(poll_close_early, poll=poll, by=organizer)
    expect(phone.locator("#decision")).to_contain_text("Decided: Go left")
    expect(phone.locator("#countdown")).to_have_text("")  # stopped with the decision
    phone.wait_for_timeout(1200)
    expect(phone.locator("#countdown")).to_have_text("")
    expect(phone.locator("#idle")).to_be_hidden()  # the result is not pushed below the fold
    expect(phone.locator(f"#bars .bar.winner[data-option='{story.to_left.id}']")).to_be_visible()
    expect(phone.locator("#announce")).to_contain_text("Decided: Go left")
    decision_box = phone.locator("#decision").bounding_box()
    assert decision_box["y"] + decision_box["height"] <= 844  # visible without scrolling on a phone
    assert Vote.objects.filter(poll=poll).count() == 2
    assert errors == []


def test_a_vote_on_a_silently_dead_connection_says_so_and_recovers(
    asgi_server, live_screening, organizer, story, make_tickets, chromium
):
    poll = poll_open(screening=live_screening, duration_seconds=300, by=organizer)
    (ticket,) = make_tickets(1)
    phone = _phone(chromium, f"{asgi_server}/t/{ticket.code}/live/")
    expect(phone.locator("#conn")).to_have_text("Connected")

    phone.evaluate("Live.sockets[0].ws.send = () => {}")  # the frame goes nowhere, the socket looks open
    phone.click("#options button >> text=Go right")
    expect(phone.locator("#vote-status")).to_have_text("Sending…")
    expect(phone.locator("#vote-status")).to_contain_text("No answer from the server", timeout=15_000)
    wait_until(phone, "Live.sockets[0].connections >= 2")  # it reconnected by itself
    expect(phone.locator("#conn")).to_have_text("Connected")

    phone.click("#options button >> text=Go right")
    expect(phone.locator("#vote-status")).to_contain_text("Vote accepted")
    assert Vote.objects.get(poll=poll).branch_id == story.to_right.id


def test_a_refunded_ticket_says_so_before_and_during_the_screening(
    asgi_server, live_screening, organizer, make_tickets, chromium
):
    poll_open(screening=live_screening, duration_seconds=300, by=organizer)
    refunded, later = make_tickets(2)
    ticket_refund(code=refunded.code, user=organizer)
    errors: list[str] = []

    page = _phone(chromium, f"{asgi_server}/t/{refunded.code}/live/", errors)
    expect(page.locator("#refunded-note")).to_contain_text("This ticket was refunded")
    assert "Votes will appear here" not in page.locator("body").inner_text()
    assert page.locator("#options button").count() == 0

    # Refunded while its page is open: the next vote is refused and the page says why, nothing else.
    phone = _phone(chromium, f"{asgi_server}/t/{later.code}/live/", errors)
    expect(phone.locator("#conn")).to_have_text("Connected")
    _off_the_browser_thread(ticket_refund, code=later.code, user=organizer)
    phone.click("#options button >> text=Go left")
    expect(phone.locator("#closed-note")).to_contain_text("This ticket cannot vote")
    expect(phone.locator("#poll")).to_be_hidden()
    expect(phone.locator("#idle")).to_be_hidden()
    assert errors == []
