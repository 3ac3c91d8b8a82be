"""One error shape for every API response: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError

logger = logging.getLogger(__name__)

_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.Throttled: "throttled",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "invalid",
    exceptions.ValidationError: "invalid",
}
# APIExceptions of our own carry their code (e.g. config.parsers.RequestTooLarge: "too_large").


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine code; never translated (API.md: Errors).")
    message = serializers.CharField(help_text="Human text, in the request's language.")
    fields = serializers.DictField(required=False, help_text="Per-field problems, when input was invalid.")


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """The one error shape of every 4xx/5xx answer (the only error schema in the OpenAPI document)."""

    error = ErrorBodySerializer()


_CODE_TEXT = {
    400: "`invalid`: the input is wrong (see `fields`)",
    401: "`not_authenticated`",
    403: "`forbidden`",
    404: "`not_found`",
    409: "`conflict` (or a more precise code)",
    413: "`too_large`",
    429: "`throttled`",
    503: "`unavailable`",
}


def error_responses(*statuses: int, **described: str) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for error statuses, all with ErrorSerializer: error_responses(400, 404,
    s409="sold_out: ...") — a keyword `s<status>` replaces the default description."""
    responses = {code: OpenApiResponse(ErrorSerializer, description=_CODE_TEXT.get(code, "")) for code in statuses}
    for key, text in described.items():
        responses[int(key.removeprefix("s"))] = OpenApiResponse(ErrorSerializer, description=text)
    return responses


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def _flatten(detail) -> dict | list | str:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, (dict, list)) else _flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else None
        return Response(error_body("invalid", " ".join(exc.messages), fields), status=400)
    if isinstance(exc, RequestDataTooBig):  # a form body read through request.POST
        return Response(error_body("too_large", _("The request body is too large.")), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handler (JSON under /api/) takes over

    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), None) or getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            non_field = detail.pop("non_field_errors", None)
            message = " ".join(non_field) if non_field else _("Some fields are invalid.")
            response.data = error_body(code, message, detail or None)
        else:
            message = " ".join(detail) if isinstance(detail, list) else detail
            response.data = error_body(code, message)
    else:
        response.data = error_body(code, str(getattr(exc, "detail", exc)))
    if isinstance(exc, exceptions.NotAuthenticated) and response.status_code == status.HTTP_403_FORBIDDEN:
        response.status_code = status.HTTP_401_UNAUTHORIZED
    return response


def json_404(request, exception=None):
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def json_500(request):
    return JsonResponse(error_body("server_error", _("Internal server error.")), status=500)
