"""Every page kind of every role passes axe-core's WCAG 2.1 AA rules in headless Chromium, in English and Korean."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.a11y import axe_available, axe_violations
from tests.config.test_csp_browser import PASSWORD, pages_by_user, site  # noqa: F401 (site is a fixture)
from tests.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Third-party markup we serve but do not write. Swagger UI (a developer tool) nests its operation
# buttons in a clickable summary row; everything else on that page passes (contrast fixed in api-docs.css).
RULES_OFF = {"/api/docs/": ("nested-interactive",)}
ENGLISH_ONLY = {"/api/docs/"}  # Swagger UI speaks only English, and its page says so (<html lang="en">)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_page_kind_has_no_accessibility_violation(asgi_server, site, language):  # noqa: F811
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    axe_available()
    violations: dict[str, list[str]] = {}
    visited = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for username, pages in pages_by_user(site).items():
                context = browser.new_context()
                context.add_cookies([{"name": "lang", "value": language, "url": asgi_server}])
                page = context.new_page()
                page.set_default_timeout(20_000)
                if username:
                    page.goto(f"{asgi_server}/accounts/login/")
                    page.fill("input[name=username]", username)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                for path, ready in pages:
                    page.goto(asgi_server + path)
                    expect(page.locator(ready).first).to_be_attached()
                    page.wait_for_timeout(200)  # late content (sockets, fetches) is checked too
                    expected = "en" if path in ENGLISH_ONLY else language
                    assert page.evaluate("document.documentElement.lang").lower().startswith(expected), path
                    found = axe_violations(page, rules_off=RULES_OFF.get(path, ()))
                    if found:
                        violations[f"{username or 'anonymous'} {path}"] = found
                    visited += 1
                context.close()
        finally:
            browser.close()
    for where, found in violations.items():
        print(where, *found, sep="\n  ")
    assert visited >= 25
    assert violations == {}
