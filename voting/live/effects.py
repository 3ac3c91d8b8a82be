"""What a live poll's decision does (registered with voting's poll_decide in apps.py)."""

from __future__ import annotations

from screenings.locking import locked_one
from screenings.models import Screening
from voting.live.services import autopilot_schedule, screening_now_playing_set
from voting.models import Decision, Poll


def live_decision_apply(*, poll: Poll, decision: Decision) -> None:
    """The screening plays the winning branch's target next, if it is still live and still on
    the decision point: at once when run by hand, when the episode ends on autopilot (the winner
    is queued: voting/live/autopilot.py). Runs inside poll_decide's transaction (the screening
    already locked)."""
    screening = locked_one(Screening.objects.select_related("production", "now_playing"), poll.screening_id)
    if screening.status != Screening.Status.LIVE or screening.now_playing_id != poll.episode_id:
        return  # ended, or moved on by hand meanwhile: the decision is recorded, nothing plays
    if screening.autopilot:
        autopilot_schedule(screening=screening)
        return
    screening_now_playing_set(screening=screening, episode=decision.branch.target)
