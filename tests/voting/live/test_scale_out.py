"""Two ASGI processes sharing Redis and the database behave like one (DESIGN.md "Performance shape")."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from tests import processes
from tests.voting.live_clients import Audience
from voting.models import Decision
from voting.services.polls import poll_open

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_asgi_server(asgi_server, process_log_dir):
    proc, base = processes.asgi_server(process_log_dir)
    yield base
    proc.stop()


def test_votes_on_two_servers_reach_every_socket_once(
    asgi_server,
    second_asgi_server,
    celery_worker_process,
    celery_beat_process,
    live_screening,
    organizer,
    story,
    make_tickets,
):
    tickets = make_tickets(20)
    servers = [asgi_server, second_asgi_server]

    async def scenario():
        audiences = [Audience(servers[n % 2], live_screening.id) for n in range(len(tickets))]
        await asyncio.gather(*(a.open({"type": "hello", "ticket": t.code}) for a, t in zip(audiences, tickets)))
        poll = await sync_to_async(poll_open)(screening=live_screening, duration_seconds=6, by=organizer)
        await asyncio.gather(*(a.wait_for("poll.opened") for a in audiences))
        answers = await asyncio.gather(
            *(
                a.vote(poll.id, (story.to_right if n < 13 else story.to_left).id, str(n))
                for n, a in enumerate(audiences)
            )
        )
        assert all(answer["type"] == "vote.accepted" for answer in answers)
        decided = await asyncio.gather(*(a.wait_for("poll.decided", timeout=20) for a in audiences))
        await asyncio.gather(*(a.close() for a in audiences))
        return poll, audiences, decided

    poll, audiences, decided = async_to_sync(scenario)()
    final = {str(story.to_left.id): 7, str(story.to_right.id): 13}
    assert Decision.objects.get(poll=poll).counts == final
    assert all(d["counts"] == final and d["option"] == story.to_right.id for d in decided)
    for audience in audiences:
        tallies = audience.of("tally")
        # Snapshots flushed by either process reach the sockets of both, a few per second at most,
        # and the last one before the decision holds the votes stored through both processes.
        assert 1 <= len(tallies) <= 4 * 8
        assert tallies[-1]["counts"] == final and tallies[-1]["total"] == 20
