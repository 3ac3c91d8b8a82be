"""Opening, closing and deciding polls.

A poll is decided exactly once: poll_decide locks the poll row, returns the
existing decision if there is one, counts the durable votes, inserts the
(unique) Decision and applies the scope's effect, all in one transaction;
broadcasts go out only after it commits. Closing is driven from the database
(voting.tasks.polls_decide_overdue); the ETA task is only the fast path.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import Conflict, Invalid, NotFound
from screenings.events import broadcast_on_commit, production_group, screening_group
from screenings.models import Branch, Episode, Screening
from screenings.services.live import screening_organizer_check
from voting import tally
from voting.ballots import ballots_count, ballots_digest
from voting.effects import DECISION_EFFECTS
from voting.models import Decision, Poll, Vote
from voting.payloads import options_payload
from voting.rules import decision_pick

logger = logging.getLogger(__name__)

MIN_DURATION_SECONDS, MAX_DURATION_SECONDS = 5, 3600
# Test-only: seconds to sleep inside the tally transaction, so a test can kill the worker
# mid-tally (tests/voting/test_worker_kill.py sets it only in the worker it starts).
TALLY_PAUSE_ENV = "VOTING_TEST_TALLY_PAUSE_SECONDS"


def poll_options(poll: Poll) -> list[Branch]:
    """The options are the decision point's outgoing branches, by id."""
    return list(Branch.objects.filter(source_id=poll.episode_id).order_by("id"))


def poll_group(poll: Poll) -> str:
    if poll.scope == Poll.Scope.LIVE:
        return screening_group(poll.screening_id)
    return production_group(poll.episode.production_id)


def _targets_published_check(branches: list[Branch]) -> None:
    unpublished = [b.target for b in branches if b.target.status != Episode.Status.PUBLISHED]
    if unpublished:
        names = ", ".join(f"“{e.title}” (id {e.id})" for e in unpublished)
        raise Invalid(
            f"Every option must lead to a published episode; not published: {names}.",
            fields={"options": [f"Episode {e.id} is not published." for e in unpublished]},
        )


@transaction.atomic
def poll_open(
    *, screening: Screening, duration_seconds: int, by, hide_results: bool = False, quorum: int | None = None
) -> Poll:
    """Open a live poll on the decision point now playing; its options are that episode's branches."""
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    screening_organizer_check(screening=screening, user=by)
    if screening.status != Screening.Status.LIVE or screening.now_playing_id is None:
        raise Conflict("Start the screening before opening a poll.")
    if not MIN_DURATION_SECONDS <= duration_seconds <= MAX_DURATION_SECONDS:
        raise Invalid(
            f"A live poll lasts {MIN_DURATION_SECONDS} to {MAX_DURATION_SECONDS} seconds.",
            fields={"duration_seconds": [f"Between {MIN_DURATION_SECONDS} and {MAX_DURATION_SECONDS}."]},
        )
    if quorum is not None and quorum < 1:
        raise Invalid("The quorum is at least one vote.", fields={"quorum": ["At least 1."]})
    episode = screening.now_playing
    branches = list(Branch.objects.filter(source=episode).select_related("target").order_by("id"))
    if len(branches) < 2:
        raise Invalid(f"“{episode.title}” is not a decision point: it needs two or more branches.")
    _targets_published_check(branches)
    if Poll.objects.filter(screening=screening, episode=episode, status=Poll.Status.DECIDED).exists():
        raise Conflict(f"A poll on “{episode.title}” was already decided in this screening.")
    now = timezone.now()
    try:
        with transaction.atomic():
            poll = Poll.objects.create(
                scope=Poll.Scope.LIVE,
                episode=episode,
                screening=screening,
                opens_at=now,
                closes_at=now + timedelta(seconds=duration_seconds),
                hide_results=hide_results,
                quorum=quorum,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise Conflict("A poll is already open in this screening.") from None

    option_ids = [b.id for b in branches]
    transaction.on_commit(lambda: tally.tally_init(poll_id=poll.id, option_ids=option_ids))
    from voting.tasks import poll_decide_task  # tasks import services

    poll_decide_task.apply_async_on_commit((poll.id,), eta=poll.closes_at)
    broadcast_on_commit(
        screening_group(screening.id),
        {
            "type": "poll.opened",
            "poll": {
                "id": poll.id,
                "episode": episode.id,
                "options": options_payload(branches),
                "opens_at": poll.opens_at.isoformat(),
                "closes_at": poll.closes_at.isoformat(),
                "hide_results": hide_results,
            },
        },
    )
    return poll


@transaction.atomic
def poll_close_early(*, poll: Poll, by) -> Decision:
    """The organizer closes a live poll now; it is decided in the same transaction."""
    poll = Poll.objects.select_for_update(of=("self",)).select_related("screening").get(pk=poll.pk)
    if poll.scope != Poll.Scope.LIVE:
        raise Conflict("Only a live poll can be closed early.")
    screening_organizer_check(screening=poll.screening, user=by)
    if poll.status == Poll.Status.OPEN:
        now = timezone.now()
        poll.closes_at = max(now, poll.opens_at + timedelta(microseconds=1))
        poll.save(update_fields=["closes_at"])
    return poll_decide(poll_id=poll.id)


def _tally_pause() -> None:
    seconds = float(os.environ.get(TALLY_PAUSE_ENV) or 0)
    if seconds > 0:
        logger.warning("tally paused for %ss inside its transaction (%s is set)", seconds, TALLY_PAUSE_ENV)
        time.sleep(seconds)


@transaction.atomic
def poll_decide(*, poll_id: int, wait: bool = True) -> Decision | None:
    """Decide a poll exactly once, from its durable votes; idempotent.

    wait=False (the sweeper): return None at once if another process is deciding
    the poll right now (its row is locked) instead of queueing behind it.
    """
    poll = Poll.objects.select_for_update(skip_locked=not wait).filter(pk=poll_id).first()
    if poll is None:
        if wait:
            raise NotFound(f"No poll {poll_id}.")
        return None
    existing = Decision.objects.filter(poll_id=poll.id).select_related("branch").first()
    if existing is not None:
        return existing
    options = poll_options(poll)
    ballots = list(Vote.objects.filter(poll_id=poll.id).values_list("receipt", "branch_id"))
    logger.info("poll %s: tallying %s ballots", poll.id, len(ballots))
    _tally_pause()
    counts = ballots_count(options=[b.id for b in options], ballots=ballots)
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
        total_votes=len(ballots),
        digest=ballots_digest(poll_id=poll.id, ballots=ballots),
        decided_at=now,
    )
    poll.status = Poll.Status.DECIDED
    if poll.closes_at > now:
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
    effect = DECISION_EFFECTS.get(poll.scope)
    if effect is not None:
        effect(poll=poll, decision=decision)
    logger.info("poll %s decided: option %s (%s) %s", poll.id, winner_id, reason, counts)
    return decision
