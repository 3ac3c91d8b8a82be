from datetime import timedelta

import pytest
from django.utils import timezone

from screenings.models import Play, Ticket
from tests.factories import BranchFactory, EpisodeFactory, PollFactory, VoteFactory
from tests.voting.conftest import tickets_for
from voting.selectors.analytics import production_analytics_get, vote_timeline

pytestmark = pytest.mark.django_db
T0 = timezone.now().replace(microsecond=0)


def test_timeline_is_votes_per_second_for_a_live_window():
    cast = [T0 + timedelta(seconds=s) for s in (0.2, 0.9, 3.5, 59.9)]

    timeline = vote_timeline(cast=cast, opens_at=T0, closes_at=T0 + timedelta(seconds=60))

    assert timeline["bin_seconds"] == 1 and len(timeline["bins"]) == 60
    assert [b["votes"] for b in timeline["bins"][:4]] == [2, 0, 0, 1] and timeline["bins"][59]["votes"] == 1
    assert timeline["peak_per_second"] == 2 and timeline["votes"] == 4


def test_timeline_of_a_long_round_uses_wider_bins_and_rates():
    cast = [T0 + timedelta(hours=1)] * 36

    timeline = vote_timeline(cast=cast, opens_at=T0, closes_at=T0 + timedelta(days=1))

    assert len(timeline["bins"]) == 120 and timeline["bin_seconds"] == 720
    assert timeline["bins"][5]["votes"] == 36 and timeline["bins"][5]["per_second"] == pytest.approx(36 / 720)


@pytest.fixture
def history(world, decide_poll):
    """Aurora screening 0 voted live 3:1 for the forest and went there; a round across all is decided too."""
    s0 = world.screenings[0]
    live = PollFactory(screening=s0, episode=world.start)
    tickets = tickets_for(s0, 4, status=Ticket.Status.CHECKED_IN) + tickets_for(s0, 2)
    for ticket, branch in zip(tickets, [world.left] * 3 + [world.right]):
        VoteFactory(poll=live, ticket=ticket, branch=branch)
    decide_poll(live)
    Play.objects.create(screening=s0, episode=world.left.target, started_at=timezone.now())

    round_ = PollFactory(scope="round", screening=None, episode=world.start)
    b_tickets = tickets_for(world.screenings[2], 3, status=Ticket.Status.CHECKED_IN)
    for ticket, branch in zip(tickets[:1] + b_tickets, [world.right] * 4):
        VoteFactory(poll=round_, ticket=ticket, branch=branch)
    decide_poll(round_)
    return live, round_


def test_analytics_turnout_shares_and_paths(world, history, django_assert_max_num_queries):
    live, round_ = history

    with django_assert_max_num_queries(8):
        analytics = production_analytics_get(production=world.production)

    by_poll = {row["poll"].id: row for row in analytics["polls"]}
    live_row, round_row = by_poll[live.id], by_poll[round_.id]
    assert [(o["id"], o["votes"], o["share"]) for o in live_row["options"]] == [
        (world.left.id, 3, 0.75),
        (world.right.id, 1, 0.25),
    ]
    assert live_row["turnout"] == {"votes": 4, "screenings": 1, "checked_in": 4, "tickets": 6, "ratio": 1.0}
    # the round: the three screenings that played the pilot plus the online one
    assert round_row["turnout"]["screenings"] == 4 and round_row["turnout"]["checked_in"] == 7
    assert round_row["turnout"]["ratio"] == pytest.approx(4 / 7)
    assert sum(b["votes"] for b in live_row["timeline"]["bins"]) == 4

    [path] = [p for p in analytics["paths"] if p["screening"].id == world.screenings[0].id]
    assert [s["episode"].id for s in path["steps"]] == [world.start.id, world.left.target_id]
    assert path["steps"][1]["via"] == {"branch": world.left.id, "label": "Forest", "poll": live.id, "share": 0.75}


def test_branch_shares_are_keyed_by_branch_for_the_graph_overlay(world, history):
    shares = production_analytics_get(production=world.production)["branch_shares"]

    assert shares[world.left.id] == {"votes": 3, "total": 8, "share": 3 / 8, "won": 1}
    assert shares[world.right.id] == {"votes": 5, "total": 8, "share": 5 / 8, "won": 1}


def test_a_production_without_polls_has_empty_analytics(world):
    other = EpisodeFactory(production=world.production)
    BranchFactory(source=other)

    analytics = production_analytics_get(production=world.production)

    assert analytics["polls"] == [] and analytics["branch_shares"] == {}
    assert all(len(p["steps"]) == 1 and p["steps"][0]["via"] is None for p in analytics["paths"])


def test_analytics_page_draws_shares_and_taken_branches_on_the_story_graph(world, history, client):
    client.force_login(world.owner)

    html = client.get(f"/productions/{world.production.id}/analytics/").content.decode()

    graph = html[html.index('id="analytics-graph"') :]
    left = graph[graph.index(f'data-branch="{world.left.id}"') - 40 :]
    assert 'class="branch default taken"' in left[:80]  # Aurora took the forest
    assert "38% · 3/8 votes · chosen" in graph and "62% · 5/8 votes · chosen" in graph
