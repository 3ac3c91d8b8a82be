"""Times producers type and read are in their own time zone (the `tz` cookie the pages keep), not UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from screenings.models import Episode
from tests.factories import BranchFactory, EpisodeFactory, ProductionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(producer):
    production = ProductionFactory(owner=producer)
    start = EpisodeFactory(production=production, title="Arrival", published=True)
    production.start_episode = start
    production.save()
    fair = EpisodeFactory(production=production, title="The Fair")
    BranchFactory(source=start, target=fair, label="To the fair", is_default=True)
    return fair


def _when(days: int = 3) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(hour=20, minute=30, second=0, microsecond=0, tzinfo=None)


def test_a_release_time_typed_in_seoul_is_stored_as_that_moment(client, producer, draft):
    client.force_login(producer)
    client.cookies["tz"] = "Asia/Seoul"
    typed = _when()
    page = client.get(f"/productions/{draft.production_id}/").content.decode()
    assert 'name="tz" value="Asia/Seoul"' in page and "Asia/Seoul" in page  # the form says its zone

    client.post(
        f"/episodes/{draft.pk}/publish/",
        {"release_at": typed.strftime("%Y-%m-%dT%H:%M"), "tz": "Asia/Seoul"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    stored = Episode.objects.get(pk=draft.pk)
    assert stored.status == "scheduled"
    assert stored.release_at == typed.replace(tzinfo=UTC) - timedelta(hours=9)  # 20:30 in Seoul is 11:30 UTC
    shown = client.get(f"/productions/{draft.production_id}/").content.decode()
    assert f"{typed:%Y-%m-%d} 20:30 Asia/Seoul" in shown


def test_the_zone_the_form_was_shown_in_wins_over_a_changed_cookie(client, producer, draft):
    client.force_login(producer)
    client.cookies["tz"] = "Europe/Paris"  # the laptop moved, the page was rendered before
    typed = _when()
    client.post(f"/episodes/{draft.pk}/publish/", {"release_at": typed.strftime("%Y-%m-%dT%H:%M"), "tz": "Asia/Taipei"})
    assert Episode.objects.get(pk=draft.pk).release_at == typed.replace(tzinfo=UTC) - timedelta(hours=8)


def test_without_a_zone_or_with_a_bogus_one_it_is_utc(client, producer, draft):
    client.force_login(producer)
    client.cookies["tz"] = "Mars/Olympus_Mons"
    typed = _when()
    client.post(f"/episodes/{draft.pk}/publish/", {"release_at": typed.strftime("%Y-%m-%dT%H:%M")})
    assert Episode.objects.get(pk=draft.pk).release_at == typed.replace(tzinfo=UTC)
    assert "UTC" in client.get(f"/productions/{draft.production_id}/").content.decode()


def test_the_api_stays_in_utc_whatever_the_cookie(client_for, producer, draft):
    api = client_for(producer)
    api.cookies["tz"] = "Asia/Seoul"
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    body = api.post(f"/api/episodes/{draft.pk}/publish/", {"release_at": when.isoformat()}, format="json").json()
    assert body["release_at"].endswith("Z") or body["release_at"].endswith("+00:00")
