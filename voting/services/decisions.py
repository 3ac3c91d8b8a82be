"""Deciding polls, exactly once, for every scope.

`poll_decide` takes the locks in the documented order (screenings/locking.py): the
production (a round releases through the story services) or the screening (a live
poll moves what it plays), then the poll. It returns the existing decision if there
is one, counts the durable votes, inserts the (unique) Decision, applies the scope's
effect — all in one transaction — and broadcasts only after it commits.

The ballots' digest is sealed in a second transaction, after the decision has committed
(`decision_digest_seal`): the digest sorts every ballot by receipt (about 1.5 s for a
million on two cores, bench/bench_decide.py) while the counts take about 0.1 s, and an
audience waits for the decision, not for its audit hash. Nothing can change in between: a
decided poll takes no vote (voting/services/votes.py). Until the seal the decision's digest
is "" and its published result answers 409 (voting/selectors/results.py); a seal lost to a
crashed process is made by the sweeper (`decisions_seal_overdue`).

Closing is driven from the database: `polls_decide_overdue` (beat, every second)
decides every open poll past `closes_at`; the ETA task is only the fast path.

A scope's effect is registered by the app that owns it, in its AppConfig.ready():
release rounds by voting (voting/services/rounds.py), live screenings by voting.live
(which sits above this app, so nothing here may import it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import NotFound
from screenings.events import broadcast_on_commit
from screenings.locking import locked, locked_one
from screenings.models import Branch, Episode, Production, Screening
from voting import inflight
from voting.ballots import ballots_count, ballots_digest, ballots_digest_of_lines
from voting.models import Decision, Poll, Vote
from voting.rules import decision_pick
from voting.selectors.polls import poll_group, poll_options_list

logger = logging.getLogger(__name__)
SWEEP_BATCH = 100
EARLY_TOLERANCE_SECONDS = 0.25

DecisionEffect = Callable[..., None]
_effects: dict[str, DecisionEffect] = {}


def decision_effect_register(scope: str, effect: DecisionEffect) -> None:
    """`effect(poll=, decision=)` runs inside poll_decide's transaction, the poll and its
    screening or production locked. One per scope."""
    _effects[scope] = effect


def _lock_for_decision(poll_id: int, *, wait: bool) -> Poll | None:
    head = Poll.objects.filter(pk=poll_id).values_list("scope", "screening_id", "episode__production_id").first()
    if head is None:
        return None
    scope, screening_id, production_id = head
    if scope == Poll.Scope.LIVE:
        parent = locked_one(Screening.objects, screening_id, skip_locked=not wait)
    else:
        # A round publishes its winner through the story services, which lock the production
        # and the episode: take both before the poll, the episodes being every option's target.
        parent = locked_one(Production.objects, production_id, skip_locked=not wait)
        if parent is not None:
            targets = Branch.objects.filter(source__polls__id=poll_id).values_list("target_id", flat=True)
            locked(Episode.objects.filter(pk__in=list(targets)))
    if parent is None:
        return None  # busy elsewhere (the sweeper tries again next second)
    return locked_one(Poll.objects.select_related("episode", "screening"), poll_id, skip_locked=not wait)


def _counts(*, poll_id: int, options: list[int]) -> tuple[dict[str, int], int]:
    """The poll's counts per option and its number of ballots: on PostgreSQL one pass by FILTER."""
    if connection.vendor != "postgresql":
        ballots = list(Vote.objects.filter(poll_id=poll_id).values_list("receipt", "branch_id"))
        return ballots_count(options=options, ballots=ballots), len(ballots)
    table = connection.ops.quote_name(Vote._meta.db_table)
    per_option = "".join("count(*) FILTER (WHERE branch_id = %s), " for _ in options)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {per_option}count(*) FROM {table} WHERE poll_id = %s",  # noqa: S608 — table from the model
            [*options, poll_id],
        )
        *tallied, total = cursor.fetchone()
    return {str(option): n for option, n in zip(options, tallied, strict=True)}, total


def _digest(*, poll_id: int) -> str:
    """The digest of the poll's ballots (voting/ballots.py).

    On PostgreSQL the ballot lines are concatenated in the database in receipt order (COLLATE "C":
    code-point order, Python's sorted(); receipts are unique per poll, so no ties), and hashlib
    hashes them — no Python loop over a million ballots. Elsewhere (SQLite, one screening) the
    ballots are read.
    """
    if connection.vendor != "postgresql":
        return ballots_digest(
            poll_id=poll_id, ballots=Vote.objects.filter(poll_id=poll_id).values_list("receipt", "branch_id")
        )
    table = connection.ops.quote_name(Vote._meta.db_table)
    with connection.cursor() as cursor:
        # The sort of a million receipts (about 70 MB) stays in memory, for this transaction only.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            "SELECT coalesce(string_agg(receipt || ' ' || branch_id || E'\\n', '' ORDER BY receipt COLLATE \"C\"), '') "  # noqa: S608
            f"FROM {table} WHERE poll_id = %s",  # the table from the model, the value as a parameter
            [poll_id],
        )
        (lines,) = cursor.fetchone()
    return ballots_digest_of_lines(poll_id=poll_id, lines=lines)


def poll_decide(*, poll_id: int, wait: bool = True, close_now: bool = False) -> Decision | None:
    """Decide a poll exactly once, from its durable votes; idempotent. Then seal its digest.

    Two transactions on purpose (the module's docstring): the decision commits and is broadcast
    first. Inside a caller's transaction both run in it, and the broadcast waits for its commit.
    wait=False (the sweeper): return None at once if another process holds the poll or its
    screening right now, instead of queueing behind it. close_now: the organizer closes it early.
    """
    decision, created = _poll_decide(poll_id=poll_id, wait=wait, close_now=close_now)
    if created:  # an existing decision is being sealed by the call that made it (or the sweeper)
        _seal_safely(decision)
    return decision


def decision_digest_seal(*, decision: Decision) -> str:
    """Compute and store the digest of a decision's ballots, once; idempotent (a second seal of
    the same frozen ballots computes the same digest and changes nothing)."""
    with transaction.atomic():
        digest = _digest(poll_id=decision.poll_id)
        Decision.objects.filter(pk=decision.pk, digest="").update(digest=digest)
    decision.digest = digest
    return digest


def _seal_safely(decision: Decision) -> None:
    try:
        decision_digest_seal(decision=decision)
    except Exception:  # the decision stands; decisions_seal_overdue seals it later
        logger.exception("sealing the digest of poll %s failed", decision.poll_id)


def decisions_seal_overdue(*, older_than_seconds: float = 30) -> int:
    """Seal the decisions whose seal was lost (the process died after the decision committed).
    Only those decided a while ago: a fresh one is being sealed by the process that decided it."""
    before = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = list(Decision.objects.filter(digest="", decided_at__lt=before).order_by("decided_at")[:SWEEP_BATCH])
    for decision in pending:
        _seal_safely(decision)
    return len(pending)


@transaction.atomic
def _poll_decide(*, poll_id: int, wait: bool, close_now: bool) -> tuple[Decision | None, bool]:
    """(the poll's decision, whether this call made it)."""
    poll = _lock_for_decision(poll_id, wait=wait)
    if poll is None:
        if wait:
            raise NotFound(_("No such poll."))
        return None, False
    existing = Decision.objects.filter(poll_id=poll.id).select_related("branch").first()
    if existing is not None:
        return existing, False
    options = poll_options_list(poll=poll)
    counts, total = _counts(poll_id=poll.id, options=[b.id for b in options])
    default = next((b.id for b in options if b.is_default), None)
    winner_id, reason = decision_pick(
        counts={int(k): v for k, v in counts.items()}, default_option=default, quorum=poll.quorum
    )
    now = timezone.now()
    decision = Decision.objects.create(
        poll=poll,
        branch=next(b for b in options if b.id == winner_id),
        reason=reason,
        counts=counts,
        total_votes=total,
        digest="",  # sealed after the commit (decision_digest_seal)
        decided_at=now,
    )
    poll.status = Poll.Status.DECIDED
    if close_now or poll.closes_at > now:
        poll.closes_at = max(now, poll.opens_at + timedelta(microseconds=1))
    poll.save(update_fields=["status", "closes_at"])
    broadcast_on_commit(
        poll_group(poll),
        {
            "type": "poll.decided",
            "poll": poll.id,
            "scope": poll.scope,
            "option": winner_id,
            "reason": reason,
            "counts": counts,
        },
    )
    effect = _effects.get(poll.scope)
    if effect is not None:
        effect(poll=poll, decision=decision)
    logger.info("poll %s decided from %s ballots: option %s (%s) %s", poll.id, total, winner_id, reason, counts)
    return decision, True


def _due_polls():
    """Open polls whose window has closed — but not those of a paused screening: a pause holds
    the poll's clock too (its closes_at moves on by the pause when the screening resumes)."""
    return Poll.objects.filter(status=Poll.Status.OPEN, closes_at__lte=timezone.now()).exclude(
        screening__paused_at__isnull=False
    )


def poll_decide_when_due(*, poll_id: int) -> Decision | None:
    """The ETA fast path: decide the poll if its window has closed. A message that arrives
    early (a redelivered or stale one, or one for a paused screening) does nothing: the
    sweeper decides the poll when it is due."""
    open_now = Poll.objects.filter(pk=poll_id, status=Poll.Status.OPEN, screening__paused_at__isnull=True)
    closes_at = open_now.values_list("closes_at", flat=True).first()  # rounds have no screening: LEFT JOIN
    if closes_at is None:
        return None
    early = (closes_at - timezone.now()).total_seconds()
    if early > EARLY_TOLERANCE_SECONDS:
        return None
    if early > 0:
        time.sleep(early)  # the timer fired a hair early: wait for the window to close
    inflight.wait_until_stored(poll_id=poll_id, closes_at=closes_at)  # votes that arrived in time count
    return poll_decide(poll_id=poll_id)


def polls_decide_overdue() -> int:
    """Decide every open poll whose window has closed (the path that never fails); one
    transaction per poll, a poll busy elsewhere skipped until the next sweep."""
    overdue = list(_due_polls().order_by("closes_at").values_list("id", "closes_at")[:SWEEP_BATCH])
    now = timezone.now()
    for poll_id, closes_at in overdue:
        if now < inflight.grace_deadline(closes_at) and inflight.busy(poll_id):
            continue  # votes that arrived in time are still being stored: the next sweep decides
        try:
            poll_decide(poll_id=poll_id, wait=False)
        except Exception:  # one broken poll must not block the others
            logger.exception("deciding overdue poll %s failed", poll_id)
    return len(overdue)
