from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, connections
from django.utils import timezone

from config.errors import Conflict, Forbidden, Invalid
from screenings.events import production_group
from screenings.models import Episode
from tests.conftest import side_effects
from tests.factories import BranchFactory, EpisodeFactory, ProductionFactory, UserFactory
from voting.models import Poll
from voting.services.rounds import round_open

pytestmark = pytest.mark.django_db


def _open(world, **overrides):
    args = {
        "production": world.production,
        "episode": world.start,
        "by": world.owner,
        "closes_at": timezone.now() + timedelta(days=2),
    }
    return round_open(**(args | overrides))


def test_owner_opens_a_round_on_a_decision_point(world):
    release = timezone.now() + timedelta(days=3)

    poll = _open(world, release_at=release, hide_results=True)

    poll.refresh_from_db()
    assert (poll.scope, poll.status, poll.screening_id, poll.episode_id) == ("round", "open", None, world.start.id)
    assert poll.release_at == release and poll.hide_results and poll.created_by == world.owner
    assert poll.opens_at <= timezone.now() < poll.closes_at


def test_a_superuser_may_open_a_round(world):
    assert _open(world, by=UserFactory(username="root", is_superuser=True)).scope == "round"


@pytest.mark.parametrize("who", ["other producer", "organizer"])
def test_only_the_owner_opens_rounds(world, who):
    user = world.organizer_a if who == "organizer" else ProductionFactory().owner

    with pytest.raises(Forbidden):
        _open(world, by=user)
    assert not Poll.objects.exists()


def test_episode_of_another_production_is_invalid(world):
    foreign = EpisodeFactory(published=True)

    with pytest.raises(Invalid) as error:
        _open(world, episode=foreign)
    assert "episode" in error.value.fields


def test_unpublished_episode_is_invalid(world):
    world.start.status, world.start.published_at = Episode.Status.DRAFT, None
    world.start.save()

    with pytest.raises(Invalid, match="published"):
        _open(world)


def test_episode_with_one_branch_is_not_a_decision_point(world):
    lone = EpisodeFactory(production=world.production, published=True)
    BranchFactory(source=lone)

    with pytest.raises(Invalid, match="decision point"):
        _open(world, episode=lone)


@pytest.mark.parametrize(
    ("closes_in", "release_in", "field"),
    [
        (timedelta(seconds=-1), None, "closes_at"),
        (timedelta(days=31), None, "closes_at"),
        (timedelta(days=2), timedelta(days=1), "release_at"),
    ],
)
def test_window_rules(world, closes_in, release_in, field):
    now = timezone.now()

    with pytest.raises(Invalid) as error:
        _open(world, closes_at=now + closes_in, release_at=now + release_in if release_in else None)
    assert field in error.value.fields


def test_a_second_open_round_on_the_same_episode_conflicts_but_a_later_one_may_open(world):
    first = _open(world)

    with pytest.raises(Conflict):
        _open(world)

    first.status = Poll.Status.DECIDED
    first.save()
    assert _open(world).pk != first.pk


def test_round_opened_is_announced_to_the_production_group_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        poll = _open(world)
    assert len(side_effects(callbacks)) == 2  # zeroed live counters, then the announcement

    async def listen_then_commit():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(production_group(world.production.id), channel)
        for callback in callbacks:
            await sync_to_async(callback)()
        return await layer.receive(channel)

    message = async_to_sync(listen_then_commit)()
    assert message["type"] == "poll.opened"
    assert message["poll"]["id"] == poll.id and message["poll"]["scope"] == "round"
    assert [o["id"] for o in message["poll"]["options"]] == [world.left.id, world.right.id]


# --- REST -----------------------------------------------------------------------


def _body(world, **extra):
    return {"episode": world.start.id, "closes_at": (timezone.now() + timedelta(days=1)).isoformat()} | extra


def test_api_opens_a_round(world, client_for):
    release = (timezone.now() + timedelta(days=2)).isoformat()

    response = client_for(world.owner).post(
        f"/api/productions/{world.production.id}/rounds/", _body(world, release_at=release), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "round" and body["status"] == "open" and body["episode"] == world.start.id
    assert [(o["id"], o["label"]) for o in body["options"]] == [(world.left.id, "Forest"), (world.right.id, "Town")]
    assert {"opens_at", "closes_at", "release_at"} <= set(body) and body["release_at"]


def test_api_refuses_other_producers_and_anonymous(world, client_for, api_client):
    url = f"/api/productions/{world.production.id}/rounds/"

    other = client_for(ProductionFactory().owner).post(url, _body(world), format="json")
    anonymous = api_client.post(url, _body(world), format="json")

    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_authenticated"
    assert not Poll.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"closes_at": "tomorrow"}, "closes_at"), ({"episode": 999999}, "episode"), ({"episode": "x"}, "episode")],
)
def test_api_bad_input_is_invalid_with_the_field_named(world, client_for, body, field):
    response = client_for(world.owner).post(
        f"/api/productions/{world.production.id}/rounds/", _body(world) | body, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]


def test_api_conflict_and_unknown_production(world, client_for):
    client = client_for(world.owner)
    url = f"/api/productions/{world.production.id}/rounds/"
    assert client.post(url, _body(world), format="json").status_code == 201

    again = client.post(url, _body(world), format="json")
    missing = client.post("/api/productions/999999/rounds/", _body(world), format="json")

    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_openings_on_one_episode_open_exactly_one_round(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole-database writes)")
    barrier = Barrier(4)

    def attempt(_):
        barrier.wait()
        try:
            return _open(world).id
        except Conflict:
            return "conflict"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(attempt, range(4)))

    assert sorted(outcomes, key=str).count("conflict") == 3
    assert Poll.objects.filter(scope="round", status="open").count() == 1
