"""Producer analytics for a production: vote timelines, turnout, and the paths screenings took.

`branch_shares` is keyed by branch id so the story-graph picture can draw the
shares on its edges.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime

from screenings.models import Branch, Play, Production, Screening
from voting.models import Poll, Vote
from voting.selectors.results import ticket_status_counts

TIMELINE_MAX_BINS = 120


def vote_timeline(*, cast: list[datetime], opens_at: datetime, closes_at: datetime) -> dict:
    """Votes per second through the window: one bin per second for live polls, at most
    TIMELINE_MAX_BINS wider bins for long rounds (rate = votes in the bin / its width)."""
    window = max((closes_at - opens_at).total_seconds(), 1.0)
    bins = min(math.ceil(window), TIMELINE_MAX_BINS)
    width = window / bins
    counts = [0] * bins
    for at in cast:
        index = int((at - opens_at).total_seconds() // width)
        counts[min(max(index, 0), bins - 1)] += 1
    rates = [n / width for n in counts]
    return {
        "bin_seconds": width,
        "bins": [
            {"start": round(i * width, 3), "votes": n, "per_second": r}
            for i, (n, r) in enumerate(zip(counts, rates, strict=True))
        ],
        "peak_per_second": max(rates, default=0.0),
        "votes": len(cast),
    }


def _share(votes: int, total: int) -> float | None:
    return votes / total if total else None


def production_analytics_get(*, production: Production) -> dict:
    polls = list(
        Poll.objects.filter(episode__production=production)
        .select_related("episode", "screening__venue", "decision")
        .order_by("opens_at", "id")
    )
    branches = {b.id: b for b in Branch.objects.filter(source__production=production).order_by("position", "id")}
    screenings = list(
        Screening.objects.filter(production=production).select_related("venue").order_by("starts_at", "id")
    )
    plays = defaultdict(list)
    for play in Play.objects.filter(screening__production=production).select_related("episode"):
        plays[play.screening_id].append(play)  # Play's default ordering: started_at, id
    tickets = ticket_status_counts(screening_ids=[s.id for s in screenings])

    cast_times = defaultdict(list)
    live_counts: dict[int, Counter] = defaultdict(Counter)
    voted_screenings = defaultdict(set)
    votes = Vote.objects.filter(poll__episode__production=production).values_list(
        "poll_id", "branch_id", "cast_at", "ticket__screening_id"
    )
    for poll_id, branch_id, cast_at, screening_id in votes:
        cast_times[poll_id].append(cast_at)
        live_counts[poll_id][branch_id] += 1
        voted_screenings[poll_id].add(screening_id)

    poll_rows = []
    for poll in polls:
        decision = getattr(poll, "decision", None)
        options = [b for b in branches.values() if b.source_id == poll.episode_id]
        if decision is not None:
            counts = {int(k): v for k, v in decision.counts.items()}
        else:
            counts = {b.id: live_counts[poll.id][b.id] for b in options}
        total = sum(counts.values())
        if poll.scope == Poll.Scope.LIVE:
            eligible = {poll.screening_id}
        else:
            played = {s.id for s in screenings if any(p.episode_id == poll.episode_id for p in plays[s.id])}
            online = {s.id for s in screenings if s.venue_id is None}
            eligible = {s.id for s in screenings if s.round_votes and s.id in played | online}
            eligible |= voted_screenings[poll.id]
        checked_in = sum(tickets[s]["checked_in"] for s in eligible)
        poll_rows.append(
            {
                "poll": poll,
                "decision": decision,
                "options": [
                    {
                        "id": b.id,
                        "label": b.label,
                        "votes": counts.get(b.id, 0),
                        "share": _share(counts.get(b.id, 0), total),
                        "won": decision is not None and decision.branch_id == b.id,
                    }
                    for b in options
                ],
                "total": total,
                "timeline": vote_timeline(cast=cast_times[poll.id], opens_at=poll.opens_at, closes_at=poll.closes_at),
                "turnout": {
                    "votes": total,
                    "screenings": len(eligible),
                    "checked_in": checked_in,
                    "tickets": sum(tickets[s]["checked_in"] + tickets[s]["valid"] for s in eligible),
                    "ratio": _share(total, checked_in),
                },
            }
        )
    return {
        "polls": poll_rows,
        "paths": _paths(screenings=screenings, plays=plays, branches=branches, polls=poll_rows),
        "branch_shares": _branch_shares(poll_rows),
    }


def _branch_shares(poll_rows: list[dict]) -> dict[int, dict]:
    """Across every decided poll: votes for each branch out of the votes at its decision point."""
    votes, totals, wins = Counter(), Counter(), Counter()
    for row in poll_rows:
        if row["decision"] is None:
            continue
        for option in row["options"]:
            votes[option["id"]] += option["votes"]
            totals[option["id"]] += row["total"]
        wins[row["decision"].branch_id] += 1
    return {
        b: {"votes": votes[b], "total": totals[b], "share": _share(votes[b], totals[b]), "won": wins[b]} for b in totals
    }


def _paths(*, screenings, plays, branches, polls) -> list[dict]:
    """Each screening's played episodes in order, with the branch taken and its vote share."""
    by_pair = {(b.source_id, b.target_id): b for b in branches.values()}
    decided = [r for r in polls if r["decision"]]
    live = {(r["poll"].screening_id, r["poll"].episode_id): r for r in decided if r["poll"].scope == Poll.Scope.LIVE}
    rounds = {r["poll"].episode_id: r for r in decided if r["poll"].scope == Poll.Scope.ROUND}
    paths = []
    for screening in screenings:
        steps, previous = [], None
        for play in plays[screening.id]:
            via = None
            branch = by_pair.get((previous.episode_id, play.episode_id)) if previous else None
            if branch is not None:
                row = live.get((screening.id, previous.episode_id)) or rounds.get(previous.episode_id)
                option = next((o for o in row["options"] if o["id"] == branch.id), None) if row else None
                via = {
                    "branch": branch.id,
                    "label": branch.label,
                    "poll": row["poll"].id if row else None,
                    "share": option["share"] if option else None,
                }
            steps.append({"episode": play.episode, "started_at": play.started_at, "via": via})
            previous = play
        if steps:
            paths.append({"screening": screening, "steps": steps})
    return paths
