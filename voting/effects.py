"""What a decision does, per poll scope; applied inside poll_decide's transaction.

Each effect takes the (locked, decided) poll and its new Decision: a live
screening plays the winner; a release round releases it (voting/rounds.py).
"""

from __future__ import annotations

from collections.abc import Callable

from screenings.models import Screening
from voting.models import Decision, Poll
from voting.rounds import round_decision_apply


def live_decision_apply(*, poll: Poll, decision: Decision) -> None:
    """A live screening plays the winning branch's target next (if it is still live)."""
    from screenings.services.live import screening_now_playing_set

    screening = Screening.objects.select_for_update().get(pk=poll.screening_id)
    if screening.status != Screening.Status.LIVE or screening.now_playing_id != poll.episode_id:
        return  # ended, or moved on by hand meanwhile: the decision is recorded, nothing plays
    screening_now_playing_set(screening=screening, episode=decision.branch.target)


DECISION_EFFECTS: dict[str, Callable[..., None]] = {
    Poll.Scope.LIVE: live_decision_apply,
    Poll.Scope.ROUND: round_decision_apply,
}
