"""Organizer forms on the box office: venues and screenings through the ticketing services."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from screenings.models import Screening, Venue
from tests.factories import EpisodeFactory, ProductionFactory, ScreeningFactory, TicketFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def playable(db):
    """A production whose start episode is published (screenable)."""
    production = ProductionFactory(title="The Lantern Keeper")
    production.start_episode = EpisodeFactory(production=production, published=True)
    production.save()
    return production


@pytest.fixture
def logged_in(client, organizer):
    client.force_login(organizer)
    return client


def screening_data(production, venue=None, **overrides):
    data = {
        "production": production.pk,
        "venue": venue.pk if venue else "",
        "starts_at": "2026-12-24T20:30",
        "capacity": "80",
        "base_price": "12.99",
        "currency": "EUR",
        "half_price": "on",
        "round_votes": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("path", ["/box-office/venues/new/", "/box-office/screenings/new/"])
def test_forms_need_login(client, path):
    assert client.get(path)["Location"].startswith("/accounts/login/")


def test_create_venue_with_its_time_zone(logged_in, organizer):
    response = logged_in.post(
        "/box-office/venues/new/", {"name": "Rex", "city": "Paris", "seats": "120", "time_zone": "Europe/Paris"}
    )

    assert response.status_code == 302 and response["Location"] == "/box-office/"
    venue = Venue.objects.get(owner=organizer)
    assert (venue.name, venue.city, venue.seats, venue.time_zone) == ("Rex", "Paris", 120, "Europe/Paris")


def test_venue_form_refuses_unknown_zone_and_no_seats(logged_in):
    response = logged_in.post("/box-office/venues/new/", {"name": "Rex", "seats": "0", "time_zone": "Mars/Base"})

    assert response.status_code == 200 and not Venue.objects.exists()
    errors = response.context["form"].errors
    assert "time_zone" in errors and "seats" in errors


def test_edit_venue_shows_service_refusal_next_to_seats(logged_in, organizer, playable):
    venue = VenueFactory(owner=organizer, seats=100)
    ScreeningFactory(organizer=organizer, venue=venue, capacity=90, production=playable)

    response = logged_in.post(f"/box-office/venues/{venue.pk}/", {"name": "Rex", "seats": "50", "time_zone": "UTC"})

    assert response.status_code == 200
    assert response.context["form"].errors["seats"] == ["At least 90."]
    venue.refresh_from_db()
    assert venue.seats == 100


def test_others_cannot_edit_my_venue(client, stranger, organizer):
    venue = VenueFactory(owner=organizer)
    client.force_login(stranger)

    assert (
        client.post(f"/box-office/venues/{venue.pk}/", {"name": "Mine", "seats": "5", "time_zone": "UTC"}).status_code
        == 403
    )


def test_create_half_price_screening_in_venue_time(logged_in, organizer, playable):
    venue = VenueFactory(owner=organizer, seats=120, time_zone="Europe/Paris")

    response = logged_in.post("/box-office/screenings/new/", screening_data(playable, venue))

    assert response.status_code == 302
    screening = Screening.objects.get(organizer=organizer)
    assert screening.starts_at == datetime(2026, 12, 24, 19, 30, tzinfo=UTC)  # 20:30 in Paris (CET)
    assert screening.half_price and screening.ticket_price == Decimal("6.50")
    assert screening.round_votes and not screening.require_check_in
    page = logged_in.get("/box-office/").content.decode()
    assert f'href="/screenings/{screening.pk}/console/"' in page
    assert f'href="/screenings/{screening.pk}/screen/"' in page


def test_online_screening_is_in_utc(logged_in, organizer, playable):
    logged_in.post("/box-office/screenings/new/", screening_data(playable, starts_at="2026-12-24T20:30"))

    assert Screening.objects.get().starts_at == datetime(2026, 12, 24, 20, 30, tzinfo=UTC)


def test_capacity_above_seats_is_refused_next_to_the_field(logged_in, organizer, playable):
    venue = VenueFactory(owner=organizer, seats=50)

    response = logged_in.post("/box-office/screenings/new/", screening_data(playable, venue, capacity="51"))

    assert response.status_code == 200 and not Screening.objects.exists()
    assert response.context["form"].errors["capacity"] == ["At most 50 (the venue's seats)."]
    assert "At most 50" in response.content.decode()


def test_only_productions_with_a_published_start_are_offered(logged_in, playable):
    unpublished = ProductionFactory(title="Draft film")
    unpublished.start_episode = EpisodeFactory(production=unpublished)
    unpublished.save()

    response = logged_in.post("/box-office/screenings/new/", screening_data(unpublished))

    assert "production" in response.context["form"].errors
    assert list(response.context["form"].fields["production"].queryset) == [playable]


def test_venues_of_others_are_not_offered(logged_in, playable, stranger):
    theirs = VenueFactory(owner=stranger, seats=500)

    response = logged_in.post("/box-office/screenings/new/", screening_data(playable, theirs))

    assert "venue" in response.context["form"].errors and not Screening.objects.exists()


def test_edit_screening_keeps_venue_time_and_refuses_currency_change_after_sales(logged_in, organizer, playable):
    venue = VenueFactory(owner=organizer, seats=100, time_zone="Asia/Tokyo")
    screening = ScreeningFactory(
        organizer=organizer, venue=venue, production=playable, capacity=10, currency="EUR", base_price=Decimal("10.00")
    )
    TicketFactory(order__screening=screening)
    local = screening.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in logged_in.get(f"/box-office/screenings/{screening.pk}/").content.decode()

    data = {"starts_at": "2026-12-24T20:30", "capacity": "20", "base_price": "10.00", "currency": "USD"}
    response = logged_in.post(f"/box-office/screenings/{screening.pk}/", data)
    assert response.context["form"].errors["currency"] == ["Tickets already sold."]

    response = logged_in.post(f"/box-office/screenings/{screening.pk}/", {**data, "currency": "EUR"})
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.capacity == 20 and screening.starts_at == datetime(2026, 12, 24, 11, 30, tzinfo=UTC)
    assert not screening.round_votes  # an unticked checkbox is "off"


def test_put_on_sale_then_cancel(logged_in, organizer, playable):
    screening = ScreeningFactory(organizer=organizer, production=playable, status=Screening.Status.SCHEDULED)
    page = logged_in.get("/box-office/").content.decode()
    assert f'action="/box-office/screenings/{screening.pk}/on-sale/"' in page

    logged_in.post(f"/box-office/screenings/{screening.pk}/on-sale/")
    screening.refresh_from_db()
    assert screening.status == Screening.Status.ON_SALE

    response = logged_in.post(f"/box-office/screenings/{screening.pk}/on-sale/", follow=True)  # already on sale
    assert screening.status == Screening.Status.ON_SALE and response.status_code == 200
    logged_in.post(f"/box-office/screenings/{screening.pk}/cancel/")
    screening.refresh_from_db()
    assert screening.status == Screening.Status.CANCELLED
