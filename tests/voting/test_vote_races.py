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
