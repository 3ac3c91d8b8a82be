"""Pages of the voting app (console, audience, cinema screen, results)."""

from django.urls import path

from voting import result_views, round_views

urlpatterns: list = [
    path("polls/<int:poll_id>/result/", result_views.poll_result, name="poll-result"),
    path("polls/<int:poll_id>/result.json", result_views.poll_result_json, name="poll-result-json"),
    path("t/<str:code>/receipts/", result_views.ticket_receipts, name="ticket-receipts"),
    path("productions/<int:production_id>/analytics/", result_views.production_analytics, name="production-analytics"),
    path(
        "productions/<int:production_id>/rounds/new/", round_views.production_round_open, name="production-round-open"
    ),
    path(
        "productions/<int:production_id>/export/<slug:kind>.<str:fmt>",
        result_views.production_export,
        name="production-export",
    ),
]
