"""REST routes of the voting app (live control, polls, votes)."""

from django.urls import path

import screenings.codes  # noqa: F401  (registers the <ticket_code:> converter)
from voting import api
from voting.api_results import PollCountsApi, PollResultApi, RoundOpenApi, TicketReceiptsApi

urlpatterns: list = [
    path("screenings/<int:screening_id>/start/", api.ScreeningStartApi.as_view(), name="api-screening-start"),
    path("screenings/<int:screening_id>/advance/", api.ScreeningAdvanceApi.as_view(), name="api-screening-advance"),
    path("screenings/<int:screening_id>/end/", api.ScreeningEndApi.as_view(), name="api-screening-end"),
    path("screenings/<int:screening_id>/polls/", api.PollOpenApi.as_view(), name="api-poll-open"),
    path("polls/<int:poll_id>/", api.PollDetailApi.as_view(), name="api-poll-detail"),
    path("polls/<int:poll_id>/close/", api.PollCloseApi.as_view(), name="api-poll-close"),
    path("polls/<int:poll_id>/votes/", api.VoteCastApi.as_view(), name="api-vote-cast"),
    path("productions/<int:production_id>/rounds/", RoundOpenApi.as_view(), name="api-round-open"),
    path("polls/<int:poll_id>/result/", PollResultApi.as_view(), name="api-poll-result"),
    path("polls/<int:poll_id>/counts/", PollCountsApi.as_view(), name="api-poll-counts"),
    path("tickets/<ticket_code:code>/receipts/", TicketReceiptsApi.as_view(), name="api-ticket-receipts"),
]
