"""Websocket URL routes (see docs/websocket.md)."""

from django.urls import path

from screenings.consumers import ProductionConsumer

websocket_urlpatterns: list = [
    path("ws/productions/<int:production_id>/", ProductionConsumer.as_asgi()),
]
