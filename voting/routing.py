"""Websocket URL routes (see docs/websocket.md)."""

from django.urls import path

from voting.consumers import ScreeningConsumer

websocket_urlpatterns = [
    path("ws/screenings/<int:screening_id>/", ScreeningConsumer.as_asgi()),
]
