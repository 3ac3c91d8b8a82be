"""Recounts: reproduce a decision's counts and digest from the database or from a result export.

`recount_export` needs nothing but the exported JSON (docs/verifiable-results.md);
`recount_poll` reads the stored ballots and also checks each receipt against its ticket.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from voting.ballots import ballots_count, ballots_digest, receipt_for
from voting.models import Decision, Poll


@dataclass
class Recount:
    poll: int
    counts: dict[str, int]
    digest: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decision_problems(*, option: int, reason: str, counts: dict[str, int], quorum: int | None) -> list[str]:
    """Checks that the published reason fits the counts (the winner of a clear majority is fixed)."""
    total = sum(counts.values())
    top = max(counts.values(), default=0)
    leaders = sorted(int(k) for k, n in counts.items() if n == top)
    if str(option) not in counts:
        return [f"the decided option {option} is not one of the poll's options"]
    if reason == "no_votes":
        return [] if total == 0 else [f"reason is no_votes but {total} votes were counted"]
    if reason == "no_quorum":
        return [] if quorum is not None and total < quorum else [f"reason is no_quorum but {total} votes met it"]
    if reason == "tie_break":
        return [] if total and len(leaders) > 1 else ["reason is tie_break but the counts have no tie at the top"]
    if reason == "majority":
        return [] if leaders == [option] and total else [f"option {option} did not get the most votes"]
    return [f"unknown reason {reason!r}"]


def recount_export(data: dict) -> Recount:
    """Recount a `GET /api/polls/{id}/result/` document alone."""
    poll_id = int(data["poll"])
    ballots = [(str(b["receipt"]), int(b["option"])) for b in data["ballots"]]
    options = [int(o["id"]) for o in data["options"]]
    counts = ballots_count(options=options, ballots=ballots)
    digest = ballots_digest(poll_id=poll_id, ballots=ballots)
    result = Recount(poll=poll_id, counts=counts, digest=digest)
    stray = sorted({option for _, option in ballots} - set(options))
    if stray:
        result.problems.append(f"ballots name options that are not in the poll: {stray}")
    duplicated = sorted(r for r, n in Counter(r for r, _ in ballots).items() if n > 1)
    if duplicated:
        result.problems.append(f"receipts appear more than once: {duplicated}")
    if counts != {str(k): v for k, v in data["counts"].items()}:
        result.problems.append(
            f"counts recomputed from the ballots {counts} differ from the published {data['counts']}"
        )
    if digest != data["digest"]:
        result.problems.append(
            f"digest recomputed from the ballots {digest} differs from the published {data['digest']}"
        )
    decision = data.get("decision") or {}
    if decision:
        quorum = (data.get("rule") or {}).get("quorum")
        result.problems += _decision_problems(
            option=int(decision["option"]), reason=decision["reason"], counts=counts, quorum=quorum
        )
    return result


def recount_poll(*, poll: Poll) -> Recount:
    """Recount a decided poll from its stored votes and compare with its Decision."""
    decision = Decision.objects.get(poll=poll)
    votes = list(poll.votes.select_related("ticket").order_by("id"))
    ballots = [(v.receipt, v.branch_id) for v in votes]
    options = [int(k) for k in decision.counts]
    counts = ballots_count(options=options, ballots=ballots)
    digest = ballots_digest(poll_id=poll.id, ballots=ballots)
    result = Recount(poll=poll.id, counts=counts, digest=digest)
    forged = [v.id for v in votes if v.receipt != receipt_for(ticket_secret=v.ticket.secret, poll_id=poll.id)]
    if forged:
        result.problems.append(f"votes whose receipt does not match their ticket: {forged}")
    stray = sorted({option for _, option in ballots} - set(options))
    if stray:
        result.problems.append(f"votes name options that are not in the decision: {stray}")
    if counts != decision.counts:
        result.problems.append(f"counts from the stored votes {counts} differ from the decision's {decision.counts}")
    if sum(counts.values()) != decision.total_votes:
        result.problems.append(f"{sum(counts.values())} votes stored but the decision counted {decision.total_votes}")
    if not decision.digest:
        result.problems.append("the decision's digest is not sealed yet (it is, a moment after the decision)")
    elif digest != decision.digest:
        result.problems.append(f"digest of the stored ballots {digest} differs from the decision's {decision.digest}")
    result.problems += _decision_problems(
        option=decision.branch_id, reason=decision.reason, counts=decision.counts, quorum=poll.quorum
    )
    return result
