"""Pages of the voting app (console, audience, cinema screen)."""

from django.urls import path

import screenings.codes  # noqa: F401  (registers the <ticket_code:> converter)
from voting import result_views, round_views, views

urlpatterns: list = [
    path("screenings/<int:screening_id>/console/", views.screening_console, name="screening-console"),
    path("screenings/<int:screening_id>/screen/", views.screening_screen, name="screening-screen"),
    path("screenings/<int:screening_id>/join/", views.screening_join, name="screening-join"),
    path("t/<ticket_code:code>/live/", views.ticket_live, name="ticket-live"),
    path("polls/<int:poll_id>/result/", result_views.poll_result, name="poll-result"),
    path("polls/<int:poll_id>/result.json", result_views.poll_result_json, name="poll-result-json"),
    path("t/<ticket_code:code>/receipts/", result_views.ticket_receipts, name="ticket-receipts"),
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
