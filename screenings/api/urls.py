"""REST routes of the screenings app (productions, episodes, branches; venues, screenings, tickets)."""

from django.urls import path

import screenings.codes  # noqa: F401  (registers the <ticket_code:> converter)
from screenings.api import story, ticketing, twine

P = "productions/<int:production_id>"

urlpatterns: list = [
    path("productions/", story.ProductionListApi.as_view(), name="api-productions"),
    path("productions/import/", twine.ProductionImportApi.as_view(), name="api-productions-import"),
    path(f"{P}/", story.ProductionDetailApi.as_view(), name="api-production"),
    path(f"{P}/export.twee", twine.ProductionExportTweeApi.as_view(), name="api-production-export-twee"),
    path(f"{P}/episodes/", story.ProductionEpisodesApi.as_view(), name="api-production-episodes"),
    path(f"{P}/branches/", story.ProductionBranchesApi.as_view(), name="api-production-branches"),
    path("episodes/<int:episode_id>/", story.EpisodeDetailApi.as_view(), name="api-episode"),
    path("episodes/<int:episode_id>/publish/", story.EpisodePublishApi.as_view(), name="api-episode-publish"),
    path("episodes/<int:episode_id>/unpublish/", story.EpisodeUnpublishApi.as_view(), name="api-episode-unpublish"),
    path("branches/<int:branch_id>/", story.BranchDetailApi.as_view(), name="api-branch"),
    path("venues/", ticketing.VenueListCreateApi.as_view(), name="api-venues"),
    path("venues/<int:venue_id>/", ticketing.VenueDetailApi.as_view(), name="api-venue"),
    path("screenings/", ticketing.ScreeningListCreateApi.as_view(), name="api-screenings"),
    path("screenings/<int:screening_id>/", ticketing.ScreeningDetailApi.as_view(), name="api-screening"),
    path(
        "screenings/<int:screening_id>/on-sale/", ticketing.ScreeningOnSaleApi.as_view(), name="api-screening-on-sale"
    ),
    path("screenings/<int:screening_id>/cancel/", ticketing.ScreeningCancelApi.as_view(), name="api-screening-cancel"),
    path("screenings/<int:screening_id>/orders/", ticketing.OrderCreateApi.as_view(), name="api-screening-orders"),
    path(
        "screenings/<int:screening_id>/tickets/",
        ticketing.ScreeningTicketListApi.as_view(),
        name="api-screening-tickets",
    ),
    path("tickets/<ticket_code:code>/", ticketing.TicketDetailApi.as_view(), name="api-ticket"),
    path("tickets/<ticket_code:code>/qr.svg", ticketing.TicketQrApi.as_view(), name="api-ticket-qr"),
    path("tickets/<ticket_code:code>/check-in/", ticketing.TicketCheckInApi.as_view(), name="api-ticket-check-in"),
    path("tickets/<ticket_code:code>/refund/", ticketing.TicketRefundApi.as_view(), name="api-ticket-refund"),
]
