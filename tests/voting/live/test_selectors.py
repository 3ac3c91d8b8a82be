import pytest

from voting.live.selectors import screening_state_get
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open
from voting.services.votes import vote_cast

pytestmark = pytest.mark.django_db


def test_state_has_the_poll_my_vote_and_a_fixed_query_count(
    live_screening, organizer, story, make_tickets, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    tickets = make_tickets(30)
    with django_capture_on_commit_callbacks(execute=True):
        poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    for ticket in tickets:
        with django_capture_on_commit_callbacks(execute=True):
            vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=story.to_right.id)

    # 5 for the live part + 2 for the `rounds` extension (the ticket, the production's rounds):
    # fixed, whatever the number of votes.
    with django_assert_max_num_queries(7):
        state = screening_state_get(screening_id=live_screening.id, ticket=tickets[0])
    assert state["type"] == "state" and state["my_vote"] == story.to_right.id
    assert state["rounds"] == []
    assert state["poll"]["counts"] == {str(story.to_left.id): 0, str(story.to_right.id): 30}
    assert state["now_playing"]["id"] == story.start.id and state["server_time"]


def test_state_after_the_decision_shows_it_and_what_plays_next(live_screening, organizer, story, make_tickets):
    ticket = make_tickets(1)[0]
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=story.to_right.id)
    poll_decide(poll_id=poll.id)

    state = screening_state_get(screening_id=live_screening.id, ticket=ticket)
    assert state["poll"]["status"] == "decided"
    assert state["poll"]["decision"]["option"] == story.to_right.id
    assert state["poll"]["counts"] == {str(story.to_left.id): 0, str(story.to_right.id): 1}
    assert state["now_playing"]["id"] == story.right.id and state["my_vote"] == story.to_right.id


def test_hidden_counts_only_for_staff(live_screening, organizer):
    poll_open(screening=live_screening, duration_seconds=30, by=organizer, hide_results=True)
    assert screening_state_get(screening_id=live_screening.id)["poll"]["counts"] is None
    assert screening_state_get(screening_id=live_screening.id, sees_hidden_live=True)["poll"]["counts"] is not None


def test_an_old_decision_is_not_shown_once_the_screening_moved_on(live_screening, organizer, story):
    from voting.live.services import screening_advance

    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    poll_decide(poll_id=poll.id)  # no votes: the default, Left
    assert screening_state_get(screening_id=live_screening.id)["poll"]["id"] == poll.id
    screening_advance(screening=live_screening, episode=story.ending, by=organizer)
    assert screening_state_get(screening_id=live_screening.id)["poll"] is None
