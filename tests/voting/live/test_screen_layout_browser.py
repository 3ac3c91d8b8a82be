"""The cinema screen's layout in Chromium: the join QR shows whole; the controls never cover the poll."""

import re

import pytest
from playwright.sync_api import expect

from voting.services.polls import poll_open

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/ui-shots"


def _intersects(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.fixture
def open_poll(live_screening, organizer):
    return poll_open(screening=live_screening, duration_seconds=300, by=organizer)


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_qr_whole_and_sound_button_clear_of_the_poll(asgi_server, live_screening, open_poll, chromium, width, height):
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{asgi_server}/screenings/{live_screening.id}/screen/")
    expect(page.locator("#poll")).to_be_visible()
    expect(page.locator("#bars .bar")).to_have_count(2)
    page.mouse.move(width / 2, height / 2)  # the controls show while the mouse moves
    expect(page.locator("#unmute")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/screen-{width}x{height}.png")

    qr = page.locator("#join svg").bounding_box()
    assert qr["x"] >= 0 and qr["y"] >= 0
    assert qr["x"] + qr["width"] <= width and qr["y"] + qr["height"] <= height
    view_box = page.locator("#join svg").get_attribute("viewBox").split()
    aspect = float(view_box[2]) / float(view_box[3])
    assert qr["width"] == pytest.approx(qr["height"] * aspect, abs=1)
    assert qr["height"] >= 0.25 * height  # large enough to scan from the seats
    # Nothing clips the SVG: its box lies inside the panel that holds it.
    panel = page.locator("#join").bounding_box()
    assert panel["x"] <= qr["x"] and qr["x"] + qr["width"] <= panel["x"] + panel["width"]
    assert panel["x"] + panel["width"] <= width

    poll_box = page.locator("#poll").bounding_box()
    for control in ("#unmute", "#fullscreen"):
        assert not _intersects(page.locator(control).bounding_box(), poll_box), control
    assert not _intersects(qr, poll_box)

    # The controls fade once the mouse rests, and come back when it moves.
    expect(page.locator("#corner")).to_have_class(re.compile(r"\bidle\b"), timeout=8_000)
    expect(page.locator("#controls")).to_have_css("opacity", "0")
    page.mouse.move(10, 10)
    expect(page.locator("#controls")).to_have_css("opacity", "1")
    context.close()
