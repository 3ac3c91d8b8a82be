"""The one permission policy: who may screen a production, see drafts and see hidden counts.

Before the policy, any account could create a screening of any production id (even a wholly
unpublished one it could not read), and owning that screening showed every draft title on its
console and made /counts/ treat it as staff of the production. These tests walk the matrix
(producer, screening organizer, other organizer, anonymous, superuser) through the real API
and pages.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from screenings import policy
from tests.factories import BranchFactory, EpisodeFactory, ProductionFactory, ScreeningFactory, UserFactory
from voting.live.services import screening_start
from voting.models import Poll
from voting.services.polls import poll_open
from voting.services.rounds import round_open

pytestmark = pytest.mark.django_db


def _screening_body(production):
    return {
        "production": production.pk,
        "starts_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "capacity": 50,
        "base_price": "10.00",
        "currency": "EUR",
        "half_price": True,
    }


def test_nobody_but_its_producer_screens_an_unpublished_production(client_for, producer, organizer):
    secret = ProductionFactory(owner=producer)
    EpisodeFactory(production=secret, title="Draft pilot")

    refused = client_for(organizer).post("/api/screenings/", _screening_body(secret), format="json")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert "Draft" not in refused.content.decode()
    own = client_for(producer).post("/api/screenings/", _screening_body(secret), format="json")
    assert own.status_code == 201, own.json()


def test_any_organizer_may_screen_a_public_production(client_for, producer, organizer):
    public = ProductionFactory(owner=producer)
    EpisodeFactory(production=public, published=True)

    assert client_for(organizer).post("/api/screenings/", _screening_body(public), format="json").status_code == 201


def test_a_console_shows_drafts_to_the_producer_only(client, producer, organizer, django_capture_on_commit_callbacks):
    production = ProductionFactory(owner=producer)
    start = EpisodeFactory(production=production, title="Pilot", published=True)
    shown = EpisodeFactory(production=production, title="Harbour", published=True)
    draft = EpisodeFactory(production=production, title="The Secret Ending")
    production.start_episode = start
    production.save()
    BranchFactory(source=start, target=shown, label="Walk to the harbour")
    BranchFactory(source=start, target=draft, label="Open the sealed door")
    theirs = ScreeningFactory(production=production, organizer=organizer)
    mine = ScreeningFactory(production=production, organizer=producer)

    client.force_login(organizer)
    page = client.get(f"/screenings/{theirs.id}/console/").content.decode()
    assert "Walk to the harbour" in page
    assert "The Secret Ending" not in page and "Open the sealed door" not in page
    client.force_login(producer)
    page = client.get(f"/screenings/{mine.id}/console/").content.decode()
    assert "The Secret Ending" in page and "Open the sealed door" in page


@pytest.fixture
def hidden_live_poll(story, organizer, django_capture_on_commit_callbacks):
    """A hidden live poll at the organizer's screening; another organizer screens the same production."""
    screening = ScreeningFactory(production=story.start.production, organizer=organizer)
    ScreeningFactory(production=story.start.production, organizer=UserFactory(username="rival"))
    with django_capture_on_commit_callbacks(execute=True):
        screening_start(screening=screening, by=organizer)
        return poll_open(screening=screening, duration_seconds=60, by=organizer, hide_results=True)


@pytest.mark.parametrize(
    ("who", "sees"),
    [("producer", True), ("screening_organizer", True), ("superuser", True), ("rival", False), ("anonymous", False)],
)
def test_hidden_live_counts_for_the_screening_organizer_producer_and_superusers(
    hidden_live_poll, who, sees, producer, organizer, superuser, api_client, client_for
):
    users = {"producer": producer, "screening_organizer": organizer, "superuser": superuser}
    if who == "rival":
        users["rival"] = UserFactory._meta.model.objects.get(username="rival")
    client = client_for(users[who]) if who in users else api_client

    detail = client.get(f"/api/polls/{hidden_live_poll.id}/").json()
    counts = client.get(f"/api/polls/{hidden_live_poll.id}/counts/").json()

    assert (detail["counts"] is not None) is sees
    assert counts["hidden"] is (not sees) and (counts["overall"] is not None) is sees
    assert policy.poll_counts_visible(user=users.get(who), poll=hidden_live_poll) is sees


@pytest.mark.parametrize(("who", "sees"), [("owner", True), ("organizer_a", False), ("anonymous", False)])
def test_hidden_round_counts_for_the_producer_and_superusers_only(world, who, sees, api_client, client_for):
    poll = round_open(
        production=world.production,
        episode=world.start,
        closes_at=timezone.now() + timedelta(hours=2),
        hide_results=True,
        by=world.owner,
    )
    client = client_for(getattr(world, who)) if who != "anonymous" else api_client

    detail = client.get(f"/api/polls/{poll.id}/").json()
    counts = client.get(f"/api/polls/{poll.id}/counts/").json()

    assert (detail["counts"] is not None) is sees
    assert counts["hidden"] is (not sees)


def test_decided_counts_are_public(world, api_client):
    poll = round_open(
        production=world.production,
        episode=world.start,
        closes_at=timezone.now() + timedelta(hours=2),
        hide_results=True,
        by=world.owner,
    )
    Poll.objects.filter(pk=poll.pk).update(status=Poll.Status.DECIDED)
    assert api_client.get(f"/api/polls/{poll.id}/counts/").json()["hidden"] is False
