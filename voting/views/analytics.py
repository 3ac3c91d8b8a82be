"""Producer pages: a production's analytics (vote timelines, turnout, paths, shares on the
story graph) and its exports (CSV or JSON)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from screenings import policy
from screenings.graph_svg import story_graph_svg
from screenings.models import Branch, Production
from voting.charts import timeline_svg
from voting.exports import COLUMNS, production_export_rows, rows_as_csv, rows_as_json
from voting.selectors.analytics import production_analytics_get
from voting.selectors.results import round_counts_get


def _owned_production(request, production_id: int) -> Production:
    production = get_object_or_404(Production, pk=production_id)
    if not policy.production_can_edit(user=request.user, production=production):
        raise PermissionDenied(_("Only the production's producer sees its analytics."))
    return production


@login_required
def production_analytics(request, production_id: int):
    production = _owned_production(request, production_id)
    analytics = production_analytics_get(production=production)
    for row in analytics["polls"]:
        row["timeline_svg"] = timeline_svg(
            row["timeline"], label=_("Votes per second, poll %(id)s") % {"id": row["poll"].id}
        )
        if row["decision"] is None:  # open polls: live counts per venue (the page refreshes them)
            row["live_counts"] = round_counts_get(poll=row["poll"])
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
        branch_id: _("%(percent)s%% · %(votes)s/%(total)s votes")
        % {"percent": round(100 * s["share"]), "votes": s["votes"], "total": s["total"]}
        + (" · " + _("chosen") if s["won"] else "")
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
        raise Http404(_("No such export."))
    rows = production_export_rows(production=production, kind=kind)
    if fmt == "csv":
        body, content_type = rows_as_csv(kind=kind, rows=rows), "text/csv; charset=utf-8"
    else:
        body, content_type = rows_as_json(rows), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{production.slug}-{kind}.{fmt}"'
    return response
