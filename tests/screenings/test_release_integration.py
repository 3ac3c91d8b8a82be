"""Staged publishing end to end: a real beat and worker release scheduled episodes, once,
and an open production page hears each release over its websocket (real uvicorn, real Redis)."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from websockets.sync.client import connect

from screenings.models import Episode
from screenings.services import story as services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def socket_for(asgi_server: str, production_id: int):
    url = asgi_server.replace("http://", "ws://") + f"/ws/productions/{production_id}/"
    return connect(url, origin=asgi_server, open_timeout=10)


def wait_for(predicate, timeout: float, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def test_beat_and_worker_release_due_episodes_exactly_once_and_announce_them(
    story, celery_beat_process, celery_worker_process, asgi_server
):
    services.episode_publish(episode=story.ep["arrival"], actor=story.owner)
    release_at = timezone.now() + timedelta(seconds=3)
    for key in ("lighthouse", "ending"):
        services.episode_schedule(episode=story.ep[key], release_at=release_at, actor=story.owner)
    later = services.episode_schedule(
        episode=story.ep["fair"], release_at=timezone.now() + timedelta(hours=1), actor=story.owner
    )
    due_ids = {story.ep["lighthouse"].pk, story.ep["ending"].pk}

    with socket_for(asgi_server, story.production.pk) as socket:
        released = lambda: set(  # noqa: E731
            Episode.objects.filter(pk__in=due_ids, status="published").values_list("pk", flat=True)
        )
        assert wait_for(lambda: released() == due_ids, timeout=40), (
            celery_beat_process.log_tail() + celery_worker_process.log_tail()
        )
        messages = [json.loads(socket.recv(timeout=10)) for _ in due_ids]
        first_published_at = dict(Episode.objects.filter(pk__in=due_ids).values_list("pk", "published_at"))

        time.sleep(7)  # at least one more beat run: nothing is released or announced twice
        with pytest.raises(TimeoutError):
            socket.recv(timeout=0.5)

    assert {m["type"] for m in messages} == {"episode.released"}
    assert {m["episode"]["id"] for m in messages} == due_ids
    assert all(m["episode"]["status"] == "published" for m in messages)
    assert dict(Episode.objects.filter(pk__in=due_ids).values_list("pk", "published_at")) == first_published_at
    assert all(at >= release_at for at in first_published_at.values())
    assert Episode.objects.get(pk=later.pk).status == "scheduled"  # not due yet


def test_the_socket_refuses_a_production_the_visitor_cannot_see(story, asgi_server):
    with socket_for(asgi_server, story.production.pk) as socket:  # nothing published: anonymous may not see it
        with pytest.raises(Exception) as closed:
            socket.recv(timeout=5)
    assert getattr(closed.value, "rcvd", None) is not None and closed.value.rcvd.code == 4404


def test_the_socket_refuses_other_origins(story, asgi_server):
    services.episode_publish(episode=story.ep["arrival"], actor=story.owner)
    url = asgi_server.replace("http://", "ws://") + f"/ws/productions/{story.production.pk}/"

    with pytest.raises(Exception) as refused:
        connect(url, origin="https://evil.example.com", open_timeout=10)

    assert "403" in str(refused.value)


def test_the_socket_answers_anything_sent_to_it_with_an_error_and_stays_open(story, asgi_server):
    services.episode_publish(episode=story.ep["arrival"], actor=story.owner)

    with socket_for(asgi_server, story.production.pk) as socket:
        socket.send("{not json")
        first = json.loads(socket.recv(timeout=5))
        socket.send(json.dumps({"type": "vote"}))
        second = json.loads(socket.recv(timeout=5))

    assert first["type"] == second["type"] == "error"
    assert first["code"] == "invalid"
