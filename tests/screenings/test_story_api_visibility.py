"""Who sees and who may change which part of a story graph through the API (the one permission policy)."""

import pytest

from screenings.models import Branch, Episode
from screenings.services import story as services
from tests.factories import ProductionFactory
from tests.screenings.test_story_api import assert_error, publish  # the helpers live once, there

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_released(story):
    """Arrival and the lighthouse published; the fair and the ending still drafts."""
    publish(story, "arrival", "lighthouse")
    return story


def test_the_owner_sees_the_whole_graph_and_others_only_what_is_published(
    half_released, client_for, other_producer, api_client
):
    story = half_released
    url = f"/api/productions/{story.production.pk}/"
    published = {story.ep["arrival"].pk, story.ep["lighthouse"].pk}

    owner = client_for(story.owner).get(url).json()
    other = client_for(other_producer).get(url).json()
    anonymous = api_client.get(url).json()

    assert len(owner["episodes"]) == 4 and len(owner["branches"]) == 3
    for view in (other, anonymous):
        assert {e["id"] for e in view["episodes"]} == published
        assert [(b["source"], b["target"]) for b in view["branches"]] == [tuple(sorted(published))]
        assert view["start_episode"] == story.ep["arrival"].pk


@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_an_unreleased_production_is_not_found_for_others(story, client_for, other_producer, api_client, who):
    api = client_for(other_producer) if who == "other" else api_client

    assert_error(api.get(f"/api/productions/{story.production.pk}/"), 404, "not_found")
    assert_error(api.get(f"/api/episodes/{story.ep['arrival'].pk}/"), 404, "not_found")
    assert_error(api.get(f"/api/branches/{story.branch['light'].pk}/"), 404, "not_found")


def _writes(story):
    """(method, url, body, what another producer gets: 403 if they can see the object, else 404)."""
    ep, branch = story.ep, story.branch
    pid = story.production.pk
    return [
        ("patch", f"/api/productions/{pid}/", {"title": "Taken"}, 403),
        ("post", f"/api/productions/{pid}/episodes/", {"title": "X", "duration_seconds": 5}, 403),
        ("patch", f"/api/episodes/{ep['arrival'].pk}/", {"title": "Taken"}, 403),
        ("patch", f"/api/episodes/{ep['fair'].pk}/", {"title": "Taken"}, 404),
        (
            "post",
            f"/api/productions/{pid}/branches/",
            {"source": ep["fair"].pk, "target": ep["ending"].pk, "label": "X"},
            403,
        ),
        ("patch", f"/api/branches/{branch['light'].pk}/", {"label": "Taken"}, 403),
        ("patch", f"/api/branches/{branch['stay'].pk}/", {"label": "Taken"}, 404),
        ("delete", f"/api/branches/{branch['stay'].pk}/", None, 404),
        ("delete", f"/api/branches/{branch['light'].pk}/", None, 403),
        ("post", f"/api/episodes/{ep['fair'].pk}/publish/", {}, 404),
        ("post", f"/api/episodes/{ep['lighthouse'].pk}/publish/", {}, 403),
        ("post", f"/api/episodes/{ep['fair'].pk}/unpublish/", None, 404),
        ("post", f"/api/episodes/{ep['lighthouse'].pk}/unpublish/", None, 403),
    ]


@pytest.mark.parametrize("index", range(13))
def test_permission_matrix_for_writes(half_released, client_for, other_producer, api_client, superuser, index):
    story = half_released
    method, url, body, other_status = _writes(story)[index]
    snapshot = lambda: (  # noqa: E731
        sorted(Episode.objects.values_list("id", "title", "status")),
        sorted(Branch.objects.values_list("id", "label")),
        story.production.__class__.objects.get(pk=story.production.pk).title,
    )
    before = snapshot()

    anonymous = getattr(api_client, method)(url, body, format="json")
    other = getattr(client_for(other_producer), method)(url, body, format="json")

    assert_error(anonymous, 401, "not_authenticated")
    assert_error(other, other_status, "forbidden" if other_status == 403 else "not_found")
    assert snapshot() == before
    owner = getattr(client_for(story.owner), method)(url, body, format="json")
    # the owner is only ever refused by the graph rules (400 naming episodes) or a released episode (409)
    assert owner.status_code in {200, 201, 204, 400, 409}, owner.content
    if owner.status_code == 400:
        assert "episodes" in owner.json()["error"]["fields"]
    root = getattr(client_for(superuser), method)(url, body, format="json")
    assert root.status_code not in {401, 403, 404} or (method == "delete" and root.status_code == 404)


def test_others_get_404_not_403_for_drafts_they_cannot_see(half_released, client_for, other_producer):
    url = f"/api/episodes/{half_released.ep['fair'].pk}/publish/"

    response = client_for(other_producer).post(url, {}, format="json")

    assert_error(response, 404, "not_found")


def test_anyone_logged_in_may_create_a_production_but_not_anonymous(api_client):
    assert_error(api_client.post("/api/productions/", {"title": "Mine"}, format="json"), 401, "not_authenticated")


# --- Lists, pagination, filters -----------------------------------------------------


def test_production_list_shows_own_and_released_productions(half_released, client_for, other_producer, api_client):
    own_draft = services.production_create(owner=other_producer, title="Work in progress")

    owner_view = client_for(half_released.owner).get("/api/productions/").json()
    other_view = client_for(other_producer).get("/api/productions/").json()
    other_mine = client_for(other_producer).get("/api/productions/?mine=1").json()
    public = api_client.get("/api/productions/").json()

    assert {p["id"] for p in owner_view["results"]} == {half_released.production.pk}
    assert {p["id"] for p in other_view["results"]} == {half_released.production.pk, own_draft.pk}
    assert [p["id"] for p in other_mine["results"]] == [own_draft.pk]
    assert [p["id"] for p in public["results"]] == [half_released.production.pk]
    assert {"count", "next", "previous", "results"} <= set(public)


def test_production_list_needs_a_constant_number_of_queries(producer, client_for, django_assert_max_num_queries):
    for i in range(12):
        production = services.production_create(owner=producer, title=f"Story {i}")
        first = services.episode_create(production=production, actor=producer, title="One", duration_seconds=5)
        second = services.episode_create(production=production, actor=producer, title="Two", duration_seconds=5)
        services.branch_create(source=first, target=second, actor=producer, label="On")
    api = client_for(producer)

    with django_assert_max_num_queries(5):  # token, count, productions, episodes, branches
        page = api.get("/api/productions/").json()

    assert page["count"] == 12 and len(page["results"]) == 12
    assert all(len(p["episodes"]) == 2 and len(p["branches"]) == 1 for p in page["results"])


def test_production_list_is_paginated(producer, client_for):
    for _ in range(51):
        ProductionFactory(owner=producer)
    api = client_for(producer)

    first = api.get("/api/productions/").json()
    second = api.get("/api/productions/", {"page": 2}).json()

    assert first["count"] == 51 and len(first["results"]) == 50 and first["next"].endswith("?page=2")
    assert len(second["results"]) == 1 and second["next"] is None
    assert not {p["id"] for p in first["results"]} & {p["id"] for p in second["results"]}


def test_episode_list_filters_by_status(half_released, client_for, api_client):
    url = f"/api/productions/{half_released.production.pk}/episodes/"
    api = client_for(half_released.owner)

    drafts = api.get(url, {"status": "draft"}).json()
    public = api_client.get(url).json()
    public_drafts = api_client.get(url, {"status": "draft"}).json()

    assert {e["title"] for e in drafts["results"]} == {"The Fair", "The Keeper's Return"}
    assert {e["status"] for e in public["results"]} == {"published"}
    assert public_drafts["count"] == 0


def test_an_unknown_status_filter_is_invalid(half_released, api_client):
    response = api_client.get(f"/api/productions/{half_released.production.pk}/episodes/", {"status": "secret"})

    assert "status" in assert_error(response, 400, "invalid")["fields"]


def test_a_page_past_the_end_is_not_found_in_the_error_shape(half_released, api_client):
    assert_error(api_client.get("/api/productions/?page=99"), 404, "not_found")


def test_branch_list_for_the_public_has_only_published_ends(half_released, api_client):
    body = api_client.get(f"/api/productions/{half_released.production.pk}/branches/").json()

    assert [b["id"] for b in body["results"]] == [half_released.branch["light"].pk]


def test_a_superuser_sees_everything(story, superuser, client_for):
    body = client_for(superuser).get(f"/api/productions/{story.production.pk}/").json()

    assert len(body["episodes"]) == 4


# --- The schema -----------------------------------------------------------------------
