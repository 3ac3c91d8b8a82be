"""Home page: every upcoming screening has a buy link; live ones are badged."""

import re

import pytest

from screenings.models import Screening
from tests.factories import ScreeningFactory

pytestmark = pytest.mark.django_db


def _card(page: str, screening) -> str:
    return re.search(rf'<li class="card[^"]*" data-screening="{screening.pk}">.*?</li>', page, re.S).group(0)


def test_cards_link_to_buying_and_badge_live_screenings(client, django_assert_max_num_queries):
    upcoming = ScreeningFactory(venue__time_zone="Europe/Paris")
    live = ScreeningFactory(status=Screening.Status.LIVE)
    ended = ScreeningFactory(status=Screening.Status.ENDED)

    with django_assert_max_num_queries(3):
        page = client.get("/").content.decode()

    for screening in (upcoming, live):
        assert f'href="/screenings/{screening.pk}/#buy">Buy tickets</a>' in _card(page, screening)
    assert "Live now" in _card(page, live) and "Live now" not in _card(page, upcoming)
    assert "(Europe/Paris)" in _card(page, upcoming)  # the time as the venue shows it
    assert f'data-screening="{ended.pk}"' not in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width,height", [(390, 844), (1280, 720)])
def test_buy_button_is_a_visible_touch_target(live_server, page, width, height):
    live = ScreeningFactory(status=Screening.Status.LIVE, production__title="The Lantern Keeper")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url)

    card = page.locator(f'[data-screening="{live.pk}"]')
    buy = card.get_by_role("link", name="Buy tickets")
    assert buy.is_visible() and buy.bounding_box()["height"] >= 44
    assert card.locator(".badge.live").inner_text().strip() == "Live now"
    page.screenshot(path=f"/tmp/ui-shots/home-{width}x{height}.png", full_page=True)
    buy.click()
    assert page.url.endswith(f"/screenings/{live.pk}/#buy")
