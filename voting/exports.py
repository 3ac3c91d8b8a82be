"""Producer exports of a production's polls, decisions and anonymised ballots (CSV or JSON).

Columns are documented in docs/analytics.md. Ballots carry the public receipt,
never a ticket code, secret or buyer email. Cells that a spreadsheet would run as a
formula are neutralised (config.csv_cells).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count

from config.csv_cells import csv_safe_cell
from screenings.models import Production
from voting.models import Decision, Poll, Vote

COLUMNS = {
    "polls": [
        "poll",
        "scope",
        "status",
        "episode",
        "episode_title",
        "screening",
        "venue",
        "opens_at",
        "closes_at",
        "release_at",
        "hide_results",
        "quorum",
        "votes",
    ],
    "decisions": ["poll", "scope", "option", "option_label", "reason", "total_votes", "counts", "digest", "decided_at"],
    "ballots": ["poll", "receipt", "option", "cast_at"],
}


def _polls(production: Production) -> list[dict]:
    polls = (
        Poll.objects.filter(episode__production=production)
        .select_related("episode", "screening__venue")
        .annotate(vote_count=Count("votes"))
        .order_by("opens_at", "id")
    )
    return [
        {
            "poll": p.id,
            "scope": p.scope,
            "status": p.status,
            "episode": p.episode_id,
            "episode_title": p.episode.title,
            "screening": p.screening_id,
            "venue": (p.screening.venue.name if p.screening.venue else "Online") if p.screening else "",
            "opens_at": p.opens_at,
            "closes_at": p.closes_at,
            "release_at": p.release_at,
            "hide_results": p.hide_results,
            "quorum": p.quorum,
            "votes": p.vote_count,
        }
        for p in polls
    ]


def _decisions(production: Production) -> list[dict]:
    decisions = (
        Decision.objects.filter(poll__episode__production=production)
        .select_related("poll", "branch")
        .order_by("decided_at", "poll_id")
    )
    return [
        {
            "poll": d.poll_id,
            "scope": d.poll.scope,
            "option": d.branch_id,
            "option_label": d.branch.label,
            "reason": d.reason,
            "total_votes": d.total_votes,
            "counts": d.counts,
            "digest": d.digest,
            "decided_at": d.decided_at,
        }
        for d in decisions
    ]


def _ballots(production: Production) -> list[dict]:
    votes = Vote.objects.filter(poll__episode__production=production).order_by("poll_id", "receipt")
    return [
        {"poll": poll, "receipt": receipt, "option": option, "cast_at": cast_at}
        for poll, receipt, option, cast_at in votes.values_list("poll_id", "receipt", "branch_id", "cast_at")
    ]


ROWS: dict[str, Callable[[Production], list[dict]]] = {"polls": _polls, "decisions": _decisions, "ballots": _ballots}


def production_export_rows(*, production: Production, kind: str) -> list[dict]:
    return ROWS[kind](production)


def rows_as_json(rows: list[dict]) -> str:
    return json.dumps(rows, cls=DjangoJSONEncoder, indent=1)


def rows_as_csv(*, kind: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_safe_cell(_cell(value)) for key, value in row.items()})
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
