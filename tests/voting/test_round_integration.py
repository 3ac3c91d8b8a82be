"""End to end, a release round: a real uvicorn, Celery worker and beat on real Redis and the test database.

Three screenings at two venues played the decision episode; their audiences vote over websockets (one
ticket from two sockets) and the REST fallback; a ticket of an unrelated production is refused. Beat
decides the round when it closes, the winner is scheduled at release_at and published then by beat, and
every open page of the production hears it. The published counts recount from the database and from
the JSON export alone.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.utils import timezone

from screenings.models import Episode, Play
from tests.factories import ScreeningFactory, UserFactory, VenueFactory
from tests.voting.conftest import tickets_for
from tests.voting.live_clients import Audience, ProductionPage
from voting.live.services import screening_start
from voting.models import Decision, Poll, Vote
from voting.services.rounds import round_open

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CLOSES_IN, RELEASE_AFTER = 8, 4  # seconds


def _post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=15) as response:
        return json.loads(response.read())


@pytest.fixture
def three_screenings(world):
    """Two at Aurora, one at Busan Hall, each started through the live service (a Play of the pilot)."""
    Play.objects.all().delete()  # the `world` fixture's hand-made plays: this test plays them for real
    organizers = [world.organizer_a, world.organizer_a, world.organizer_b]
    venues = [world.venue_a, world.venue_a, world.venue_b]
    screenings = []
    for organizer, venue in zip(organizers, venues):
        screening = ScreeningFactory(production=world.production, organizer=organizer, venue=venue)
        screenings.append(screening_start(screening=screening, by=organizer))
    assert Play.objects.filter(screening__in=screenings, episode=world.start).count() == 3
    return screenings


def test_a_release_round_across_three_screenings_at_two_venues(
    asgi_server, celery_worker_process, celery_beat_process, world, three_screenings, tmp_path
):
    base = asgi_server
    left, right = world.left.id, world.right.id
    tickets = [tickets_for(s, 3) for s in three_screenings]  # 9 tickets, 3 per screening
    rest_ticket = tickets_for(three_screenings[2], 1)[0]
    unrelated = ScreeningFactory(organizer=UserFactory(), venue=VenueFactory())
    foreign = tickets_for(unrelated, 1)[0]
    holder: dict = {}

    async def scenario():
        page = ProductionPage(base, world.production.id)
        await page.listen()
        early = [Audience(base, s.id) for s in three_screenings]  # connected before the round opens
        for audience, group in zip(early, tickets):
            assert (await audience.open({"type": "hello", "ticket": group[0].code}))["rounds"] == []

        closes_at = timezone.now() + timedelta(seconds=CLOSES_IN)
        poll = await database_sync_to_async(round_open)(  # closes its connection after the call
            production=world.production,
            episode=world.start,
            by=world.owner,
            closes_at=closes_at,
            release_at=closes_at + timedelta(seconds=RELEASE_AFTER),
        )
        holder["poll"] = poll
        for audience in early:
            opened = await audience.wait_for("poll.opened")
            assert opened["poll"]["id"] == poll.id and opened["poll"]["may_vote"] is True
        assert (await page.wait_for("poll.opened"))["poll"]["scope"] == "round"

        late = []  # connected after: the round is in their `state`
        for screening, group in zip(three_screenings, tickets):
            for ticket in group[1:]:
                audience = Audience(base, screening.id)
                state = await audience.open({"type": "hello", "ticket": ticket.code})
                assert [r["id"] for r in state["rounds"]] == [poll.id] and state["rounds"][0]["may_vote"]
                late.append(audience)
        twin = Audience(base, three_screenings[0].id)  # a second socket of the first ticket
        await twin.open({"type": "hello", "ticket": tickets[0][0].code})

        outsider = Audience(base, unrelated.id)
        state = await outsider.open({"type": "hello", "ticket": foreign.code})
        assert state["type"] == "state" and state["rounds"] == []  # another production's round is not listed
        refused = await outsider.vote(poll.id, left, "foreign")
        assert (refused["type"], refused["code"]) == ("error", "forbidden")

        expected: dict[str, int] = {}  # ticket code -> the option its last accepted vote chose
        voters = early + late
        codes = [tickets[0][0].code, tickets[1][0].code, tickets[2][0].code] + [
            t.code for group in tickets for t in group[1:]
        ]

        async def cast(audience: Audience, code: str, n: int):
            option = right if n % 3 else left
            answer = await audience.vote(poll.id, option, f"v{n}")
            assert answer["type"] == "vote.accepted", answer
            expected[code] = option

        await asyncio.gather(*(cast(a, code, n) for n, (a, code) in enumerate(zip(voters, codes))))
        # the first ticket changes its vote from its second socket: one ballot, the last vote wins
        answer = await twin.vote(poll.id, right, "twin")
        assert answer["type"] == "vote.accepted"
        expected[tickets[0][0].code] = right

        status, body = await sync_to_async(_post_json)(
            f"{base}/api/polls/{poll.id}/votes/", {"ticket": rest_ticket.code, "option": left}
        )
        assert status == 201 and body["poll"] == poll.id and len(body["receipt"]) == 64, body
        expected[rest_ticket.code] = left
        status, body = await sync_to_async(_post_json)(
            f"{base}/api/polls/{poll.id}/votes/", {"ticket": foreign.code, "option": left}
        )
        assert status == 403 and body["error"]["code"] == "forbidden"

        tally = await early[2].wait_for("tally", where=lambda m: m["total"] == len(expected), timeout=10)
        assert tally["poll"] == poll.id

        everyone = voters + [twin, page]
        decided = await asyncio.gather(*(a.wait_for("poll.decided", timeout=CLOSES_IN + 15) for a in everyone))
        counts = {str(left): list(expected.values()).count(left), str(right): list(expected.values()).count(right)}
        assert all(d["poll"] == poll.id and d["scope"] == "round" and d["counts"] == counts for d in decided)
        winner = right if counts[str(right)] > counts[str(left)] else left
        releases = await asyncio.gather(*(a.wait_for("round.release") for a in everyone))
        target = world.right.target_id if winner == right else world.left.target_id
        assert {(r["episode"]["id"], r["status"]) for r in releases} == {(target, "scheduled")}
        holder["scheduled"] = await database_sync_to_async(lambda: Episode.objects.get(pk=target).status)()

        released = await asyncio.gather(*(a.wait_for("episode.released", timeout=RELEASE_AFTER + 20) for a in everyone))
        assert {r["episode"]["id"] for r in released} == {target}
        holder.update(expected=expected, counts=counts, target=target, winner=winner)
        for audience in [*everyone, outsider]:
            await audience.close()

    asyncio.run(scenario())

    poll, target = holder["poll"], holder["target"]
    decision = Decision.objects.get(poll=poll)
    assert holder["scheduled"] == Episode.Status.SCHEDULED
    assert decision.branch_id == holder["winner"] and decision.counts == holder["counts"]
    assert decision.total_votes == len(holder["expected"]) == Vote.objects.filter(poll=poll).count() == 10
    episode = Episode.objects.get(pk=target)
    assert episode.status == Episode.Status.PUBLISHED and episode.published_at >= poll.release_at
    assert Poll.objects.get(pk=poll.id).status == Poll.Status.DECIDED

    call_command("poll_recount", poll.id)  # raises CommandError on any mismatch
    export = tmp_path / "result.json"
    export.write_text(json.dumps(_get_json(f"{base}/api/polls/{poll.id}/result/")))
    call_command("poll_recount", json=str(export))
