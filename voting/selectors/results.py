"""Reads of decided results, ballot receipts and round counts (pages, API and recount share these)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.errors import Conflict
from screenings import policy
from screenings.models import Branch, Ticket
from voting.ballots import VERSION
from voting.models import Decision, Poll, Vote
from voting.rules import RULE
from voting.selectors.polls import poll_options_list

# The deciding rule has one wording (voting/rules.py); the result adds how ballots are kept.
# The result stores the English text (a record); the result page shows it translated (rule_text_get).
RULE_KEEPING = gettext_noop(
    "One ballot per ticket; a later vote in the window replaces the earlier one; "
    "ballots of refunded tickets are removed before the tally."
)
RULE_TEXT = f"{RULE} {RULE_KEEPING}"


def rule_text_get(text: str) -> str:
    """A stored rule text in the active language, when it is the one this code writes."""
    return f"{_(RULE)} {_(RULE_KEEPING)}" if text == RULE_TEXT else text


def poll_rule_get(*, poll: Poll, default_option: int | None) -> dict:
    """The deciding rule, for people (`text`) and for programs (the other keys)."""
    return {
        "name": "plurality",
        "tie_break": "default_if_tied_else_lowest_tied_id",
        "default_option": default_option,
        "quorum": poll.quorum,
        "text": RULE_TEXT,
    }


def _decision_of(poll: Poll) -> Decision:
    try:
        decision = poll.decision
    except Decision.DoesNotExist:
        raise Conflict(_("The poll is not decided yet; its result is published at the decision.")) from None
    if not decision.digest:  # sealed just after the decision commits (voting/services/decisions.py)
        raise Conflict(_("The poll is decided; its result is published in a moment, once its digest is sealed."))
    return decision


def poll_result_get(*, poll: Poll) -> dict:
    """API.md's `GET /api/polls/{id}/result/` body. Raises Conflict before the decision.

    `counts` and `digest` are the ones fixed at decision time; `ballots` are read
    from the durable votes, so anyone recounting the export detects later tampering.
    """
    decision = _decision_of(poll)
    counted = [int(key) for key in decision.counts]
    branches = {b.id: b for b in Branch.objects.filter(id__in=counted).order_by("position", "id")}
    option_ids = list(branches) + sorted(i for i in counted if i not in branches)  # display order
    ballots = [
        {"receipt": receipt, "option": option}
        for receipt, option in poll.votes.order_by("receipt").values_list("receipt", "branch_id")
    ]
    default = next((b.id for b in branches.values() if b.is_default), None)
    return {
        "poll": poll.id,
        "scope": poll.scope,
        "version": VERSION,
        "options": [{"id": i, "label": branches[i].label if i in branches else ""} for i in option_ids],
        "counts": decision.counts,
        "total_votes": decision.total_votes,
        "decision": {"option": decision.branch_id, "reason": decision.reason, "decided_at": decision.decided_at},
        "rule": poll_rule_get(poll=poll, default_option=default),
        "ballots": ballots,
        "digest": decision.digest,
    }


def poll_result_url(poll_id: int) -> str:
    return reverse("poll-result", args=[poll_id])


def ticket_receipts_list(*, ticket: Ticket) -> list[dict]:
    """Every ballot of a ticket, with whether it is in a decided result (and where to check)."""
    votes = ticket.votes.select_related("poll__decision").order_by("poll_id")
    rows = []
    for vote in votes:
        decision = getattr(vote.poll, "decision", None)
        rows.append(
            {
                "poll": vote.poll_id,
                "scope": vote.poll.scope,
                "receipt": vote.receipt,
                "option": vote.branch_id,
                "counted": decision is not None and vote.updated_at <= decision.decided_at,
                "result_url": poll_result_url(vote.poll_id),
            }
        )
    return rows


def round_counts_get(*, poll: Poll, venue_screenings: set[int] | None = None, with_venues: bool = True) -> dict:
    """Counts from the durable votes: overall, and per venue (only the rows of
    `venue_screenings` when given: an organizer sees their own screenings' venues).

    Online screenings (no venue) are grouped as one "Online" row.
    """
    options = [b.id for b in poll_options_list(poll=poll)]
    rows = (
        Vote.objects.filter(poll=poll)
        .exclude(ticket__status=Ticket.Status.REFUNDED)
        .values("ticket__screening_id", "ticket__screening__venue_id", "ticket__screening__venue__name", "branch_id")
        .annotate(n=Count("id"))
    )
    overall = {str(o): 0 for o in options}
    venues: dict = {}
    for row in rows:
        key = str(row["branch_id"])
        overall[key] = overall.get(key, 0) + row["n"]
        if venue_screenings is not None and row["ticket__screening_id"] not in venue_screenings:
            continue
        venue = venues.setdefault(
            row["ticket__screening__venue_id"],
            {
                "venue": row["ticket__screening__venue__name"] or "Online",
                "venue_id": row["ticket__screening__venue_id"],
                "screenings": set(),
                "counts": {str(o): 0 for o in options},
            },
        )
        venue["screenings"].add(row["ticket__screening_id"])
        venue["counts"][key] = venue["counts"].get(key, 0) + row["n"]
    by_venue = None
    if with_venues:
        by_venue = sorted(
            ({**v, "screenings": sorted(v["screenings"])} for v in venues.values()),
            key=lambda v: (v["venue_id"] is None, v["venue"], v["venue_id"] or 0),
        )
    return {
        "poll": poll.id,
        "scope": poll.scope,
        "status": poll.status,
        "hidden": False,
        "total": sum(overall.values()),
        "overall": overall,
        "by_venue": by_venue,
    }


def round_counts_for_get(*, poll: Poll, user) -> dict:
    """Counts as `user` may see them (screenings.policy): while the poll hides its counts,
    nobody but its own organizer, the producer and superusers; per venue, the producer sees
    every venue, an organizer the venues of their own screenings, everyone else none."""
    if not policy.poll_counts_visible(user=user, poll=poll):
        return {
            "poll": poll.id,
            "scope": poll.scope,
            "status": poll.status,
            "hidden": True,
            "total": None,
            "overall": None,
            "by_venue": None,
        }
    venue_screenings = policy.poll_venue_screenings(user=user, poll=poll)
    with_venues = venue_screenings is None or bool(venue_screenings)
    return round_counts_get(poll=poll, venue_screenings=venue_screenings, with_venues=with_venues)


def ticket_status_counts(*, screening_ids: list[int]) -> dict[int, dict[str, int]]:
    """{screening id: {"checked_in": n, "valid": n}} in one query."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"checked_in": 0, "valid": 0})
    rows = (
        Ticket.objects.filter(screening_id__in=screening_ids)
        .exclude(status=Ticket.Status.REFUNDED)
        .values("screening_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        out[row["screening_id"]][row["status"]] += row["n"]
    return out
