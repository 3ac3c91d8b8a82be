"""The order link in Chromium: a parent opens it on a phone and votes with each ticket of the order."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from screenings.services.orders import order_place, ticket_refund
from tests.conftest import wait_until
from voting.models import Vote
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SHOTS = "/tmp/ui-shots"


def test_one_phone_votes_with_every_ticket_of_the_order(asgi_server, live_screening, organizer, story, chromium):
    order, _ = order_place(screening_id=live_screening.id, email="parent@example.org", quantity=5)
    tickets = list(order.tickets.order_by("id"))
    ticket_refund(code=tickets[4].code, user=organizer)  # the fifth seat was given back
    poll = poll_open(screening=live_screening, duration_seconds=300, by=organizer)
    choices = ["Go right", "Go left", "Go right", "Go right"]

    page = chromium.new_context(**PHONE).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{asgi_server}/o/{order.code}/")
    expect(page.locator("#order-live")).to_have_text("Vote with all 4 tickets of this order on this phone")
    page.screenshot(path=f"{SHOTS}/order-link.png", full_page=True)
    page.click("#order-live")

    expect(page.locator("#conn")).to_have_text("Connected: 4 of 4 tickets")
    rows = page.locator("#ballots .ballot")
    expect(rows).to_have_count(5)
    expect(page.locator("#order-note")).to_contain_text("votes with the 4 valid tickets of this order")
    refunded = page.locator(".ballot[data-ticket='5']")
    expect(refunded).to_contain_text("Ticket 5 of 5")
    expect(refunded).to_contain_text("Refunded: this ticket does not vote.")
    expect(refunded.locator("button")).to_have_count(0)

    for number, choice in enumerate(choices, start=1):
        row = page.locator(f".ballot[data-ticket='{number}']")
        expect(row).to_contain_text(f"Ticket {number} of 5")
        expect(row).to_contain_text("Not voted yet")
        row.get_by_role("button", name=choice).click()
        expect(row.locator(".ballot-status")).to_have_text(f"Vote accepted: {choice}. It will be counted.")
        expect(row.locator(".receipt code")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    page.screenshot(path=f"{SHOTS}/order-phone-voted.png", full_page=True)

    shown = [page.locator(f".ballot[data-ticket='{n}'] .receipt").get_attribute("data-receipt") for n in range(1, 5)]
    stored = dict(Vote.objects.filter(poll=poll).values_list("ticket_id", "receipt"))
    assert shown == [stored[t.id] for t in tickets[:4]] and len(set(shown)) == 4  # each ticket once, its own receipt
    assert Vote.objects.filter(poll=poll, branch=story.to_right).count() == 3

    page.reload()  # a reconnect restores each ticket's vote and receipt
    expect(page.locator("#conn")).to_have_text("Connected: 4 of 4 tickets")
    for number, receipt in enumerate(shown, start=1):
        expect(page.locator(f".ballot[data-ticket='{number}'] .receipt code")).to_have_text(receipt)

    with ThreadPoolExecutor(1) as pool:  # off Playwright's thread: its event loop would refuse the broadcast
        pool.submit(_decide, poll.id).result()
    expect(page.locator("#decision")).to_contain_text("Decided: Go right")
    wait_until(page, "document.querySelectorAll('.ballot .receipt a').length === 4")
    href = page.locator(".ballot[data-ticket='1'] .receipt a").get_attribute("href")
    assert href == f"/polls/{poll.id}/result/?receipt={shown[0]}"
    page.context.close()


def _decide(poll_id: int) -> None:
    try:
        poll_decide(poll_id=poll_id)
    finally:
        connection.close()
