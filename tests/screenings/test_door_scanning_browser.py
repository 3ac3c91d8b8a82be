"""At the door, in Chromium with a fake camera that films a ticket's QR code.

Headless Chromium on Linux has no BarcodeDetector for QR codes, like iPhone Safari and Firefox:
the page must decode the camera frames with the locally served jsQR and check the ticket in.
"""

from __future__ import annotations

import io

import pytest
import segno
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from screenings.models import Ticket
from screenings.qr import ticket_url
from screenings.services.orders import order_place
from tests.factories import EpisodeFactory, ProductionFactory, ScreeningFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH, HEIGHT = 640, 480


def y4m_of(text: str) -> bytes:
    """A one-frame YUV4MPEG2 video (Chromium's fake camera format) of a QR code on white."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    y = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2) * (HEIGHT // 2)  # grey: no colour
    return f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + y + chroma + chroma


@pytest.fixture
def door(db):
    organizer = UserFactory(username="doorkeeper")
    production = ProductionFactory(title="The Lantern Keeper")
    production.start_episode = EpisodeFactory(production=production, title="Arrival", published=True)
    production.save()
    screening = ScreeningFactory(organizer=organizer, production=production)
    order, _ = order_place(screening_id=screening.pk, email="family@example.org", quantity=1)
    return organizer, screening, order.tickets.get()


@pytest.fixture
def chromium_extra_args(door, tmp_path) -> list[str]:
    video = tmp_path / "ticket.y4m"
    video.write_bytes(y4m_of(ticket_url(door[2].code)))
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


def test_a_ticket_held_up_to_the_camera_is_checked_in_without_barcode_detector(asgi_server, chromium, door):
    if not settings.QR_DECODER_SCRIPT:
        pytest.fail("jsQR is not installed (make install runs npm ci)")
    organizer, screening, ticket = door
    context = chromium.new_context(permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{asgi_server}/accounts/login/?next=/box-office/screenings/{screening.pk}/check-in/")
    page.fill("input[name=username]", organizer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url("**/check-in/")

    # The fallback is what runs here: this Chromium decodes no QR codes itself.
    native = page.evaluate(
        "async () => 'BarcodeDetector' in window && (await BarcodeDetector.getSupportedFormats()).includes('qr_code')"
    )
    assert native is False
    start = page.locator("#start-camera")
    expect(start).to_be_visible()
    expect(page.locator("#camera-note")).to_be_hidden()
    start.click()

    expect(page.locator("#result")).to_contain_text("Admitted", timeout=20_000)
    # The order was to pay at the door: the payment step says what to collect, and holds the door.
    expect(page.locator("#collect")).to_be_visible()
    expect(page.locator("#collect-detail")).to_have_text("for 1 ticket of this order")
    assert "6" in page.locator("#collect-amount").inner_text()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CHECKED_IN
    # The camera keeps filming the same code: it is not checked in again at once ("Already checked in").
    page.wait_for_timeout(1500)
    expect(page.locator("#result")).to_contain_text("Admitted")
    expect(page.locator("#admitted")).to_have_text("1")
    page.click("#collected")
    expect(page.locator("#collect")).to_be_hidden()
    expect(page.locator("#code")).to_be_focused()
    context.close()


def test_without_any_decoder_the_camera_button_stays_hidden(asgi_server, page, door):
    organizer, screening, _ = door
    page.route("**/vendor/jsqr/**", lambda route: route.abort())  # as on a machine without npm
    page.goto(f"{asgi_server}/accounts/login/?next=/box-office/screenings/{screening.pk}/check-in/")
    page.fill("input[name=username]", organizer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit], input[type=submit]")
    expect(page.locator("#camera-note")).to_be_visible()
    expect(page.locator("#start-camera")).to_be_hidden()
