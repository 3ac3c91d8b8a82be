"""REST routes of the voting app (polls, votes, results)."""

from django.urls import path

from voting.api_results import PollCountsApi, PollResultApi, RoundOpenApi, TicketReceiptsApi

urlpatterns: list = [
    path("productions/<int:production_id>/rounds/", RoundOpenApi.as_view(), name="api-round-open"),
    path("polls/<int:poll_id>/result/", PollResultApi.as_view(), name="api-poll-result"),
    path("polls/<int:poll_id>/counts/", PollCountsApi.as_view(), name="api-poll-counts"),
    path("tickets/<str:code>/receipts/", TicketReceiptsApi.as_view(), name="api-ticket-receipts"),
]
