"""Pages of verifiable results: a poll's public result (and its JSON file), a ticket's receipts."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from config.errors import Conflict
from screenings.models import Ticket
from voting.models import Poll
from voting.selectors.results import poll_result_get, rule_text_get, ticket_receipts_list


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
    labels = {o["id"]: o["label"] for o in result["options"]}
    ballots = [{**b, "label": labels.get(b["option"], "?")} for b in result["ballots"]]
    context = {"poll": poll, "result": result, "bars": bars, "total": total, "ballots": ballots}
    return render(request, "voting/result.html", context | {"rule_text": rule_text_get(result["rule"]["text"])})


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
        raise Http404(_("Not decided yet.")) from None
    response = HttpResponse(json.dumps(result, cls=DjangoJSONEncoder, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="poll-{poll.id}-result.json"'
    return response
