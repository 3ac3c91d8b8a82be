import pytest
from django.contrib.auth import get_user_model

from screenings.demo import demo_seed
from screenings.models import Branch, Episode, Order, Production, Screening, Ticket

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (get_user_model(), Production, Episode, Branch, Screening, Order, Ticket)]


def test_demo_seed_is_idempotent():
    first = demo_seed(password="pw-demo-123")
    before = counts()

    second = demo_seed(password="pw-demo-123")

    assert counts() == before
    assert [t.code for t in second.tickets] == [t.code for t in first.tickets]


def test_demo_story_has_two_decision_points_and_endings_and_a_half_price_screening():
    summary = demo_seed(password="pw-demo-123")
    episodes = Episode.objects.filter(production=summary.production)

    decision_points = [e for e in episodes if e.branches_out.count() >= 2]
    endings = [e for e in episodes if e.branches_out.count() == 0]
    assert len(decision_points) >= 2
    assert len(endings) >= 2
    assert summary.production.start_episode is not None
    assert summary.screening.half_price
    assert summary.screening.ticket_price * 2 == summary.screening.base_price
    assert len(summary.tickets) == 4
    assert all(len(t.code) >= 43 for t in summary.tickets)


def test_demo_seed_again_after_the_producer_edited_the_graph():
    """`make run` seeds on every start: it used to re-create renamed episodes and their branches
    (a second default branch broke a unique constraint and the launcher stopped)."""
    from screenings.services import story

    summary = demo_seed(password="pw-demo-123")
    producer = summary.production.owner
    start = summary.production.start_episode
    story.episode_update(episode=start, actor=producer, title="Renamed by the producer")
    other = start.branches_out.filter(is_default=False).first()
    story.branch_update(branch=other, actor=producer, is_default=True)
    before = counts()

    demo_seed(password="pw-demo-123")

    assert counts() == before
    assert Episode.objects.get(pk=start.pk).title == "Renamed by the producer"
