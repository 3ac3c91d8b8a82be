import pytest

from config.errors import Conflict, Forbidden, Invalid
from screenings.models import Episode, Play
from tests.factories import UserFactory
from voting.live.services import screening_advance, screening_end, screening_start
from voting.services.polls import poll_open

pytestmark = pytest.mark.django_db


def test_start_plays_the_start_episode_and_records_it(screening, organizer, story):
    started = screening_start(screening=screening, by=organizer)
    assert started.status == "live" and started.started_at is not None
    assert started.now_playing == story.start
    assert list(Play.objects.filter(screening=screening).values_list("episode", flat=True)) == [story.start.id]
    with pytest.raises(Conflict):
        screening_start(screening=screening, by=organizer)


def test_start_needs_the_organizer_and_a_published_start_episode(screening, organizer, story, superuser):
    with pytest.raises(Forbidden):
        screening_start(screening=screening, by=UserFactory())
    Episode.objects.filter(pk=story.start.pk).update(status="draft", published_at=None)
    with pytest.raises(Invalid, match="not published"):
        screening_start(screening=screening, by=superuser)


def test_advance_only_along_an_outgoing_branch(live_screening, organizer, story):
    with pytest.raises(Invalid):
        screening_advance(screening=live_screening, episode=story.ending, by=organizer)
    moved = screening_advance(screening=live_screening, episode=story.left, by=organizer)
    assert moved.now_playing == story.left
    moved = screening_advance(screening=live_screening, episode=story.ending, by=organizer)
    assert moved.now_playing == story.ending
    assert Play.objects.filter(screening=live_screening).count() == 3


def test_advance_and_end_wait_for_an_open_poll(live_screening, organizer, story):
    poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    with pytest.raises(Conflict):
        screening_advance(screening=live_screening, episode=story.left, by=organizer)
    with pytest.raises(Conflict):
        screening_end(screening=live_screening, by=organizer)


def test_end(live_screening, organizer):
    ended = screening_end(screening=live_screening, by=organizer)
    assert ended.status == "ended" and ended.ended_at is not None
    with pytest.raises(Conflict):
        screening_end(screening=live_screening, by=organizer)
