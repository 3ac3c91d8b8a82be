"""Error pages: JSON under /api/ (the documented error shape), HTML elsewhere."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from config.api_errors import error_body, json_404, json_500


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django's 400 (a SuspiciousOperation): a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413."""
    too_large = isinstance(exception, RequestDataTooBig)
    if request.path.startswith("/api/"):
        if too_large:
            return JsonResponse(error_body("too_large", _("The request body is too large.")), status=413)
        return JsonResponse(error_body("invalid", _("Bad request.")), status=400)
    response = defaults.bad_request(request, exception)
    if too_large:
        response.status_code = 413
    return response


def server_error(request):
    if request.path.startswith("/api/"):
        return json_500(request)
    return defaults.server_error(request)


@csrf_exempt  # it changes nothing; without this a POST got the HTML CSRF page, not the JSON 404
def api_not_found(request, rest: str = ""):
    """The last /api/ route: an unknown API path gets the documented JSON 404 even under
    DEBUG (whose 404 page is HTML). A missing trailing slash redirects GET and HEAD as
    before; other methods get a 404 naming the right path (APPEND_SLASH would drop the
    body of a POST, and raises a 500 under DEBUG)."""
    slashed = f"{request.path}/"
    if not request.path.endswith("/") and _routed(slashed):
        if request.method in ("GET", "HEAD"):
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{slashed}?{query}" if query else slashed)
        return JsonResponse(
            error_body("not_found", _("Not found. Did you mean %(path)s (with the slash)?") % {"path": slashed}),
            status=404,
        )
    return json_404(request)


def _routed(path: str) -> bool:
    try:
        return resolve(path).func is not api_not_found
    except Resolver404:
        return False
