"""The console's count of connected tickets: every process's ticket sockets, fresh entries only."""

from __future__ import annotations

import time

import pytest

from tests.factories import ScreeningFactory, UserFactory
from tests.voting.live.test_consumers import joined, run, socket
from voting import tally
from voting.live import presence

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clean(live_screening):
    tally.client().delete(presence.key(live_screening.id))
    presence._tickets.clear()
    presence._touched.clear()
    yield
    tally.client().delete(presence.key(live_screening.id))


def test_ticket_sockets_count_and_watchers_do_not(live_screening, make_tickets):
    first, second = make_tickets(2)

    async def scenario():
        a, _ = await joined(live_screening.id, first.code)
        b, _ = await joined(live_screening.id, second.code)
        console = socket(live_screening.id)
        await console.connect()
        await console.send_json_to({"type": "hello", "watch": True})
        await console.receive_json_from(timeout=5)
        presence.presence_publish()
        assert presence.presence_count(screening_id=live_screening.id) == 2  # the console is not a phone

        await b.disconnect()
        presence.presence_publish()
        assert presence.presence_count(screening_id=live_screening.id) == 1
        await a.disconnect()
        await console.disconnect()
        presence.presence_publish()
        assert presence.presence_count(screening_id=live_screening.id) == 0

    run(scenario)


def test_other_processes_add_up_and_a_silent_one_drops_out(live_screening):
    now = time.time()
    r = tally.client()
    r.hset(presence.key(live_screening.id), "other-host:1", f"40 {now - 1:.3f}")  # alive
    r.hset(presence.key(live_screening.id), "dead-host:7", f"300 {now - 60:.3f}")  # died a minute ago
    presence.ticket_joined(live_screening.id)
    presence.presence_publish(now=now)

    assert presence.presence_count(screening_id=live_screening.id, now=now) == 41


def test_the_api_tells_only_the_organizer(live_screening, client_for, api_client):
    presence.ticket_joined(live_screening.id)
    presence.presence_publish()
    url = f"/api/screenings/{live_screening.id}/presence/"

    assert client_for(live_screening.organizer).get(url).json() == {"tickets_connected": 1}
    other = client_for(UserFactory()).get(url)
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert api_client.get(url).status_code in (401, 403)
    assert (
        client_for(live_screening.organizer).get(f"/api/screenings/{ScreeningFactory().id + 1}/presence/").status_code
        == 404
    )
