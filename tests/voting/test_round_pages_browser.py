"""The audience page during a release round, in headless Chromium against a real uvicorn."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from tests.voting.conftest import tickets_for
from voting.models import Vote
from voting.services.decisions import poll_decide
from voting.services.rounds import round_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _in_a_thread(work):
    def run():
        try:
            work()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result()


def test_a_phone_votes_in_a_round_and_sees_the_decision_and_release(asgi_server, chromium, world):
    poll = round_open(
        production=world.production,
        episode=world.start,
        by=world.owner,
        closes_at=timezone.now() + timedelta(hours=1),
        release_at=timezone.now() + timedelta(days=1),
    )
    ticket = tickets_for(world.screenings[1], 1)[0]
    online = tickets_for(world.online, 1)[0]
    context = chromium.new_context(**PHONE)
    try:
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        phone.goto(f"{asgi_server}/t/{ticket.code}/")
        phone.click("#join-live")
        expect(phone.locator("#conn")).to_have_text("Connected")
        card = phone.locator(f'#rounds [data-round="{poll.id}"]')
        expect(card.locator(".options button")).to_have_count(2)

        card.locator(".options button >> text=Town").click()
        expect(card.locator(".options button.accepted")).to_have_text("Town")
        expect(card.locator(".bar[data-option] .count")).to_have_text(["0 · 0%", "1 · 100%"])
        assert Vote.objects.get(poll=poll, ticket=ticket).branch_id == world.right.id

        watcher = context.new_page()  # a ticket whose screening did not show the pilot follows, cannot vote
        watcher.goto(f"{asgi_server}/t/{online.code}/live/")
        watcher_card = watcher.locator(f'#rounds [data-round="{poll.id}"]')
        expect(watcher_card.locator(".round-status")).to_contain_text("cannot")
        expect(watcher_card.locator(".options button").first).to_be_disabled()

        _in_a_thread(lambda: poll_decide(poll_id=poll.id))  # broadcasts need a thread without Playwright's loop
        for page in (phone, watcher):
            round_card = page.locator(f'#rounds [data-round="{poll.id}"]')
            expect(round_card.locator(".decision")).to_have_text("Decided: Town (most votes)")
            expect(round_card.locator(".release")).to_contain_text("“Back to town” is released at")
            expect(round_card.locator(f'a[href="/polls/{poll.id}/result/"]')).to_be_visible()
    finally:
        context.close()
