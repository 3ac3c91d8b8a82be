"""The decision rule, written into the story graph (docs/live-screenings.md).

1. The option with the most votes wins (`majority`).
2. A tie among the leaders goes to the decision point's default branch if it is
   one of the tied options, else to the lowest branch id among them (`tie_break`).
3. No votes at all, or fewer votes than the poll's quorum: the default branch,
   else the lowest branch id (`no_votes` / `no_quorum`).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from voting.models import Decision

# Stored untranslated in every result (the recount compares it); pages show it translated.
RULE = gettext_noop(
    "Most votes wins. A tie goes to the default branch if it is among the tied options, "
    "else to the lowest branch id among them. No votes (or fewer than the quorum): "
    "the default branch, else the lowest branch id."
)


def decision_pick(*, counts: dict[int, int], default_option: int | None, quorum: int | None) -> tuple[int, str]:
    """counts: votes per option id (every option present). Returns (winning option id, reason)."""
    if not counts:
        raise ValueError("a poll needs options")
    fallback = default_option if default_option in counts else min(counts)
    total = sum(counts.values())
    if total == 0:
        return fallback, Decision.Reason.NO_VOTES
    if quorum and total < quorum:
        return fallback, Decision.Reason.NO_QUORUM
    top = max(counts.values())
    leaders = sorted(option for option, n in counts.items() if n == top)
    if len(leaders) == 1:
        return leaders[0], Decision.Reason.MAJORITY
    return (default_option if default_option in leaders else leaders[0]), Decision.Reason.TIE_BREAK
