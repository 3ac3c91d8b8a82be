"""Pages: the public verifiable result of a poll; producer analytics and exports."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from config.errors import Conflict
from screenings.graph_svg import story_graph_svg
from screenings.models import Branch, Production, Ticket
from voting.analytics import production_analytics_get
from voting.charts import timeline_svg
from voting.exports import COLUMNS, production_export_rows, rows_as_csv, rows_as_json
from voting.models import Poll
from voting.results import poll_result_get, round_counts_get, ticket_receipts_list


def poll_result(request, poll_id: int):
    poll = get_object_or_404(Poll.objects.select_related("episode__production", "screening__venue"), pk=poll_id)
    try:
        result = poll_result_get(poll=poll)
    except Conflict:
        return render(request, "voting/result_pending.html", {"poll": poll})
    total = sum(result["counts"].values())
    bars = [
        {
            **o,
            "votes": result["counts"].get(str(o["id"]), 0),
            "percent": 100 * result["counts"].get(str(o["id"]), 0) / total if total else 0,
            "won": o["id"] == result["decision"]["option"],
        }
        for o in result["options"]
    ]
    return render(request, "voting/result.html", {"poll": poll, "result": result, "bars": bars, "total": total})


def _owned_production(request, production_id: int) -> Production:
    production = get_object_or_404(Production, pk=production_id)
    if not (request.user.is_superuser or production.owner_id == request.user.pk):
        raise PermissionDenied("Only the production's owner sees its analytics.")
    return production


@login_required
def production_analytics(request, production_id: int):
    production = _owned_production(request, production_id)
    analytics = production_analytics_get(production=production)
    for row in analytics["polls"]:
        row["timeline_svg"] = timeline_svg(row["timeline"], label=f"Votes per second, poll {row['poll'].id}")
        if row["decision"] is None:  # open polls: live counts per venue (the page refreshes them)
            row["live_counts"] = round_counts_get(poll=row["poll"], with_venues=True)
    return render(
        request,
        "voting/analytics.html",
        {
            "production": production,
            "analytics": analytics,
            "export_kinds": list(COLUMNS),
            "graph_svg": _graph_with_shares(production, analytics),
        },
    )


def _graph_with_shares(production: Production, analytics: dict):
    """The story graph with each branch's vote share and the branches screenings took."""
    notes = {
        branch_id: f"{round(100 * s['share'])}% · {s['votes']}/{s['total']} votes" + (" · chosen" if s["won"] else "")
        for branch_id, s in analytics["branch_shares"].items()
        if s["share"] is not None
    }
    taken = {step["via"]["branch"] for path in analytics["paths"] for step in path["steps"] if step["via"]}
    return story_graph_svg(
        episodes=list(production.episodes.order_by("id")),
        branches=list(Branch.objects.filter(source__production=production).order_by("position", "id")),
        start_id=production.start_episode_id,
        branch_notes=notes,
        highlight_edges=taken,
    )


@login_required
def production_export(request, production_id: int, kind: str, fmt: str):
    production = _owned_production(request, production_id)
    if kind not in COLUMNS or fmt not in ("csv", "json"):
        raise Http404("No such export.")
    rows = production_export_rows(production=production, kind=kind)
    if fmt == "csv":
        body, content_type = rows_as_csv(kind=kind, rows=rows), "text/csv; charset=utf-8"
    else:
        body, content_type = rows_as_json(rows), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{production.slug}-{kind}.{fmt}"'
    return response


def ticket_receipts(request, code: str):
    """A ticket's ballot receipts (the ticket code is the credential, as on the ticket page)."""
    ticket = get_object_or_404(Ticket.objects.select_related("screening__production"), code=code)
    context = {"ticket": ticket, "receipts": ticket_receipts_list(ticket=ticket)}
    return render(request, "voting/ticket_receipts.html", context)


def poll_result_json(request, poll_id: int):
    """The result as a downloadable file (the same document as GET /api/polls/<id>/result/)."""
    poll = get_object_or_404(Poll, pk=poll_id)
    try:
        result = poll_result_get(poll=poll)
    except Conflict:
        raise Http404("Not decided yet.") from None
    response = HttpResponse(json.dumps(result, cls=DjangoJSONEncoder, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="poll-{poll.id}-result.json"'
    return response
