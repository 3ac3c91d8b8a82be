"""REST routes of the screenings app (productions, episodes, branches; venues, screenings, tickets)."""

from django.urls import path

from screenings.api import ticketing

urlpatterns: list = [
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
    path("tickets/<str:code>/", ticketing.TicketDetailApi.as_view(), name="api-ticket"),
    path("tickets/<str:code>/qr.svg", ticketing.TicketQrApi.as_view(), name="api-ticket-qr"),
    path("tickets/<str:code>/check-in/", ticketing.TicketCheckInApi.as_view(), name="api-ticket-check-in"),
    path("tickets/<str:code>/refund/", ticketing.TicketRefundApi.as_view(), name="api-ticket-refund"),
]
