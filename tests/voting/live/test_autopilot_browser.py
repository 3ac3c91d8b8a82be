"""One clock for every screen, in headless Chromium: two cinema screens of one autopilot screening,
one opened mid-episode, show the same position and switch to the winner together; an online
viewer's page plays the film in sync and votes under the picture."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from screenings.models import Play
from tests.conftest import CHROMIUM
from tests.voting.live.conftest import make_film
from voting.models import Decision

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--autoplay-policy=no-user-gesture-required",
]


def _start(base: str, film) -> dict:
    request = urllib.request.Request(
        f"{base}/api/screenings/{film.screening.id}/start/", data=json.dumps({"autopilot": True}).encode(),
        method="POST", headers={"Content-Type": "application/json", "Authorization": f"Token {film.token}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _position(page) -> float:
    return float(page.locator("#stage").get_attribute("data-position") or 0)


def _browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    pw = sync_playwright().start()
    return pw, pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)


@pytest.fixture
def live_platform(asgi_server, celery_worker_process, celery_beat_process):
    return asgi_server


def test_two_screens_show_the_same_frame_and_switch_together(live_platform, producer, organizer):
    film = make_film(producer, organizer, start_seconds=9, cue_at=4)
    pw, chromium = _browser()
    try:
        first = chromium.new_page()
        first.goto(f"{live_platform}/screenings/{film.screening.id}/screen/")
        expect(first.locator("#conn")).to_be_hidden()  # connected
        _start(live_platform, film)
        expect(first.locator("#stage")).to_have_attribute("data-episode", str(film.start.id))
        time.sleep(2.0)
        late = chromium.new_page()  # opened mid-episode: joins at the right frame
        late.goto(f"{live_platform}/screenings/{film.screening.id}/screen/")
        expect(late.locator("#stage")).to_have_attribute("data-episode", str(film.start.id))
        late.wait_for_timeout(1500)  # a few clock samples (pings)

        before, mid, after = _position(first), _position(late), _position(first)
        print(f"\nscreens: first at {before:.2f}–{after:.2f} s, the late one at {mid:.2f} s")
        assert before - 0.5 <= mid <= after + 0.5
        assert mid > 2.0  # it did not start from the beginning

        expect(first.locator("#poll")).to_be_visible(timeout=20_000)  # the cue opened the vote on both
        expect(late.locator("#poll")).to_be_visible()
        winner = film.harbour.id  # nobody votes: the default
        expect(first.locator("#stage")).to_have_attribute("data-episode", str(winner), timeout=30_000)
        expect(late.locator("#stage")).to_have_attribute("data-episode", str(winner), timeout=5_000)
        a, b, a2 = _position(first), _position(late), _position(first)
        print(f"after the switch: first at {a:.2f}–{a2:.2f} s, the late one at {b:.2f} s")
        assert a - 0.5 <= b <= a2 + 0.5
        expect(first.locator("#end-card")).to_be_visible(timeout=30_000)  # Harbour → Ending → the end
        expect(late.locator("#end-card")).to_be_visible()
    finally:
        chromium.close()
        pw.stop()
    started = list(
        Play.objects.filter(screening=film.screening).order_by("started_at").values_list("episode", flat=True)
    )
    assert started == [film.start.id, film.harbour.id, film.ending.id]


def test_an_online_viewer_watches_in_sync_and_votes_under_the_picture(live_platform, producer, organizer):
    film = make_film(producer, organizer, online=True, start_seconds=9, cue_at=3)
    ticket = film.tickets[0]
    pw, chromium = _browser()
    try:
        phone = chromium.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone.goto(f"{live_platform}/t/{ticket.code}/live/")
        expect(phone.locator("#conn")).to_have_text("Connected")
        _start(live_platform, film)
        expect(phone.locator("#stage")).to_have_attribute("data-episode", str(film.start.id))
        phone.wait_for_timeout(1000)
        first = _position(phone)
        phone.wait_for_timeout(1000)
        assert _position(phone) > first  # it plays
        expect(phone.locator("#options button")).to_have_count(2, timeout=20_000)
        phone.locator("#options button", has_text="Lighthouse").click()
        expect(phone.locator("#vote-status")).to_contain_text("accepted")
        expect(phone.locator("#stage")).to_have_attribute("data-episode", str(film.lighthouse.id), timeout=30_000)
    finally:
        chromium.close()
        pw.stop()
    assert Decision.objects.get(poll__screening=film.screening).branch_id == film.to_lighthouse.id
