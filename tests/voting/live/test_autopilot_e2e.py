"""End to end on autopilot: a real uvicorn, Celery worker and beat on real Redis and the test
database; websocket audiences; after `POST /start/ {"autopilot": true}` nobody calls the API
(but the pause test) — the film runs itself from its start episode to an ending.

The story: Start (6 s; its vote cue at 1 s for 3 s) → Harbour (the default) or Lighthouse (3 s
each); Harbour → Ending (2 s); Lighthouse is an ending. Figures are printed; what is asserted is
order and causality (the poll opens at its cue or after, the winner starts when Start ends or
after), never a bound on how fast.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import urllib.request
import uuid
from datetime import datetime

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings

from screenings.models import Play, Screening
from tests import processes
from tests.voting.live_clients import Audience
from voting.models import Decision, Poll

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _post(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _iso(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def _run(base: str, film, *, votes: list[int], pause_seconds: float = 0.0) -> dict:
    audiences = [Audience(base, film.screening.id) for _ in film.tickets]
    await asyncio.gather(*(a.open({"type": "hello", "ticket": t.code}) for a, t in zip(audiences, film.tickets)))
    started = await asyncio.to_thread(
        _post, base, f"/api/screenings/{film.screening.id}/start/", film.token, {"autopilot": True}
    )
    assert started["autopilot"] is True and started["now_playing"]["id"] == film.start.id
    start_at = _iso(started["now_playing"]["started_at"])

    opened = await asyncio.gather(*(a.wait_for("poll.opened", timeout=30) for a in audiences))
    poll_id = opened[0]["poll"]["id"]
    for audience, option in zip(audiences, votes):
        assert (await audience.vote(poll_id, option, "v"))["type"] == "vote.accepted"
    if pause_seconds:
        paused = await asyncio.to_thread(
            _post, base, f"/api/screenings/{film.screening.id}/autopilot/", film.token, {"paused": True}
        )
        assert paused["paused_at"]
        await asyncio.sleep(pause_seconds)
        await asyncio.to_thread(
            _post, base, f"/api/screenings/{film.screening.id}/autopilot/", film.token, {"paused": False}
        )
    decided = await asyncio.gather(*(a.wait_for("poll.decided", timeout=40) for a in audiences))
    ended = await asyncio.gather(
        *(a.wait_for("screening.status", timeout=60, where=lambda m: m["screening"]["status"] == "ended")
          for a in audiences)
    )  # fmt: skip
    await asyncio.gather(*(a.close() for a in audiences))
    return {"audiences": audiences, "start_at": start_at, "poll": poll_id, "decided": decided, "ended": ended}


def _check_run(run: dict, film, *, winner, pause_seconds: float = 0.0) -> None:
    poll = Poll.objects.get(pk=run["poll"])
    decision = Decision.objects.get(poll=poll)
    cue_at = run["start_at"] + film.start.vote_at_second
    assert poll.opens_at.timestamp() >= cue_at - 0.05  # the autopilot opened it at its cue, not before
    delays = sorted(a.arrival_of("poll.opened") - cue_at for a in run["audiences"])
    assert decision.branch_id == winner.id and all(d["option"] == winner.id for d in run["decided"])

    plays = list(Play.objects.filter(screening=film.screening).order_by("started_at"))
    assert [p.episode_id for p in plays][:2] == [film.start.id, winner.target_id]
    first_ends = plays[0].started_at.timestamp() + film.start.duration_seconds
    next_started = plays[1].started_at.timestamp()
    assert next_started >= first_ends - 0.001  # the winner started when Start ended (or later), never before
    for audience in run["audiences"]:  # every socket heard the winner start, with that clock
        moved = [
            m for _, m in audience.messages if m["type"] == "now_playing" and m["episode"]["id"] == winner.target_id
        ]
        assert moved and _iso(moved[0]["episode"]["started_at"]) == pytest.approx(next_started, abs=0.001)
    screening = Screening.objects.get(pk=film.screening.pk)
    assert screening.status == "ended" and screening.paused_at is None
    print(
        f"\nautopilot: poll.opened after the cue p50 {statistics.median(delays) * 1000:.0f} ms, "
        f"max {delays[-1] * 1000:.0f} ms on {len(delays)} sockets; next episode started "
        f"{(next_started - first_ends) * 1000:.0f} ms after Start ended"
        + (f" (paused {pause_seconds:.1f} s)" if pause_seconds else "")
    )


@pytest.fixture
def live_platform(asgi_server, celery_worker_process, celery_beat_process):
    return asgi_server


def test_the_film_runs_itself_to_an_ending_with_the_audiences_choice(live_platform, film):
    votes = [film.to_lighthouse.id] * 5 + [film.to_harbour.id] * 2
    run = async_to_sync(_run)(live_platform, film, votes=votes)
    _check_run(run, film, winner=film.to_lighthouse)


def test_with_no_votes_the_default_branch_plays_on_to_its_ending(live_platform, film):
    run = async_to_sync(_run)(live_platform, film, votes=[])
    _check_run(run, film, winner=film.to_harbour)
    plays = list(Play.objects.filter(screening=film.screening).order_by("started_at").values_list("episode", flat=True))
    assert plays == [film.start.id, film.harbour.id, film.ending.id]  # Harbour's only branch was followed
    assert Decision.objects.get(poll__screening=film.screening).reason == "no_votes"


def test_a_pause_in_the_middle_holds_the_clock(live_platform, film):
    votes = [film.to_lighthouse.id] * 3
    run = async_to_sync(_run)(live_platform, film, votes=votes, pause_seconds=2.5)
    _check_run(run, film, winner=film.to_lighthouse, pause_seconds=2.5)
    start_play = Play.objects.get(screening=film.screening, episode=film.start)
    assert start_play.started_at.timestamp() >= run["start_at"] + 2.0  # its clock moved on by the pause


def test_a_worker_restart_in_the_middle_changes_nothing(process_log_dir, film, celery_beat_process):
    """Its own stack (server, worker, beat on a queue and channel prefix of their own): the worker
    is killed while Start plays and a new one started; the run ends as it would have."""
    run_id = f"{settings.TEST_RUN_ID}a{uuid.uuid4().hex[:6]}"
    started = []
    with processes.paused(celery_beat_process):
        try:
            web, base = processes.asgi_server(process_log_dir, TEST_RUN_ID=run_id)
            started.append(web)
            worker = processes.celery_worker(process_log_dir, run_id=run_id, concurrency=1)
            started += [worker, processes.celery_beat(process_log_dir, TEST_RUN_ID=run_id)]

            async def scenario():
                task = asyncio.create_task(_run(base, film, votes=[film.to_lighthouse.id] * 4))
                await asyncio.sleep(2.0)  # Start is playing, its poll open or about to
                worker.kill()
                print(f"\nkilled the worker (pid group {worker.proc.pid}) {time.strftime('%X')}")
                started.append(
                    await asyncio.to_thread(processes.celery_worker, process_log_dir, run_id=run_id, concurrency=1)
                )
                return await task

            run = async_to_sync(scenario)()
            _check_run(run, film, winner=film.to_lighthouse)
            assert Poll.objects.filter(screening=film.screening).count() == 1
            assert Decision.objects.filter(poll__screening=film.screening).count() == 1
        finally:
            for proc in started:
                proc.stop()
