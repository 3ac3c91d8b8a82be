"""REST for opening release rounds (API.md "Release rounds and verifiable results")."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import error_responses
from config.errors import Invalid
from screenings.models import Episode, Production
from voting.api.polls import poll_out
from voting.api.serializers import PollSerializer
from voting.models import Poll
from voting.services.rounds import round_open


class RoundOpenApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class RoundOpenInputSerializer(serializers.Serializer):
        episode = serializers.IntegerField()
        closes_at = serializers.DateTimeField()
        release_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        hide_results = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="round_open",
        tags=["rounds"],
        request=RoundOpenInputSerializer,
        responses={201: PollSerializer, **error_responses(400, 401, 403, 404, 409)},
        summary="Open a release round on a decision episode (the production's producer)",
    )
    def post(self, request, production_id: int):
        production = get_object_or_404(Production, pk=production_id)
        data = self.RoundOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = Episode.objects.filter(pk=data.validated_data["episode"]).first()
        if episode is None:
            raise Invalid(_("No such episode."), fields={"episode": [_("Unknown episode.")]})
        poll = round_open(
            production=production,
            episode=episode,
            closes_at=data.validated_data["closes_at"],
            release_at=data.validated_data["release_at"],
            hide_results=data.validated_data["hide_results"],
            by=request.user,
        )
        poll = Poll.objects.select_related("episode__production").get(pk=poll.pk)
        return Response(poll_out(poll, request), status=status.HTTP_201_CREATED)
