"""The REST API's JSON parser: bounded in size (DATA_UPLOAD_MAX_MEMORY_SIZE) and in depth."""

from __future__ import annotations

import codecs

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from config.jsonparse import JSONTooDeep, json_loads_bounded


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    """DRF reads a JSON body straight from the request stream, past Django's size check:
    read at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 beyond), then parse with a depth bound."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})
        try:
            text = codecs.decode(raw, encoding)
            return json_loads_bounded(text)
        except JSONTooDeep as error:
            raise exceptions.ParseError(_("JSON parse error: %(error)s.") % {"error": error}) from None
        except (UnicodeDecodeError, ValueError) as error:
            raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error}) from None
