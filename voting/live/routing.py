"""Websocket URL routes (see docs/websocket.md)."""

from django.urls import path

from voting.live.consumers.production import ProductionConsumer
from voting.live.consumers.screening import ScreeningConsumer

websocket_urlpatterns: list = [
    path("ws/productions/<int:production_id>/", ProductionConsumer.as_asgi()),
    path("ws/screenings/<int:screening_id>/", ScreeningConsumer.as_asgi()),
]
