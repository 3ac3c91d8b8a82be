"""Websocket URL routes (see docs/websocket.md)."""

websocket_urlpatterns: list = []
