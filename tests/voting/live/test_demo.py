"""The demo `make run` serves plays on autopilot: an online screening of the demo story runs itself."""

import pytest

from screenings.models import Screening
from voting.live.demo import demo_platform_seed

pytestmark = pytest.mark.django_db


def test_the_demo_starts_an_online_screening_on_autopilot_once():
    summary = demo_platform_seed(password="pw-demo-123")
    online = summary.online
    assert online.venue is None and online.autopilot and online.status == "live"
    assert online.now_playing_id == summary.production.start_episode_id
    assert len(summary.online_tickets) == 4
    start = summary.production.start_episode
    assert start.vote_cue() == (60, 20)  # the demo's cue: the vote opens a minute in

    again = demo_platform_seed(password="pw-demo-123")
    assert again.online.pk == online.pk  # still playing: not a second one
    assert Screening.objects.filter(venue=None, autopilot=True).count() == 1


def test_once_the_online_screening_ended_the_next_run_starts_a_new_one():
    first = demo_platform_seed(password="pw-demo-123").online
    Screening.objects.filter(pk=first.pk).update(status=Screening.Status.ENDED)

    second = demo_platform_seed(password="pw-demo-123").online
    assert second.pk != first.pk and second.status == "live"
