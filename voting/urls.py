"""Pages of the voting app (console, audience, cinema screen)."""

from django.urls import path

from voting import views

urlpatterns = [
    path("screenings/<int:screening_id>/console/", views.screening_console, name="screening-console"),
    path("screenings/<int:screening_id>/screen/", views.screening_screen, name="screening-screen"),
    path("screenings/<int:screening_id>/join/", views.screening_join, name="screening-join"),
    path("t/<str:code>/live/", views.ticket_live, name="ticket-live"),
]
