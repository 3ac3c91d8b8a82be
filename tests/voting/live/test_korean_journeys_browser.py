"""Each role's main journey in Korean, in Chromium, with axe-core on every page it visits: the audience
joins and votes until the decision, the organizer admits a ticket at the door and opens the console,
the producer publishes an episode. The words come from the catalogues (Hangul, not the English text)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.a11y import axe_violations
from tests.conftest import wait_until
from tests.factories import EpisodeFactory
from voting.services.polls import poll_close_early, poll_open

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _off_the_browser_thread(fn, **kwargs):
    """A service run as another process would run it (sync Playwright owns this thread's event loop)."""

    def call():
        try:
            return fn(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def _korean(chromium, base: str, **options):
    context = chromium.new_context(**options)
    context.add_cookies([{"name": "lang", "value": "ko", "url": base}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _checked(page, where: str, problems: dict) -> None:
    """The page speaks Korean and passes WCAG 2.1 AA."""
    assert page.evaluate("document.documentElement.lang") == "ko", where
    found = axe_violations(page)
    if found:
        problems[where] = found


def _login(page, base: str, user, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")


def test_the_audience_joins_votes_and_sees_the_decision_in_korean(
    asgi_server, live_screening, organizer, story, make_tickets, chromium
):
    (ticket,) = make_tickets(1)
    poll = poll_open(screening=live_screening, duration_seconds=300, by=organizer)
    problems: dict = {}
    phone = _korean(chromium, asgi_server, **PHONE)

    phone.goto(f"{asgi_server}/t/{ticket.code}/")
    _checked(phone, "ticket page", problems)
    phone.click("#join-live")
    expect(phone.locator("#conn")).to_have_text(HANGUL)  # "연결됨", from the JavaScript catalogue
    _checked(phone, "live page, poll open", problems)
    phone.click(f"#options button[data-option='{story.to_right.id}']")
    expect(phone.locator("#vote-status")).to_have_text(HANGUL)
    assert "Vote accepted" not in phone.locator("#vote-status").inner_text()

    # The cinema screen of the same screening speaks Korean too, and shows the poll.
    screen = _korean(chromium, asgi_server, viewport={"width": 1920, "height": 1080})
    screen.goto(f"{asgi_server}/screenings/{live_screening.id}/screen/")
    with translation.override("ko"):
        expect(screen.locator("#join .join-title")).to_have_text(gettext("Vote on your phone"))
    expect(screen.locator("#bars .bar")).to_have_count(2)
    _checked(screen, "cinema screen", problems)

    # A dropped connection: the phone reconnects by itself and keeps its vote.
    phone.evaluate("Live.sockets[0].ws.close()")
    wait_until(phone, "Live.sockets[0].connections >= 2")
    expect(phone.locator("#conn[data-state=connected]")).to_be_attached()
    expect(phone.locator(f"#options button.accepted[data-option='{story.to_right.id}']")).to_be_attached()

    _off_the_browser_thread(poll_close_early, poll=poll, by=organizer)
    expect(phone.locator("#decision")).to_contain_text("Go right")
    expect(screen.locator("#decision")).to_contain_text("Go right")
    assert HANGUL.search(phone.locator("#decision").inner_text())
    _checked(phone, "live page, decided", problems)

    phone.goto(f"{asgi_server}/polls/{poll.id}/result/")
    with translation.override("ko"):
        expect(phone.locator("h1")).to_have_text(gettext("Result of poll %(id)s") % {"id": poll.id})
    _checked(phone, "result page", problems)
    assert problems == {}


def test_the_organizer_admits_a_ticket_and_opens_the_console_in_korean(asgi_server, screening, organizer, chromium):
    problems: dict = {}
    buyer = _korean(chromium, asgi_server, **PHONE)  # the sale, in Korean: the buy page and the order
    buyer.goto(f"{asgi_server}/screenings/{screening.pk}/")
    _checked(buyer, "buy page", problems)
    buyer.fill("input[name=email]", "gajok@example.kr")
    buyer.fill("input[name=quantity]", "2")
    buyer.click("#buy button.primary")
    expect(buyer.locator("h1")).to_have_text(HANGUL)
    _checked(buyer, "order done", problems)
    order = screening.orders.get(email="gajok@example.kr")
    ticket = order.tickets.first()
    page = _korean(chromium, asgi_server)

    _login(page, asgi_server, organizer, "/box-office/")
    with translation.override("ko"):
        expect(page.locator("h1")).to_have_text(gettext("Box office"))
    _checked(page, "box office", problems)
    page.goto(f"{asgi_server}/box-office/screenings/{screening.pk}/tickets/")
    _checked(page, "tickets", problems)
    page.goto(f"{asgi_server}/box-office/screenings/{screening.pk}/check-in/")
    page.wait_for_load_state()
    page.fill("#code", ticket.code)
    page.press("#code", "Enter")
    expect(page.locator("#result.ok")).to_have_text(HANGUL)
    expect(page.locator("#collect")).to_be_visible()  # the payment step, in Korean and in won or euros
    assert HANGUL.search(page.locator("#collect-detail").inner_text())
    _checked(page, "door, payment step", problems)
    page.click("#collected")

    page.goto(f"{asgi_server}/screenings/{screening.pk}/console/")
    expect(page.locator("#status")).to_have_text(HANGUL)  # the status in words, in Korean
    _checked(page, "console", problems)
    assert problems == {}


def test_the_producer_publishes_an_episode_in_korean(asgi_server, story, producer, chromium):
    draft = EpisodeFactory(production=story.start.production, title="외전")
    problems: dict = {}
    page = _korean(chromium, asgi_server)

    _login(page, asgi_server, producer, "/studio/")
    _checked(page, "studio", problems)
    page.goto(f"{asgi_server}/productions/{story.start.production_id}/")
    _checked(page, "production", problems)
    page.goto(f"{asgi_server}/episodes/{story.left.pk}/")
    _checked(page, "episode", problems)
    page.goto(f"{asgi_server}/episodes/{draft.pk}/edit/")
    _checked(page, "episode form", problems)
    page.goto(f"{asgi_server}/productions/{story.start.production_id}/")
    page.click(f"button[data-publish='{draft.pk}']")
    # A draft no branch reaches is refused, and the refusal is in Korean too.
    expect(page.locator(".message.error")).to_have_text(HANGUL)
    assert problems == {}
