"""POST /api/auth/token/ {"username", "password"} -> {"token"}.

Throttled by django-axes like every login route (config/login_throttle.py): DRF hands
axes its own Request wrapper, so the lockout flag lands on it and is turned into
`429 throttled` here.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from config.api_errors import ErrorSerializer
from config.login_throttle import cool_off_seconds


class TokenObtainApi(ObtainAuthToken):
    throttle_classes: list = []  # django-axes limits logins, by the real client address and by account
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken names DRF's unbounded JSONParser

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: OpenApiResponse(ErrorSerializer, description="`invalid`: missing fields or wrong credentials"),
            429: OpenApiResponse(
                ErrorSerializer, description="`throttled`: too many failed logins from this address or account"
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                wait = cool_off_seconds()
                raise exceptions.Throttled(
                    wait=wait,
                    detail=_("Too many failed logins. Try again in %(minutes)d minutes.")
                    % {"minutes": max(wait // 60, 1)},
                ) from None
            raise
