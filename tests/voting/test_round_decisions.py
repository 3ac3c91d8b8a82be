"""Deciding a release round: the winner is published (or scheduled at release_at) through the story services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from screenings.models import Episode
from screenings.services.story import episodes_release_due
from tests.conftest import side_effects
from tests.factories import ScreeningFactory
from tests.voting.conftest import tickets_for
from voting.models import Poll
from voting.services.decisions import poll_decide
from voting.services.rounds import round_open
from voting.services.votes import vote_cast

pytestmark = pytest.mark.django_db


def _round(world, **extra) -> Poll:
    return round_open(
        production=world.production,
        episode=world.start,
        by=world.owner,
        closes_at=timezone.now() + timedelta(hours=1),
        **extra,
    )


def _vote(poll, tickets, branch):
    for ticket in tickets:
        vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=branch.id)


def test_the_winner_is_published_at_once_without_release_at(world, django_capture_on_commit_callbacks):
    poll = _round(world)
    _vote(poll, tickets_for(world.screenings[0], 2), world.right)
    _vote(poll, tickets_for(world.screenings[2], 1), world.left)

    with django_capture_on_commit_callbacks() as callbacks:
        decision = poll_decide(poll_id=poll.id)

    winner = Episode.objects.get(pk=world.right.target_id)
    assert decision.branch_id == world.right.id and decision.counts == {str(world.left.id): 1, str(world.right.id): 2}
    assert winner.status == Episode.Status.PUBLISHED and winner.published_at is not None
    assert Episode.objects.get(pk=world.left.target_id).status == Episode.Status.DRAFT
    assert len(side_effects(callbacks)) == 3  # poll.decided, episode.released (story service), round.release


def test_the_winner_is_scheduled_at_release_at_and_beat_releases_it(world):
    release_at = timezone.now() + timedelta(hours=2)
    poll = _round(world, release_at=release_at)
    _vote(poll, tickets_for(world.screenings[1], 3), world.left)

    poll_decide(poll_id=poll.id)

    winner = Episode.objects.get(pk=world.left.target_id)
    assert (winner.status, winner.release_at) == (Episode.Status.SCHEDULED, release_at)
    assert episodes_release_due(now=release_at - timedelta(seconds=1)) == []
    assert episodes_release_due(now=release_at) == [winner.id]
    winner.refresh_from_db()
    assert winner.status == Episode.Status.PUBLISHED


def test_an_empty_round_releases_the_default_branch(world):
    poll = _round(world)

    decision = poll_decide(poll_id=poll.id)

    assert (decision.branch_id, decision.reason) == (world.left.id, "no_votes")
    assert Episode.objects.get(pk=world.left.target_id).status == Episode.Status.PUBLISHED


def test_deciding_twice_releases_once(world):
    poll = _round(world)
    first = poll_decide(poll_id=poll.id)
    published_at = Episode.objects.get(pk=first.branch.target_id).published_at

    assert poll_decide(poll_id=poll.id).pk == first.pk
    assert Episode.objects.get(pk=first.branch.target_id).published_at == published_at


def test_a_refused_release_leaves_the_decision_standing(world):
    """The producer unset the start episode meanwhile: the story services refuse to publish."""
    poll = _round(world)
    world.production.start_episode = None
    world.production.save(update_fields=["start_episode"])

    decision = poll_decide(poll_id=poll.id)

    poll.refresh_from_db()
    assert poll.status == Poll.Status.DECIDED and decision.pk is not None
    assert Episode.objects.get(pk=decision.branch.target_id).status == Episode.Status.DRAFT


def test_an_already_published_winner_stays_as_it_is(world):
    target = Episode.objects.get(pk=world.right.target_id)
    target.status, target.published_at = Episode.Status.PUBLISHED, timezone.now() - timedelta(days=1)
    target.save()
    poll = _round(world)
    _vote(poll, tickets_for(world.screenings[0], 1), world.right)

    poll_decide(poll_id=poll.id)

    target.refresh_from_db()
    assert target.status == Episode.Status.PUBLISHED and target.published_at < timezone.now() - timedelta(hours=23)


def test_rest_fallback_votes_in_a_round_and_replaces(world, api_client):
    poll = _round(world)
    ticket = tickets_for(world.screenings[2], 1)[0]
    other_production = tickets_for(ScreeningFactory(), 1)[0]

    first = api_client.post(
        f"/api/polls/{poll.id}/votes/", {"ticket": ticket.code, "option": world.left.id}, format="json"
    )
    second = api_client.post(
        f"/api/polls/{poll.id}/votes/", {"ticket": ticket.code, "option": world.right.id}, format="json"
    )
    foreign = api_client.post(
        f"/api/polls/{poll.id}/votes/", {"ticket": other_production.code, "option": world.left.id}, format="json"
    )

    assert first.status_code == second.status_code == 201, first.json()
    assert second.json()["option"] == world.right.id and second.json()["receipt"] == first.json()["receipt"]
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "forbidden"
    assert poll_decide(poll_id=poll.id).counts == {str(world.left.id): 0, str(world.right.id): 1}
