"""Uploaded media of unpublished episodes is not public (screenings/views/media.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from screenings.models import Episode, Screening
from tests.factories import ScreeningFactory, UserFactory

pytestmark = pytest.mark.django_db

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


@pytest.fixture
def draft(story, client_for, media_root):
    episode = story.ep["lighthouse"]
    upload = SimpleUploadedFile("secret-cut.mp4", VIDEO, content_type="video/mp4")
    response = client_for(story.owner).patch(f"/api/episodes/{episode.pk}/", {"media_file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    episode.refresh_from_db()
    assert episode.status == Episode.Status.DRAFT
    return episode


def fetch(client, episode):
    return client.get(f"/media/{episode.media_file.name}")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_anonymous_draft_media_is_404(draft):
    response = fetch(Client(), draft)
    assert response.status_code == 404
    assert VIDEO not in body(response)


def test_only_the_producer_and_superusers_get_draft_media(draft, story):
    for user, status in [
        (story.owner, 200),
        (UserFactory(username="root", is_superuser=True, is_staff=True), 200),
        (UserFactory(username="nosy"), 404),
    ]:
        client = Client()
        client.force_login(user)
        response = fetch(client, draft)
        assert response.status_code == status, user
        if status == 200:
            assert body(response) == VIDEO
            assert response["Cache-Control"] == "private, no-store"


def test_published_media_is_public(draft):
    Episode.objects.filter(pk=draft.pk).update(status=Episode.Status.PUBLISHED, published_at=timezone.now())

    response = fetch(Client(), draft)

    assert response.status_code == 200 and body(response) == VIDEO
    assert response["Content-Type"] == "video/mp4"


def test_a_live_screening_playing_the_episode_may_play_it(draft, story):
    screening = ScreeningFactory(production=story.production, status=Screening.Status.LIVE, now_playing=draft)
    assert fetch(Client(), draft).status_code == 200  # the cinema screen needs no login

    Screening.objects.filter(pk=screening.pk).update(status=Screening.Status.ENDED)
    assert fetch(Client(), draft).status_code == 404


def test_behind_nginx_the_bytes_go_through_x_accel_redirect(draft, story, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    client = Client()
    client.force_login(story.owner)

    response = fetch(client, draft)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{draft.media_file.name}"
    assert body(response) == b""
    assert fetch(Client(), draft).status_code == 404


def test_files_of_no_episode_and_odd_paths_are_404(draft, media_root):
    (media_root / "episodes" / "media" / "orphan.mp4").write_bytes(VIDEO)
    client = Client()
    client.force_login(draft.production.owner)

    for path in ("episodes/media/orphan.mp4", "../db.sqlite3", "episodes/media/../media/x.mp4", "nothing.mp4"):
        assert client.get(f"/media/{path}").status_code == 404, path
