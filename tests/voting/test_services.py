import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from config.errors import Conflict, Forbidden, Invalid, NotFound, PollClosed
from screenings import events
from screenings.models import Episode, Play, Ticket
from screenings.services.orders import ticket_refund
from screenings.services.ticketing import screening_cancel
from tests.conftest import side_effects
from tests.factories import TicketFactory, UserFactory
from tests.voting.conftest import cast_on_commit
from voting import tally
from voting.ballots import ballots_digest, receipt_for
from voting.models import Decision, Poll, Vote
from voting.recount import recount_poll
from voting.services import decisions
from voting.services.decisions import poll_decide
from voting.services.polls import poll_close_early, poll_open
from voting.services.votes import vote_cast, votes_cast_batch, votes_store_batch

pytestmark = pytest.mark.django_db


# --- opening -----------------------------------------------------------------


def test_poll_open_uses_the_branches_of_the_episode_now_playing(open_poll, story, live_screening):
    assert open_poll.scope == "live" and open_poll.status == "open"
    assert open_poll.episode == story.start and open_poll.screening == live_screening
    assert (open_poll.closes_at - open_poll.opens_at) == timedelta(seconds=30)
    assert tally.tally_counts(poll_id=open_poll.id, option_ids=[story.to_left.id, story.to_right.id]) == {
        str(story.to_left.id): 0,
        str(story.to_right.id): 0,
    }


def test_poll_open_names_unpublished_targets(live_screening, organizer, story):
    Episode.objects.filter(pk=story.right.pk).update(status="draft", published_at=None)
    with pytest.raises(Invalid) as error:
        poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    assert f"(id {story.right.id})" in error.value.message
    assert "Right" in error.value.message


def test_poll_open_needs_a_decision_point(live_screening, organizer, story):
    story.to_right.delete()
    with pytest.raises(Invalid, match="two or more branches"):
        poll_open(screening=live_screening, duration_seconds=30, by=organizer)


def test_poll_open_refuses_strangers_a_second_open_poll_and_bad_durations(open_poll, live_screening, organizer):
    with pytest.raises(Forbidden):
        poll_open(screening=live_screening, duration_seconds=30, by=UserFactory())
    with pytest.raises(Conflict, match="already open"):
        poll_open(screening=live_screening, duration_seconds=30, by=organizer)
    with pytest.raises(Invalid):
        poll_open(screening=live_screening, duration_seconds=1, by=organizer)


def test_poll_open_needs_a_live_screening(screening, organizer):
    with pytest.raises(Conflict, match="Start the screening"):
        poll_open(screening=screening, duration_seconds=30, by=organizer)


# --- voting ------------------------------------------------------------------


def test_vote_is_stored_with_its_receipt_and_replaceable(
    open_poll, story, make_tickets, django_capture_on_commit_callbacks
):
    ticket = make_tickets(1)[0]
    vote = cast_on_commit(open_poll, ticket, story.to_right, django_capture_on_commit_callbacks)
    assert vote.receipt == receipt_for(ticket_secret=ticket.secret, poll_id=open_poll.id)
    cast_on_commit(open_poll, ticket, story.to_left, django_capture_on_commit_callbacks)

    assert Vote.objects.get(poll=open_poll, ticket=ticket).branch == story.to_left
    counts = tally.tally_counts(poll_id=open_poll.id, option_ids=[story.to_left.id, story.to_right.id])
    assert counts == {str(story.to_left.id): 1, str(story.to_right.id): 0}


def test_vote_refuses_bad_tickets_options_and_polls(open_poll, story, screening, make_tickets):
    good = make_tickets(1)[0]
    with pytest.raises(Forbidden):
        vote_cast(poll_id=open_poll.id, ticket_code="nope", option_id=story.to_left.id)
    with pytest.raises(Forbidden, match="another screening"):
        vote_cast(poll_id=open_poll.id, ticket_code=TicketFactory().code, option_id=story.to_left.id)
    refunded = make_tickets(1, status=Ticket.Status.REFUNDED, refunded_at=timezone.now())[0]
    with pytest.raises(Forbidden, match="refunded"):
        vote_cast(poll_id=open_poll.id, ticket_code=refunded.code, option_id=story.to_left.id)
    with pytest.raises(Invalid):
        vote_cast(poll_id=open_poll.id, ticket_code=good.code, option_id=story.to_ending.id)
    with pytest.raises(NotFound):
        vote_cast(poll_id=open_poll.id + 999, ticket_code=good.code, option_id=story.to_left.id)
    assert not Vote.objects.exists()


def test_vote_after_closes_at_is_refused_even_before_the_decision(open_poll, story, make_tickets):
    now = timezone.now()
    Poll.objects.filter(pk=open_poll.pk).update(opens_at=now - timedelta(seconds=30), closes_at=now)
    with pytest.raises(PollClosed):
        vote_cast(poll_id=open_poll.id, ticket_code=make_tickets(1)[0].code, option_id=story.to_left.id)


# --- deciding ----------------------------------------------------------------


def test_decide_counts_durable_votes_once_and_moves_the_screening(
    open_poll, story, live_screening, make_tickets, django_capture_on_commit_callbacks
):
    tickets = make_tickets(5)
    for ticket in tickets[:3]:
        cast_on_commit(open_poll, ticket, story.to_right, django_capture_on_commit_callbacks)
    for ticket in tickets[3:]:
        cast_on_commit(open_poll, ticket, story.to_left, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decision = poll_decide(poll_id=open_poll.id)
    again = poll_decide(poll_id=open_poll.id)

    assert again.pk == decision.pk and Decision.objects.count() == 1
    assert decision.branch == story.to_right and decision.reason == "majority"
    assert decision.counts == {str(story.to_left.id): 2, str(story.to_right.id): 3}
    assert decision.total_votes == 5
    ballots = list(Vote.objects.filter(poll=open_poll).values_list("receipt", "branch_id"))
    assert decision.digest == ballots_digest(poll_id=open_poll.id, ballots=ballots)
    open_poll.refresh_from_db()
    live_screening.refresh_from_db()
    assert open_poll.status == "decided"
    assert live_screening.now_playing == story.right
    assert list(Play.objects.filter(screening=live_screening).values_list("episode", flat=True)) == [
        story.start.id,
        story.right.id,
    ]
    assert len(side_effects(callbacks)) >= 2  # poll.decided and now_playing broadcasts, after commit
    with pytest.raises(PollClosed):
        vote_cast(poll_id=open_poll.id, ticket_code=tickets[0].code, option_id=story.to_left.id)


def test_tie_and_empty_polls_fall_to_the_default_branch(
    open_poll, story, live_screening, organizer, make_tickets, django_capture_on_commit_callbacks
):
    a, b = make_tickets(2)
    cast_on_commit(open_poll, a, story.to_left, django_capture_on_commit_callbacks)
    cast_on_commit(open_poll, b, story.to_right, django_capture_on_commit_callbacks)
    decision = poll_decide(poll_id=open_poll.id)
    assert (decision.branch, decision.reason) == (story.to_left, "tie_break")


def test_empty_poll_without_default_takes_the_lowest_branch_id(open_poll, story):
    story.to_left.is_default = False
    story.to_left.save()
    decision = poll_decide(poll_id=open_poll.id)
    assert (decision.branch_id, decision.reason) == (min(story.to_left.id, story.to_right.id), "no_votes")
    assert decision.total_votes == 0 and decision.counts == {str(story.to_left.id): 0, str(story.to_right.id): 0}


def test_quorum_not_met(live_screening, organizer, story, make_tickets, django_capture_on_commit_callbacks):
    poll = poll_open(screening=live_screening, duration_seconds=30, by=organizer, quorum=2)
    cast_on_commit(poll, make_tickets(1)[0], story.to_right, django_capture_on_commit_callbacks)
    decision = poll_decide(poll_id=poll.id)
    assert (decision.branch, decision.reason) == (story.to_left, "no_quorum")


def test_close_early_decides_now_and_only_the_organizer_may(open_poll, organizer, story, live_screening):
    with pytest.raises(Forbidden):
        poll_close_early(poll=open_poll, by=UserFactory())
    decision = poll_close_early(poll=open_poll, by=organizer)
    open_poll.refresh_from_db()
    assert open_poll.status == "decided" and open_poll.closes_at <= timezone.now()
    assert decision.reason == "no_votes" and decision.branch == story.to_left
    assert poll_close_early(poll=open_poll, by=organizer).pk == decision.pk


def test_decision_does_not_move_a_screening_that_ended_meanwhile(open_poll, live_screening, story):
    type(live_screening).objects.filter(pk=live_screening.pk).update(status="ended")
    poll_decide(poll_id=open_poll.id)
    live_screening.refresh_from_db()
    assert live_screening.now_playing == story.start


def test_a_decided_decision_point_cannot_be_polled_again(open_poll, live_screening, organizer, story):
    type(live_screening).objects.filter(pk=live_screening.pk).update(status="ended")
    poll_decide(poll_id=open_poll.id)
    type(live_screening).objects.filter(pk=live_screening.pk).update(status="live")
    with pytest.raises(Conflict, match="already decided"):
        poll_open(screening=live_screening, duration_seconds=30, by=organizer)


@pytest.mark.django_db(transaction=True)
def test_the_decision_commits_and_is_broadcast_before_its_digest_is_sealed(open_poll, story, make_tickets, monkeypatch):
    """The audience waits for the decision, not its audit hash: by the time the digest (a sort of
    every ballot) is computed, the decision is committed, visible to other connections, and its
    poll.decided sent."""
    for ticket in make_tickets(3):
        vote_cast(poll_id=open_poll.id, ticket_code=ticket.code, option_id=story.to_left.id)
    sent, seen_at_seal = [], {}
    monkeypatch.setattr(events, "broadcast_now", lambda group, event: sent.append(event["type"]))
    real_digest = decisions._digest

    def digest_watched(*, poll_id):
        def elsewhere():  # another connection: only a committed decision is visible there
            seen_at_seal["committed"] = Decision.objects.filter(poll_id=poll_id).exists()
            connection.close()

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        seen_at_seal["sent"] = list(sent)
        return real_digest(poll_id=poll_id)

    monkeypatch.setattr(decisions, "_digest", digest_watched)
    decision = poll_decide(poll_id=open_poll.id)

    assert seen_at_seal == {"committed": True, "sent": seen_at_seal["sent"]} and "poll.decided" in seen_at_seal["sent"]
    ballots = list(Vote.objects.filter(poll=open_poll).values_list("receipt", "branch_id"))
    assert (
        decision.digest
        == Decision.objects.get(pk=decision.pk).digest
        == ballots_digest(poll_id=open_poll.id, ballots=ballots)
    )


def test_a_lost_seal_keeps_the_decision_and_the_sweeper_seals_it(
    open_poll, story, make_tickets, monkeypatch, api_client
):
    for ticket in make_tickets(2):
        vote_cast(poll_id=open_poll.id, ticket_code=ticket.code, option_id=story.to_right.id)

    def crashed(**_kwargs):
        raise RuntimeError("the process died after the decision committed")

    monkeypatch.setattr(decisions, "_digest", crashed)
    decision = poll_decide(poll_id=open_poll.id)
    monkeypatch.undo()

    assert poll_decide(poll_id=open_poll.id).pk == decision.pk  # deciding again finds it and seals nothing
    stored = Decision.objects.get(pk=decision.pk)
    assert stored.branch == story.to_right and stored.total_votes == 2 and stored.digest == ""
    answer = api_client.get(f"/api/polls/{open_poll.id}/result/")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "conflict"
    assert "sealed" in answer.json()["error"]["message"]
    page = api_client.get(f"/polls/{open_poll.id}/result/")
    assert page.status_code == 200 and "Decided." in page.content.decode()
    assert recount_poll(poll=open_poll).problems == [
        "the decision's digest is not sealed yet (it is, a moment after the decision)"
    ]

    assert decisions.decisions_seal_overdue() == 0  # too fresh: the deciding process may still be sealing it
    Decision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - timedelta(minutes=1))
    assert decisions.decisions_seal_overdue() == 1
    assert decisions.decisions_seal_overdue() == 0  # sealed once

    ballots = list(Vote.objects.filter(poll=open_poll).values_list("receipt", "branch_id"))
    assert Decision.objects.get(pk=decision.pk).digest == ballots_digest(poll_id=open_poll.id, ballots=ballots)
    result = api_client.get(f"/api/polls/{open_poll.id}/result/")
    assert result.status_code == 200 and result.json()["digest"] == ballots_digest(
        poll_id=open_poll.id, ballots=ballots
    )
    assert recount_poll(poll=open_poll).ok


# --- refunds -----------------------------------------------------------------


def test_refunded_ticket_stops_counting_at_once(
    open_poll, story, make_tickets, organizer, django_capture_on_commit_callbacks
):
    kept, refunded = make_tickets(2)
    cast_on_commit(open_poll, kept, story.to_left, django_capture_on_commit_callbacks)
    cast_on_commit(open_poll, refunded, story.to_right, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):  # the box office's real refund
        ticket_refund(code=refunded.code, user=organizer)

    assert list(Vote.objects.values_list("ticket_id", flat=True)) == [kept.id]
    counts = tally.tally_counts(poll_id=open_poll.id, option_ids=[story.to_left.id, story.to_right.id])
    assert counts == {str(story.to_left.id): 1, str(story.to_right.id): 0}
    with pytest.raises(Forbidden):
        vote_cast(poll_id=open_poll.id, ticket_code=refunded.code, option_id=story.to_right.id)
    assert poll_decide(poll_id=open_poll.id).counts == counts


def test_refund_keeps_votes_of_decided_polls(
    open_poll, story, make_tickets, organizer, django_capture_on_commit_callbacks
):
    ticket = make_tickets(1)[0]
    cast_on_commit(open_poll, ticket, story.to_right, django_capture_on_commit_callbacks)
    poll_decide(poll_id=open_poll.id)
    ticket_refund(code=ticket.code, user=organizer)
    assert Vote.objects.filter(ticket=ticket).count() == 1


def test_a_cancellation_withdraws_its_tickets_votes_from_the_open_poll(
    open_poll, story, make_tickets, organizer, live_screening, django_capture_on_commit_callbacks
):
    for ticket in make_tickets(3):
        cast_on_commit(open_poll, ticket, story.to_right, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        refunded = screening_cancel(screening=live_screening, user=organizer)
    assert len(refunded) == 3 and not Vote.objects.filter(poll=open_poll).exists()
    assert poll_decide(poll_id=open_poll.id).total_votes == 0


# --- group commit --------------------------------------------------------------


def test_batch_stores_valid_votes_refuses_others_and_keeps_one_tickets_order(open_poll, story, make_tickets):
    a, b = make_tickets(2)
    results = votes_cast_batch(
        ballots=[
            (open_poll.id, b.code, story.to_right.id),
            (open_poll.id, "no-such-ticket", story.to_left.id),
            (open_poll.id, a.code, story.to_right.id),
            (open_poll.id, a.code, story.to_ending.id),  # not an option: refused, the earlier vote stays
            (open_poll.id, b.code, story.to_left.id),  # b changes its vote: the later one wins
        ]
    )

    assert [type(r).__name__ for r in results] == ["Vote", "UnknownTicket", "Vote", "Invalid", "Vote"]
    assert results[1].code == "forbidden"  # an unknown ticket is forbidden, as API.md says
    stored = dict(Vote.objects.filter(poll=open_poll).values_list("ticket_id", "branch_id"))
    assert stored == {a.id: story.to_right.id, b.id: story.to_left.id}


def test_one_batch_adds_and_moves_votes_keeping_each_moved_votes_receipt(open_poll, story, make_tickets):
    a, b, c = make_tickets(3)
    first, _ = votes_store_batch(
        ballots=[(open_poll.id, a.code, story.to_left.id), (open_poll.id, b.code, story.to_left.id)]
    )
    stored = Vote.objects.get(poll=open_poll, ticket=a)

    results, changes = votes_store_batch(
        ballots=[
            (open_poll.id, a.code, story.to_right.id),  # moved
            (open_poll.id, b.code, story.to_left.id),  # the same option again: nothing to write
            (open_poll.id, c.code, story.to_right.id),  # new
        ]
    )

    moved = Vote.objects.get(poll=open_poll, ticket=a)
    assert (moved.pk, moved.receipt, moved.cast_at) == (stored.pk, stored.receipt, stored.cast_at)
    assert moved.branch_id == story.to_right.id and moved.updated_at >= stored.updated_at
    assert [r.pk for r in results] == [stored.pk, first[1].pk, Vote.objects.get(poll=open_poll, ticket=c).pk]
    assert [r.receipt for r in results[:2]] == [stored.receipt, first[1].receipt]
    assert sorted((old or 0, new) for _, _, old, new in changes) == sorted(
        [(story.to_left.id, story.to_right.id), (0, story.to_right.id)]
    )


def test_one_batch_over_two_screenings_polls_checks_each_vote_against_its_own(
    open_poll, story, organizer, make_tickets, django_capture_on_commit_callbacks
):
    from tests.factories import ScreeningFactory
    from voting.live.services import screening_start

    with django_capture_on_commit_callbacks(execute=True):
        other = screening_start(
            screening=ScreeningFactory(production=story.start.production, organizer=organizer), by=organizer
        )
        other_poll = poll_open(screening=other, duration_seconds=30, by=organizer)
    mine, theirs = make_tickets(1)[0], make_tickets(1, for_screening=other)[0]
    vote_cast(poll_id=other_poll.id, ticket_code=theirs.code, option_id=story.to_left.id)

    results, changes = votes_store_batch(
        ballots=[
            (open_poll.id, mine.code, story.to_right.id),
            (other_poll.id, mine.code, story.to_right.id),  # not this ticket's screening
            (other_poll.id, theirs.code, story.to_right.id),  # moves its vote
            (open_poll.id, theirs.code, story.to_left.id),
        ]
    )

    assert [type(r).__name__ for r in results] == ["Vote", "Forbidden", "Vote", "Forbidden"]
    assert "another screening" in str(results[1].message)
    stored = set(Vote.objects.values_list("poll_id", "ticket_id", "branch_id"))
    assert stored == {(open_poll.id, mine.id, story.to_right.id), (other_poll.id, theirs.id, story.to_right.id)}
    assert sorted((p.id, old, new) for p, _, old, new in changes) == sorted(
        [(open_poll.id, None, story.to_right.id), (other_poll.id, story.to_left.id, story.to_right.id)]
    )


def test_a_stored_votes_times_read_back_as_the_orm_writes_them(open_poll, story, make_tickets):
    """The batch writes hand-written SQL: its datetimes must compare with the ORM's (SQLite keeps text)."""
    ticket = make_tickets(1)[0]
    arrived = timezone.now()  # the frame's arrival; stored a moment later
    (vote,), _ = votes_store_batch(ballots=[(open_poll.id, ticket.code, story.to_left.id, arrived)])
    assert Vote.objects.filter(cast_at=arrived, updated_at__gte=arrived).get().pk == vote.pk
    assert Vote.objects.filter(cast_at__lt=open_poll.closes_at, cast_at__gte=open_poll.opens_at).count() == 1
    again, _ = votes_store_batch(ballots=[(open_poll.id, ticket.code, story.to_right.id)])
    assert again[0].cast_at == arrived and Vote.objects.get().cast_at == arrived  # a move keeps cast_at


def test_a_batch_costs_the_same_statements_whatever_it_holds(open_poll, story, make_tickets):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    def statements(ballots) -> int:
        with CaptureQueriesContext(db) as captured:
            votes_store_batch(ballots=ballots)
        return len([q for q in captured.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))])

    one = statements([(open_poll.id, make_tickets(1)[0].code, story.to_left.id)])
    many = statements([(open_poll.id, t.code, story.to_right.id) for t in make_tickets(40)])
    assert one == many
