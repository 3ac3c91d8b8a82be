"""Votes racing the decision: every vote whose vote_cast returned is in the decision, exactly once."""

import threading
import time
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from config.errors import PollClosed
from voting.models import Vote
from voting.services.decisions import poll_decide
from voting.services.polls import poll_open
from voting.services.votes import vote_cast


@pytest.mark.django_db(transaction=True)
def test_accepted_votes_racing_the_decision_are_all_counted(live_screening, organizer, story, make_tickets):
    poll = poll_open(screening=live_screening, duration_seconds=60, by=organizer)
    tickets = make_tickets(12)
    options = [story.to_left.id, story.to_right.id]
    accepted: dict[int, int] = {}  # ticket id -> last option acknowledged
    lock = threading.Lock()
    stop = threading.Event()

    def voter(ticket, offset):
        try:
            i = offset
            while not stop.is_set():
                option = options[i % 2]
                try:
                    vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=option)
                except PollClosed:
                    return
                with lock:
                    accepted[ticket.id] = option
                i += 1
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=voter, args=(t, n)) for n, t in enumerate(tickets)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    decision = poll_decide(poll_id=poll.id)
    for thread in threads:
        thread.join(timeout=30)
    stop.set()

    expected = Counter(accepted.values())
    assert decision.counts == {str(o): expected.get(o, 0) for o in options}
    assert decision.total_votes == len(accepted) == Vote.objects.filter(poll=poll).count()
    stored = dict(Vote.objects.filter(poll=poll).values_list("ticket_id", "branch_id"))
    assert stored == accepted


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_refund_racing_its_tickets_vote_leaves_no_vote_behind(
    live_screening, organizer, story, make_tickets, monkeypatch
):
    """The vote batch locks its tickets as it reads them (FOR UPDATE): a refund that starts while
    a vote of its ticket is being stored waits for it, then withdraws it. Without the lock the
    refund would commit first and the vote land after it, counted for a refunded ticket."""
    from screenings.services.orders import ticket_refund
    from voting.services import votes

    poll = poll_open(screening=live_screening, duration_seconds=60, by=organizer)
    ticket = make_tickets(1)[0]
    checked, resume, refunded = threading.Event(), threading.Event(), threading.Event()
    real_receipt = votes.receipt_for

    def paused_receipt(**kwargs):  # the ticket has been read and found valid; the vote is not written yet
        checked.set()
        resume.wait(timeout=30)
        return real_receipt(**kwargs)

    monkeypatch.setattr(votes, "receipt_for", paused_receipt)
    outcome: dict = {}

    def vote():
        try:
            outcome["vote"] = vote_cast(poll_id=poll.id, ticket_code=ticket.code, option_id=story.to_left.id)
        finally:
            connection.close()

    def refund():
        try:
            outcome["refund"] = ticket_refund(code=ticket.code, user=organizer)
            refunded.set()
        finally:
            connection.close()

    voter = threading.Thread(target=vote)
    voter.start()
    assert checked.wait(timeout=30)
    refunder = threading.Thread(target=refund)
    refunder.start()
    refunded.wait(timeout=1)  # with the lock it cannot finish now; without, it would have by now
    resume.set()
    voter.join(timeout=30)
    refunder.join(timeout=30)

    assert outcome["refund"].status == "refunded" and "vote" in outcome
    assert not Vote.objects.filter(poll=poll, ticket=ticket).exists()
