"""Reads of polls shared by the REST API, the sockets and the services."""

from __future__ import annotations

from screenings import policy
from screenings.events import production_group, screening_group
from screenings.models import Branch
from voting import tally
from voting.models import Decision, Poll
from voting.payloads import poll_payload


def poll_options_list(*, poll: Poll) -> list[Branch]:
    """A poll's options: its decision point's outgoing branches, in the producer's display
    order (position, then id). The decision rule breaks ties by id (voting/rules.py), not by this."""
    return list(Branch.objects.filter(source_id=poll.episode_id).select_related("target").order_by("position", "id"))


def poll_group(poll: Poll) -> str:
    """The channel-layer group that hears about this poll: its screening's, or for a round
    its production's (every audience socket of the production's screenings is in it)."""
    if poll.scope == Poll.Scope.LIVE:
        return screening_group(poll.screening_id)
    return production_group(poll.episode.production_id)


def poll_counts_get(*, poll: Poll, options: list[Branch], decision: Decision | None) -> dict[str, int]:
    """The final counts once decided, else the live counts (Redis, rebuilt from the votes if missing)."""
    if decision is not None:
        return decision.counts
    return tally.tally_counts(poll_id=poll.id, option_ids=[o.id for o in options])


def poll_state_get(*, poll: Poll, user=None, sees_hidden: bool | None = None) -> dict:
    """The poll as API.md shows it, with the counts `user` may see (screenings.policy).
    A socket that already knows whether its reader sees hidden counts passes `sees_hidden`."""
    options = poll_options_list(poll=poll)
    decision = Decision.objects.filter(poll_id=poll.id).first()
    if sees_hidden is None:
        visible = policy.poll_counts_visible(user=user, poll=poll)
    else:
        visible = sees_hidden or not poll.hide_results or poll.status != Poll.Status.OPEN
    counts = poll_counts_get(poll=poll, options=options, decision=decision) if visible or decision else None
    return poll_payload(poll, options=options, counts=counts, decision=decision)


def screening_current_poll_get(*, screening_id: int) -> Poll | None:
    """The open live poll, else the latest decided one."""
    return (
        Poll.objects.filter(screening_id=screening_id, scope=Poll.Scope.LIVE)
        .select_related("episode", "screening")
        .order_by("-status", "-opens_at", "-id")  # "open" sorts after "decided": descending puts it first
        .first()
    )
