"""`make screenshots`: the main pages of each role, at phone and desktop sizes, in English and Korean,
into .data/screenshots/ (git ignores .data/). Not part of `make test` (its files are shoot_*.py):
it looks at the product, it asserts nothing beyond the pages loading."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.config.test_csp_browser import PASSWORD, pages_by_user, site  # noqa: F401 (site is a fixture)
from tests.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path(os.environ.get("SCREENSHOTS_DIR", Path(__file__).resolve().parents[2] / ".data" / "screenshots"))
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
LANGUAGES = ["en", "ko"]


def _name(role: str | None, path: str) -> str:
    path = "/".join("code" if len(part) > 30 else part for part in path.split("/"))  # no ticket codes in names
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"{role or 'audience'}-{slug}"


def test_screenshots(asgi_server, site):  # noqa: F811
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    taken = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for language in LANGUAGES:
                for size, viewport in SIZES.items():
                    for role, pages in pages_by_user(site).items():
                        context = browser.new_context(viewport=viewport, is_mobile=size == "phone")
                        context.add_cookies([{"name": "lang", "value": language, "url": asgi_server}])
                        page = context.new_page()
                        page.set_default_timeout(20_000)
                        if role:
                            page.goto(f"{asgi_server}/accounts/login/")
                            page.fill("input[name=username]", role)
                            page.fill("input[name=password]", PASSWORD)
                            page.click("button[type=submit]")
                            page.wait_for_load_state()
                        for path, ready in pages:
                            page.goto(asgi_server + path)
                            expect(page.locator(ready).first).to_be_attached()
                            page.wait_for_timeout(300)
                            folder = OUT / language / size
                            folder.mkdir(parents=True, exist_ok=True)
                            page.screenshot(path=str(folder / f"{_name(role, path)}.png"), full_page=True)
                            taken += 1
                        context.close()
        finally:
            browser.close()
    print(f"\n{taken} screenshots in {OUT}/<language>/<phone|desktop>/")
    assert taken > 0
