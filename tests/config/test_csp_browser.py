"""Every page kind answers with a Content-Security-Policy and works under it in headless Chromium."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from screenings.demo import demo_seed
from screenings.models import Ticket
from tests.conftest import CHROMIUM
from tests.factories import PollFactory
from voting.services.decisions import poll_decide

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-demo-123"
EXTERNAL: list[str] = []

# Runs before any page script: every violation the browser reports lands in window.__csp.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def site():
    summary = demo_seed(password=PASSWORD)
    now = timezone.now()
    poll = PollFactory(
        screening=summary.screening,
        episode=summary.production.start_episode,
        opens_at=now - timedelta(minutes=2),
        closes_at=now - timedelta(minutes=1),
    )
    poll_decide(poll_id=poll.id)
    return {
        "screening": summary.screening.id,
        "production": summary.production.id,
        "episode": summary.production.start_episode_id,
        "code": summary.tickets[0].code,
        "order": summary.tickets[0].order.code,
        "poll": poll.id,
    }


def pages_by_user(s: dict) -> dict[str | None, list[tuple[str, str]]]:
    """(path, a selector that only shows once the page works) for every kind of page."""
    sid, pid = s["screening"], s["production"]
    return {
        None: [
            ("/", "h1"),
            ("/accounts/login/", "input[name=username]"),
            (f"/screenings/{sid}/", "#buy"),
            (f"/t/{s['code']}/", "svg"),
            (f"/t/{s['code']}/live/", "#conn[data-state=connected]"),
            (f"/o/{s['order']}/", "#order-tickets"),
            (f"/o/{s['order']}/live/", "#conn[data-state=connected]"),
            (f"/t/{s['code']}/receipts/", "h1"),
            (f"/screenings/{sid}/join/", "input[name=code]"),
            (f"/screenings/{sid}/screen/", "#join svg"),
            (f"/polls/{s['poll']}/result/", ".result-bar-fill"),
            (f"/productions/{pid}/", "h1"),
            ("/api/docs/", ".swagger-ui .opblock"),
            ("/admin/login/", "input[name=username]"),
            ("/no-such-page/", "body"),
        ],
        "organizer": [
            ("/box-office/", "h1"),
            ("/box-office/venues/new/", "input[name=name]"),
            ("/box-office/screenings/new/", "#screening-form"),
            (f"/box-office/screenings/{sid}/", "#ticket-price"),
            (f"/box-office/screenings/{sid}/tickets/", "table"),
            (f"/box-office/screenings/{sid}/check-in/", "#manual"),
            (f"/screenings/{sid}/console/", "#conn[data-state=connected]"),
        ],
        "producer": [
            ("/studio/", "h1"),
            (f"/productions/{pid}/", "#new-episode"),
            (f"/episodes/{s['episode']}/", "h1"),
            (f"/episodes/{s['episode']}/edit/", "form"),
            (f"/productions/{pid}/analytics/", "h1"),
            (f"/productions/{pid}/rounds/new/", "#round-open-form"),
        ],
        "admin": [
            ("/admin/", "#content"),
            ("/admin/screenings/screening/", "#result_list"),
            (f"/admin/screenings/screening/{sid}/change/", "#screening_form"),
        ],
    }


def test_every_page_kind_has_a_csp_and_reports_no_violation(asgi_server, site):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    # Playwright started here, not through the `chromium` fixture: see tests/voting/test_pages_browser.py.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            visited, violations = _visit_all(browser, asgi_server, site)
            refund_asks_first = _refund_confirm_is_asked(browser, asgi_server, site)
        finally:
            browser.close()

    assert visited >= 25
    assert violations == {}
    assert EXTERNAL == []
    assert refund_asks_first
    assert not Ticket.objects.filter(status=Ticket.Status.REFUNDED).exists()  # the dialog was dismissed


def _logged_in_page(browser, base: str, username: str | None):
    context = browser.new_context()
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(20_000)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    # Nothing is loaded from anywhere but the site (no CDN: /api/docs/ works offline).
    page.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else EXTERNAL.append(r.url))
    if username:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
    return context, page, console


def _visit_all(browser, base: str, site: dict) -> tuple[int, dict]:
    visited, violations = 0, {}
    for username, pages in pages_by_user(site).items():
        context, page, console = _logged_in_page(browser, base, username)
        try:
            for path, ready in pages:
                response = page.goto(base + path)
                policy = response.headers.get("content-security-policy", "")
                assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (path, policy)
                expect(page.locator(ready).first).to_be_attached()
                page.wait_for_timeout(150)  # let late scripts (sockets, fetches) run
                found = page.evaluate("window.__csp") + console
                if found:
                    violations[path] = found
                console.clear()
                visited += 1
            if username is None:  # buying works under the policy too: the order page shows QR codes
                page.goto(f"{base}/screenings/{site['screening']}/")
                page.fill("input[name=email]", "csp@example.org")
                page.click("#buy button")
                expect(page.locator("svg").first).to_be_visible()
                if page.evaluate("window.__csp") or console:
                    violations["order-done"] = page.evaluate("window.__csp") + console
                visited += 1
        finally:
            context.close()
    return visited, violations


def _refund_confirm_is_asked(browser, base: str, site: dict) -> bool:
    context, page, _ = _logged_in_page(browser, base, "organizer")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    try:
        page.goto(f"{base}/box-office/screenings/{site['screening']}/tickets/")
        page.locator("form[data-confirm] button").first.click()
        page.wait_for_timeout(300)
    finally:
        context.close()
    return bool(asked) and "Refund" in asked[0]
