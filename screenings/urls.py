"""Pages of the screenings app (producer, organizer, box office)."""

from django.urls import path

from screenings.views import box_office, public

urlpatterns: list = [
    path("box-office/", box_office.box_office, name="box-office"),
    path("box-office/screenings/<int:screening_id>/tickets/", box_office.screening_tickets, name="box-office-tickets"),
    path("box-office/screenings/<int:screening_id>/refund/", box_office.ticket_refund_action, name="box-office-refund"),
    path(
        "box-office/screenings/<int:screening_id>/cancel/", box_office.screening_cancel_action, name="box-office-cancel"
    ),
    path("box-office/screenings/<int:screening_id>/check-in/", box_office.check_in_page, name="box-office-check-in"),
    path("screenings/<int:screening_id>/", public.screening_page, name="screening"),
    path("t/<str:code>/", public.ticket_page, name="ticket"),
]
