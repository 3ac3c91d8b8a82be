"""In Chromium: an organizer creates a venue and a half-price screening, sees it listed, opens its console."""

import pytest
from playwright.sync_api import expect

from screenings.models import Screening
from tests.factories import EpisodeFactory, ProductionFactory, ScreeningFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/ui-shots"


@pytest.fixture
def playable(db):
    production = ProductionFactory(title="The Lantern Keeper")
    production.start_episode = EpisodeFactory(production=production, title="Arrival", published=True)
    production.save()
    return production


def test_organizer_creates_venue_and_half_price_screening(asgi_server, page, playable):
    organizer = UserFactory(username="boxoffice")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{asgi_server}/accounts/login/?next=/box-office/")
    page.fill("input[name=username]", organizer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit], input[type=submit]")
    expect(page.locator("h1")).to_have_text("Box office")

    page.click("text=New venue")
    page.fill("input[name=name]", "Rex")
    page.fill("input[name=city]", "Paris")
    page.fill("input[name=seats]", "120")
    page.select_option("select[name=time_zone]", "Europe/Paris")
    page.click("button[type=submit].primary")
    expect(page.locator(".venues")).to_contain_text("Rex, Paris · 120 seats · Europe/Paris")

    page.click("text=New screening")
    page.select_option("select[name=production]", label="The Lantern Keeper")
    page.select_option("select[name=venue]", label="Rex")
    page.fill("input[name=starts_at]", "2026-12-24T20:30")
    page.fill("input[name=capacity]", "200")  # more than the seats: refused next to the field
    page.fill("input[name=base_price]", "12.99")
    page.check("input[name=half_price]")
    expect(page.locator("#ticket-price")).to_have_text("Ticket price: €6.50")
    page.screenshot(path=f"{SHOTS}/screening-form.png", full_page=True)
    page.click("button[type=submit].primary")
    expect(page.locator(".errorlist")).to_contain_text("At most 120 (the venue's seats).")
    page.fill("input[name=capacity]", "100")
    page.check("input[name=half_price]")  # checkboxes are re-rendered from the posted form: still on
    page.click("button[type=submit].primary")

    screening = Screening.objects.get(organizer=organizer)
    row = page.locator(f'tr[data-screening="{screening.pk}"]')
    expect(row.locator(".seats-left")).to_have_text("100")
    expect(row).to_contain_text("6.50")
    expect(row).to_contain_text("Thu 24 Dec 2026, 20:30 (Europe/Paris)")
    page.screenshot(path=f"{SHOTS}/box-office.png", full_page=True)

    row.locator("text=Console").click()
    expect(page).to_have_url(f"{asgi_server}/screenings/{screening.pk}/console/")
    expect(page.locator("#conn")).to_have_text("connected")


def test_box_office_on_a_phone_needs_no_sideways_scrolling(live_server, page, playable):
    organizer = UserFactory(username="phoneoffice")
    screening = ScreeningFactory(organizer=organizer, production=playable)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/?next=/box-office/")
    page.fill("input[name=username]", organizer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit], input[type=submit]")
    # Measure the box office once it has loaded with its stylesheet, not the login page it replaces.
    page.wait_for_url(f"{live_server.url}/box-office/")
    page.wait_for_load_state("load")

    row = page.locator(f'tr[data-screening="{screening.pk}"]')
    for link in ("Tickets", "Check-in", "Console", "Screen"):
        box = row.get_by_role("link", name=link, exact=True).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, link
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
