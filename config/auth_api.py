"""POST /api/auth/token/ {"username", "password"} -> {"token"}."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle

from config.api_errors import ErrorSerializer


class LoginThrottle(AnonRateThrottle):
    rate = "20/min"


class TokenObtainApi(ObtainAuthToken):
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: OpenApiResponse(ErrorSerializer, description="`invalid`: missing fields or wrong credentials"),
            429: OpenApiResponse(ErrorSerializer, description="`throttled`: too many attempts"),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
