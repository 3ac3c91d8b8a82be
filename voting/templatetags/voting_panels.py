"""Voting panels other apps' pages include without importing voting:
`{% load voting_panels %}{% ticket_receipts ticket %}` on the ticket page and
`{% round_panel production %}` on the producer's production page."""

from django import template

from voting.selectors.results import ticket_receipts_list
from voting.views.rounds import RoundOpenForm

register = template.Library()


@register.inclusion_tag("voting/_ticket_receipts.html")
def ticket_receipts(ticket):
    return {"receipts": ticket_receipts_list(ticket=ticket)}


@register.inclusion_tag("voting/_round_panel.html", takes_context=True)
def round_panel(context, production):
    """Open a release round (the owner's form) and a link to the production's analytics."""
    return {
        "production": production,
        "round_form": RoundOpenForm(production=production),
        "csrf_token": context.get("csrf_token"),
        "TIME_ZONE": context.get("TIME_ZONE"),  # the form's times are read in the visitor's zone
    }
