"""Websocket routing with the origin check every socket passes through."""

from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings

from voting.routing import websocket_urlpatterns


def allowed_origins() -> list[str]:
    """ALLOWED_HOSTS plus explicit extra origins (scheme://host[:port] or host patterns)."""
    origins = list(settings.ALLOWED_HOSTS) + list(settings.WEBSOCKET_ALLOWED_ORIGINS)
    site = urlsplit(settings.SITE_URL)
    if site.hostname and site.hostname not in origins:
        origins.append(site.hostname)
    return origins


websocket_application = OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), allowed_origins())
