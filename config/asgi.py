"""ASGI entry point: Django for HTTP, Channels for websockets (origin-checked)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()  # populate the app registry before importing consumers

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config.collector import collector_tune  # noqa: E402
from config.websocket import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})
collector_tune(thresholds=settings.WEB_GC_THRESHOLDS)  # the application loaded: config/collector.py
