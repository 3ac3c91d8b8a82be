"""REST routes of the voting app: polls, votes, release rounds, results."""

from django.urls import path

import screenings.codes  # noqa: F401  (registers the <ticket_code:> converter)
from voting.api import polls, results, rounds

urlpatterns: list = [
    path("screenings/<int:screening_id>/polls/", polls.PollOpenApi.as_view(), name="api-poll-open"),
    path("polls/<int:poll_id>/", polls.PollDetailApi.as_view(), name="api-poll-detail"),
    path("polls/<int:poll_id>/close/", polls.PollCloseApi.as_view(), name="api-poll-close"),
    path("polls/<int:poll_id>/votes/", polls.VoteCastApi.as_view(), name="api-vote-cast"),
    path("productions/<int:production_id>/rounds/", rounds.RoundOpenApi.as_view(), name="api-round-open"),
    path("polls/<int:poll_id>/result/", results.PollResultApi.as_view(), name="api-poll-result"),
    path("polls/<int:poll_id>/counts/", results.PollCountsApi.as_view(), name="api-poll-counts"),
    path("tickets/<ticket_code:code>/receipts/", results.TicketReceiptsApi.as_view(), name="api-ticket-receipts"),
]
