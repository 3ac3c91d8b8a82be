"""Pages of the voting app: verifiable results, receipts, release rounds, analytics and exports."""

from django.urls import path

import screenings.codes  # noqa: F401  (registers the <ticket_code:> converter)
from voting.views import analytics, results, rounds

urlpatterns: list = [
    path("polls/<int:poll_id>/result/", results.poll_result, name="poll-result"),
    path("polls/<int:poll_id>/result.json", results.poll_result_json, name="poll-result-json"),
    path("t/<ticket_code:code>/receipts/", results.ticket_receipts, name="ticket-receipts"),
    path("productions/<int:production_id>/analytics/", analytics.production_analytics, name="production-analytics"),
    path("productions/<int:production_id>/rounds/new/", rounds.production_round_open, name="production-round-open"),
    path(
        "productions/<int:production_id>/export/<slug:kind>.<str:fmt>",
        analytics.production_export,
        name="production-export",
    ),
]
