"""Times in the venue's time zone, in the active language's formats (screenings/localtime.py):
the start of a screening on every page, check-in times on the ticket and at the door."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from config.errors import AlreadyCheckedIn
from screenings.services.orders import ticket_check_in
from tests.config.test_catalogues import compiled  # noqa: F401 (the fixture: .mo files built)
from tests.factories import ScreeningFactory, TicketFactory, VenueFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled")]
STARTS = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # 19:30 in Seoul
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def seoul_screening():
    venue = VenueFactory(time_zone="Asia/Seoul")
    return ScreeningFactory(venue=venue, organizer=venue.owner, starts_at=STARTS)


def render(source: str, **context) -> str:
    return Template("{% load venue_time %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Tuesday 1 December 2026, 19:30 (Asia/Seoul)"), ("ko", "2026년 12월 1일 오후 7:30 (Asia/Seoul)"),
     ("zh-hant", "2026年12月1日 19:30 (Asia/Seoul)"), ("zh-hans", "2026年12月1日 19:30 (Asia/Seoul)")],
)  # fmt: skip
def test_a_screening_starts_at_the_venues_time_in_the_languages_format(seoul_screening, lang, expected):
    with translation.override(lang):
        assert render("{{ s|starts_local }}", s=seoul_screening) == expected


def test_an_online_screening_is_in_utc(seoul_screening):
    seoul_screening.venue = None
    with translation.override("en"):
        assert render('{{ s|starts_local:"H:i" }}', s=seoul_screening) == "10:30 (UTC)"


def test_a_second_scan_says_the_first_one_in_the_venues_time_and_language(seoul_screening):
    ticket = TicketFactory(order__screening=seoul_screening)
    first = ticket_check_in(code=ticket.code, user=seoul_screening.organizer)
    local = first.checked_in_at.astimezone(SEOUL)
    with translation.override("ko"), pytest.raises(AlreadyCheckedIn) as refused:
        ticket_check_in(code=ticket.code, user=seoul_screening.organizer)
    assert refused.value.code == "already_checked_in"
    assert refused.value.message.endswith(f"{local.minute:02d} (Asia/Seoul)에 이미 입장 확인되었습니다.")
    with translation.override("en"), pytest.raises(AlreadyCheckedIn) as refused:
        ticket_check_in(code=ticket.code, user=seoul_screening.organizer)
    assert refused.value.message == f"Already checked in at {local:%H:%M:%S} (Asia/Seoul)."


def test_the_ticket_page_shows_the_check_in_in_the_venues_time(client, seoul_screening):
    ticket = TicketFactory(order__screening=seoul_screening)
    checked = ticket_check_in(code=ticket.code, user=seoul_screening.organizer).checked_in_at
    local = checked.astimezone(SEOUL)
    client.cookies["lang"] = "zh-hant"
    page = client.get(f"/t/{ticket.code}/").content.decode()
    assert f"已於 {local:%H:%M} (Asia/Seoul) 驗票" in page
