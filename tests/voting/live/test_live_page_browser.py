"""The audience's phone page in Chromium: the screening's state in words, and what happens between polls."""

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from screenings.models import Screening
from tests.factories import TicketFactory
from voting.services.polls import poll_open

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SHOTS = "/tmp/ui-shots"
IDLE = "Votes will appear here when the organizer opens one."


@pytest.fixture
def ticket(screening):
    return TicketFactory(order__screening=screening)


def _phone(chromium, url):
    page = chromium.new_context(**PHONE).new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    expect(page.locator("#conn")).to_have_text("Connected")
    return page


def _set_status(screening, status):
    Screening.objects.filter(pk=screening.pk).update(status=status)


def test_status_in_words_and_idle_hint(asgi_server, screening, ticket, chromium):
    screening = Screening.objects.select_related("venue").get(pk=screening.pk)
    starts = screening.starts_at.astimezone(ZoneInfo(screening.venue.time_zone)).strftime("%H:%M")
    page = _phone(chromium, f"{asgi_server}/t/{ticket.code}/live/")

    expect(page.locator("#screening-status")).to_contain_text(f"Not started yet — the screening begins at {starts}")
    expect(page.locator("#idle")).to_have_text(IDLE)
    expect(page.locator("#now-playing")).to_have_text("Nothing yet")
    assert "on_sale" not in page.locator("#audience").inner_text()
    page.screenshot(path=f"{SHOTS}/live-phone-before-start.png", full_page=True)

    for status, text in [("live", "Live"), ("ended", "Ended — thanks for watching"), ("cancelled", "Cancelled")]:
        _set_status(screening, status)
        page.reload()
        expect(page.locator("#conn")).to_have_text("Connected")
        expect(page.locator("#screening-status")).to_have_text(text)
        if status == "live":
            expect(page.locator("#idle")).to_be_visible()
        else:
            expect(page.locator("#idle")).to_be_hidden()
    page.context.close()


def test_idle_hint_gives_way_to_an_open_poll(asgi_server, live_screening, organizer, make_tickets, chromium):
    poll_open(screening=live_screening, duration_seconds=300, by=organizer)
    (ticket,) = make_tickets(1)
    page = _phone(chromium, f"{asgi_server}/t/{ticket.code}/live/")

    expect(page.locator("#screening-status")).to_have_text("Live")
    expect(page.locator("#options button")).to_have_count(2)
    expect(page.locator("#idle")).to_be_hidden()
    box = page.locator("#options button").first.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300  # thumb-sized in the dark
    page.screenshot(path=f"{SHOTS}/live-phone-poll.png", full_page=True)
    page.context.close()
