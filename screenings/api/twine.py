"""Twine in and out: POST /api/productions/import/ and GET /api/productions/{id}/export.twee.

Import takes a multipart upload (`file`) or JSON (`source`): at most TWINE_IMPORT_MAX_BYTES
of UTF-8 either way (413 `too_large` beyond; a JSON body is also bounded by the JSON parser's
DATA_UPLOAD_MAX_MEMORY_SIZE). Export is the producer's only (policy.production_can_edit).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.api_errors import error_responses
from config.parsers import BoundedJSONParser
from screenings.api.story import _production_out
from screenings.api.story_serializers import ProductionOut
from screenings.selectors import story as selectors
from screenings.selectors.twee import production_twee
from screenings.services.twine_import import DEFAULT_DURATION_SECONDS, production_import_twine, twine_upload_read
from screenings.twine import DURATION_MAX

TAGS = ["productions"]


class _ImportOptions(serializers.Serializer):
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text=gettext_lazy("Instead of the story's title.")
    )
    duration_seconds = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=DURATION_MAX,
        default=DEFAULT_DURATION_SECONDS,
        help_text=gettext_lazy("How long each episode lasts, unless its passage's metadata has a `duration`."),
    )


class TwineSourceIn(_ImportOptions):
    source = serializers.CharField(trim_whitespace=False, help_text=gettext_lazy("Twine 2 HTML or Twee 3 text."))


class TwineUploadIn(_ImportOptions):
    file = serializers.FileField(help_text=gettext_lazy("A Twine 2 .html archive or published story, or a .twee file."))


class TwineNoteOut(serializers.Serializer):
    kind = serializers.CharField(help_text="e.g. macro, broken_link, loop, duplicate_passage, unreachable, media.")
    passage = serializers.CharField(allow_null=True)
    line = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class TwineImportOut(serializers.Serializer):
    production = ProductionOut()
    report = TwineNoteOut(many=True, help_text=gettext_lazy("What was not imported, or was changed."))


class ProductionImportApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser, MultiPartParser]
    serializer_class = TwineImportOut

    @extend_schema(
        tags=TAGS,
        summary="Import a Twine story as a new draft production",
        description="Passages become draft episodes, links branches (a passage's first link is its default), "
        "Twine's start passage the start episode. `report` lists what was not imported: macros, broken or "
        "external links, links that would loop, duplicate names, unreachable passages, media, tags, special "
        "passages. Unreadable input is `400 invalid` naming the line (`line`) and passage (`passage`).",
        request={"application/json": TwineSourceIn, "multipart/form-data": TwineUploadIn},
        responses={201: TwineImportOut, **error_responses(400, 401, 413)},
    )
    def post(self, request):
        if request.content_type.startswith("multipart/"):
            data = _valid(TwineUploadIn, request.data)
            source = twine_upload_read(upload=data.pop("file"))
        else:
            data = _valid(TwineSourceIn, request.data)
            source = data.pop("source")
        result = production_import_twine(producer=request.user, source=source, **data)
        body = {"production": _production_out(result.production.pk, request), "report": result.report}
        return Response(body, status=status.HTTP_201_CREATED)


class ProductionExportTweeApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="The production as Twee 3 text, for Twine (its producer only)",
        description="The whole graph, drafts included; re-importing it gives the same graph.",
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Twee 3, UTF-8"),
            **error_responses(401, 403, 404),
        },
    )
    def get(self, request, production_id: int):
        production = selectors.production_get(production_id=production_id, user=request.user)
        text = production_twee(production=production, user=request.user)
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{production.slug}.twee"'
        return response


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
