"""Routes of live screenings: pages (`urlpatterns`) and REST (`api_urlpatterns`, under /api/)."""

from django.urls import path

import screenings.codes  # noqa: F401  (registers the <ticket_code:> converter)
from voting.live import api, views

urlpatterns: list = [
    path("screenings/<int:screening_id>/console/", views.screening_console, name="screening-console"),
    path("screenings/<int:screening_id>/screen/", views.screening_screen, name="screening-screen"),
    path("screenings/<int:screening_id>/join/", views.screening_join, name="screening-join"),
    path("t/<ticket_code:code>/live/", views.ticket_live, name="ticket-live"),
    path("o/<ticket_code:code>/live/", views.order_live, name="order-live"),  # an order code: see screenings/urls.py
]

api_urlpatterns: list = [
    path("screenings/<int:screening_id>/start/", api.ScreeningStartApi.as_view(), name="api-screening-start"),
    path("screenings/<int:screening_id>/advance/", api.ScreeningAdvanceApi.as_view(), name="api-screening-advance"),
    path("screenings/<int:screening_id>/end/", api.ScreeningEndApi.as_view(), name="api-screening-end"),
    path(
        "screenings/<int:screening_id>/autopilot/", api.ScreeningAutopilotApi.as_view(), name="api-screening-autopilot"
    ),
    path("screenings/<int:screening_id>/presence/", api.ScreeningPresenceApi.as_view(), name="api-screening-presence"),
]
