"""The producers' REST API exactly as shared/API.md documents it, and who may do what."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from screenings.models import Branch, Episode
from screenings.services import story as services

pytestmark = pytest.mark.django_db


def publish(story, *keys):
    for key in keys:
        services.episode_publish(episode=story.ep[key], actor=story.owner)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# --- The documented calls -----------------------------------------------------------


def test_the_documented_authoring_flow(producer, client_for):
    api = client_for(producer)

    created = api.post("/api/productions/", {"title": "The Lantern Keeper", "synopsis": "A mystery."}, format="json")
    assert created.status_code == 201
    production = created.json()
    assert production == {
        "id": production["id"],
        "slug": "the-lantern-keeper",
        "title": "The Lantern Keeper",
        "synopsis": "A mystery.",
        "start_episode": None,
        "episodes": [],
        "branches": [],
    }
    pid = production["id"]

    ids = []
    for title in ("Arrival", "The Lighthouse", "The Fair"):
        response = api.post(
            f"/api/productions/{pid}/episodes/",
            {"title": title, "duration_seconds": 600, "media_url": "https://cdn.example.org/a/index.m3u8"},
            format="json",
        )
        assert response.status_code == 201
        episode = response.json()
        assert episode["status"] == "draft"
        assert {
            "id",
            "title",
            "synopsis",
            "duration_seconds",
            "media_url",
            "poster",
            "status",
            "release_at",
            "published_at",
        } <= set(episode)
        assert episode["media_url"] == "https://cdn.example.org/a/index.m3u8"
        ids.append(episode["id"])
    arrival, lighthouse, fair = ids

    branch = api.post(
        f"/api/productions/{pid}/branches/",
        {"source": arrival, "target": lighthouse, "label": "Follow the light", "is_default": True},
        format="json",
    )
    assert branch.status_code == 201
    assert branch.json() == {
        "id": branch.json()["id"],
        "source": arrival,
        "target": lighthouse,
        "label": "Follow the light",
        "is_default": True,
        "position": 1,
    }
    second = api.post(
        f"/api/productions/{pid}/branches/", {"source": arrival, "target": fair, "label": "Stay"}, format="json"
    )
    assert second.json()["is_default"] is False

    patched = api.patch(f"/api/productions/{pid}/", {"start_episode": arrival}, format="json")
    assert patched.status_code == 200
    assert patched.json()["start_episode"] == arrival

    now = api.post(f"/api/episodes/{arrival}/publish/", {}, format="json")
    assert now.status_code == 200
    assert now.json()["status"] == "published"
    assert now.json()["release_at"] is None
    release_at = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    later = api.post(f"/api/episodes/{lighthouse}/publish/", {"release_at": release_at.isoformat()}, format="json")
    assert later.status_code == 200
    assert later.json()["status"] == "scheduled"
    assert later.json()["release_at"].replace("Z", "+00:00") == release_at.isoformat()

    graph = api.get(f"/api/productions/{pid}/").json()
    assert [e["id"] for e in graph["episodes"]] == ids
    assert {(b["source"], b["target"]) for b in graph["branches"]} == {(arrival, lighthouse), (arrival, fair)}


def test_a_refused_publish_names_the_episodes(story, client_for):
    response = client_for(story.owner).post(f"/api/episodes/{story.ep['ending'].pk}/publish/", {}, format="json")

    error = assert_error(response, 400, "invalid")
    assert error["fields"]["episodes"] == [story.ep["ending"].pk]
    assert "«The Keeper's Return»" in error["message"]


def test_a_loop_is_refused_at_branch_creation_naming_the_episodes(story, client_for):
    ep = story.ep
    response = client_for(story.owner).post(
        f"/api/productions/{story.production.pk}/branches/",
        {"source": ep["ending"].pk, "target": ep["arrival"].pk, "label": "Again"},
        format="json",
    )

    error = assert_error(response, 400, "invalid")
    assert error["fields"]["episodes"] == [ep["ending"].pk, ep["arrival"].pk, ep["lighthouse"].pk]


def test_a_branch_to_another_productions_episode_is_refused(story, client_for, other_producer):
    foreign = services.episode_create(
        production=services.production_create(owner=story.owner, title="Other"),
        actor=story.owner,
        title="Elsewhere",
        duration_seconds=5,
    )
    response = client_for(story.owner).post(
        f"/api/productions/{story.production.pk}/branches/",
        {"source": story.ep["fair"].pk, "target": foreign.pk, "label": "Leave"},
        format="json",
    )

    assert "target" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"synopsis": "no title"}, "title"),
        ({"title": "x", "duration_seconds": 0}, "duration_seconds"),
        ({"title": "x", "duration_seconds": "long"}, "duration_seconds"),
        ({"title": "x", "duration_seconds": 5, "media_url": "not a url"}, "media_url"),
    ],
)
def test_bad_episode_input_is_invalid_with_fields(story, client_for, body, field):
    response = client_for(story.owner).post(f"/api/productions/{story.production.pk}/episodes/", body, format="json")

    assert field in assert_error(response, 400, "invalid")["fields"]


def test_a_bad_release_time_is_invalid(story, client_for):
    response = client_for(story.owner).post(
        f"/api/episodes/{story.ep['arrival'].pk}/publish/", {"release_at": "tomorrow-ish"}, format="json"
    )

    assert "release_at" in assert_error(response, 400, "invalid")["fields"]


def test_unpublish_takes_a_scheduled_episode_back_and_refuses_a_released_one(story, client_for):
    api = client_for(story.owner)
    publish(story, "arrival")
    api.post(
        f"/api/episodes/{story.ep['fair'].pk}/publish/",
        {"release_at": (timezone.now() + timedelta(days=1)).isoformat()},
        format="json",
    )

    back = api.post(f"/api/episodes/{story.ep['fair'].pk}/unpublish/")
    released = api.post(f"/api/episodes/{story.ep['arrival'].pk}/unpublish/")

    assert back.status_code == 200 and back.json()["status"] == "draft"
    assert_error(released, 409, "conflict")


def test_branch_patch_and_delete(story, client_for):
    api = client_for(story.owner)
    stay = story.branch["stay"]

    patched = api.patch(f"/api/branches/{stay.pk}/", {"label": "Stay a while", "is_default": True}, format="json")
    deleted = api.delete(f"/api/branches/{story.branch['relight'].pk}/")

    assert patched.json()["label"] == "Stay a while" and patched.json()["is_default"] is True
    assert Branch.objects.get(pk=story.branch["light"].pk).is_default is False
    assert deleted.status_code == 204
    assert not Branch.objects.filter(pk=story.branch["relight"].pk).exists()


# --- Media uploads ------------------------------------------------------------------


def test_multipart_upload_of_video_and_poster(story, client_for, media_root):
    video = SimpleUploadedFile("pilot.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, content_type="video/mp4")
    poster = SimpleUploadedFile("poster.png", png_bytes(), content_type="image/png")

    response = client_for(story.owner).post(
        f"/api/productions/{story.production.pk}/episodes/",
        {"title": "Pilot", "duration_seconds": 90, "media_file": video, "poster": poster},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["media_url"].startswith("http://testserver/media/episodes/media/pilot")
    assert body["poster"].startswith("http://testserver/media/episodes/posters/poster")
    stored = Episode.objects.get(pk=body["id"])
    assert (media_root / stored.media_file.name).read_bytes().startswith(b"\x00\x00\x00\x18ftyp")


@pytest.mark.parametrize(
    "name, content_type",
    [("pilot.exe", "application/octet-stream"), ("pilot.mp4", "text/html"), ("notes.txt", "text/plain")],
)
def test_uploads_that_are_not_videos_are_refused(story, client_for, media_root, name, content_type):
    upload = SimpleUploadedFile(name, b"MZ" + b"\x00" * 32, content_type=content_type)

    response = client_for(story.owner).patch(
        f"/api/episodes/{story.ep['arrival'].pk}/", {"media_file": upload}, format="multipart"
    )

    assert "media_file" in assert_error(response, 400, "invalid")["fields"]
    assert not Episode.objects.get(pk=story.ep["arrival"].pk).media_file


def test_uploads_over_the_size_limit_are_refused(story, client_for, media_root, settings):
    settings.EPISODE_MEDIA_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 200, content_type="video/webm")

    response = client_for(story.owner).patch(
        f"/api/episodes/{story.ep['arrival'].pk}/", {"media_file": upload}, format="multipart"
    )

    assert "media_file" in assert_error(response, 400, "invalid")["fields"]


def test_a_poster_that_is_not_an_image_is_refused(story, client_for, media_root):
    upload = SimpleUploadedFile("poster.png", b"not really a png", content_type="image/png")

    response = client_for(story.owner).patch(
        f"/api/episodes/{story.ep['arrival'].pk}/", {"poster": upload}, format="multipart"
    )

    assert "poster" in assert_error(response, 400, "invalid")["fields"]


def test_an_external_url_replaces_an_uploaded_file(story, client_for, media_root, django_capture_on_commit_callbacks):
    api = client_for(story.owner)
    url = f"/api/episodes/{story.ep['arrival'].pk}/"
    video = SimpleUploadedFile("pilot.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 16, content_type="video/webm")
    api.patch(url, {"media_file": video}, format="multipart")
    old = media_root / Episode.objects.get(pk=story.ep["arrival"].pk).media_file.name
    assert old.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(url, {"media_url": "https://cdn.example.org/hls/master.m3u8"}, format="json")

    assert response.json()["media_url"] == "https://cdn.example.org/hls/master.m3u8"
    assert not old.exists()


# --- Who sees and changes what ------------------------------------------------------


def test_every_story_endpoint_is_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    expected = {
        "/api/productions/": {"get", "post"},
        "/api/productions/{production_id}/": {"get", "patch"},
        "/api/productions/{production_id}/episodes/": {"get", "post"},
        "/api/productions/{production_id}/branches/": {"get", "post"},
        "/api/episodes/{episode_id}/": {"get", "patch"},
        "/api/episodes/{episode_id}/publish/": {"post"},
        "/api/episodes/{episode_id}/unpublish/": {"post"},
        "/api/branches/{branch_id}/": {"get", "patch", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    publish_op = paths["/api/episodes/{episode_id}/publish/"]["post"]
    ref = publish_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "release_at" in components[ref]["properties"]
    assert set(components["Production"]["properties"]) >= {
        "id",
        "slug",
        "title",
        "synopsis",
        "start_episode",
        "episodes",
        "branches",
    }
    episode_create = paths["/api/productions/{production_id}/episodes/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in episode_create


def test_a_vote_cue_is_set_read_and_reset_through_the_api(story, client_for):
    """API.md 1.1: PATCH /api/episodes/{id}/ {"vote_cue": {"at_second", "window_seconds"} | null}."""
    api = client_for(story.owner)
    url = f"/api/episodes/{story.ep['arrival'].id}/"
    assert api.get(url).json()["vote_cue"] is None
    assert api.get(url).json()["effective_vote_cue"] == {"at_second": 590, "window_seconds": 10}

    response = api.patch(url, {"vote_cue": {"at_second": 120, "window_seconds": 4}}, format="json")
    assert response.status_code == 200, response.json()
    assert (
        response.json()["vote_cue"] == response.json()["effective_vote_cue"] == {"at_second": 120, "window_seconds": 4}
    )

    assert api.patch(url, {"vote_cue": None}, format="json").json()["vote_cue"] is None


@pytest.mark.parametrize(
    "cue",
    [{"at_second": 0, "window_seconds": 2}, {"at_second": 600, "window_seconds": 5}, {"at_second": -1, "window_seconds": 5},
     {"at_second": 5}, "soon"],
)  # fmt: skip
def test_a_bad_vote_cue_is_invalid_and_changes_nothing(story, client_for, cue):
    api = client_for(story.owner)
    url = f"/api/episodes/{story.ep['arrival'].id}/"
    assert_error(api.patch(url, {"vote_cue": cue}, format="json"), 400, "invalid")
    assert api.get(url).json()["vote_cue"] is None


def test_a_short_episode_gets_a_clipped_default_cue(story, client_for):
    api = client_for(story.owner)
    url = f"/api/episodes/{story.ep['fair'].id}/"
    api.patch(url, {"duration_seconds": 5}, format="json")
    assert api.get(url).json()["effective_vote_cue"] == {"at_second": 0, "window_seconds": 5}
