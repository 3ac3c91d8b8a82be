"""Error pages: JSON under /api/ (the documented error shape), HTML elsewhere."""

from django.views import defaults

from config.api_errors import json_404, json_500


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_500(request)
    return defaults.server_error(request)
