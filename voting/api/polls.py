"""REST for live polls and votes (API.md "Live screening control" and the vote's REST twin)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import error_responses
from config.client_address import client_address
from config.errors import Throttled
from config.ratelimit import ticket_guess_blocked, ticket_guess_failed
from screenings.models import Screening
from voting.api.serializers import PollSerializer
from voting.models import Poll
from voting.rules import RULE
from voting.selectors.polls import poll_state_get
from voting.services.polls import MAX_DURATION_SECONDS, MIN_DURATION_SECONDS, poll_close_early, poll_open
from voting.services.votes import UnknownTicket, vote_cast

WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)


def poll_out(poll: Poll, request) -> dict:
    return PollSerializer(poll_state_get(poll=poll, user=request.user) | {"rule": RULE}).data


class PollOpenApi(APIView):
    permission_classes = [permissions.IsAuthenticated]  # the service checks it is *this* screening's organizer

    class PollOpenInputSerializer(serializers.Serializer):
        duration_seconds = serializers.IntegerField(min_value=MIN_DURATION_SECONDS, max_value=MAX_DURATION_SECONDS)
        hide_results = serializers.BooleanField(default=False)
        quorum = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    @extend_schema(
        request=PollOpenInputSerializer,
        responses={201: PollSerializer, **WRITE_ERRORS},
        summary="Open a live poll on the episode now playing (options: its branches)",
    )
    def post(self, request, screening_id: int):
        screening = get_object_or_404(Screening, pk=screening_id)
        data = self.PollOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        poll = poll_open(screening=screening, by=request.user, **data.validated_data)
        return Response(poll_out(poll, request), status=status.HTTP_201_CREATED)


class PollDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: PollSerializer, **error_responses(404)},
        auth=[],
        summary="A poll with its live counts or its decision",
    )
    def get(self, request, poll_id: int):
        poll = get_object_or_404(Poll.objects.select_related("screening", "episode__production"), pk=poll_id)
        return Response(poll_out(poll, request))


class PollCloseApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: PollSerializer, **WRITE_ERRORS},
        summary="Close a live poll early and decide it now",
    )
    def post(self, request, poll_id: int):
        poll = get_object_or_404(Poll, pk=poll_id)
        poll_close_early(poll=poll, by=request.user)
        poll = Poll.objects.select_related("screening", "episode__production").get(pk=poll.pk)
        return Response(poll_out(poll, request))


class VoteCastApi(APIView):
    """The REST twin of the websocket vote: the ticket code is the credential."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []  # no session, hence no CSRF: the ticket code authenticates

    class VoteCastInputSerializer(serializers.Serializer):
        ticket = serializers.CharField(max_length=64)
        option = serializers.IntegerField(min_value=1)

    class VoteCastOutputSerializer(serializers.Serializer):
        poll = serializers.IntegerField()
        option = serializers.IntegerField()
        receipt = serializers.CharField(
            help_text="HMAC of the ticket's secret and the poll (docs/verifiable-results.md)."
        )

    @extend_schema(
        request=VoteCastInputSerializer,
        responses={201: VoteCastOutputSerializer, **error_responses(400, 403, 404, 409, 429)},
        auth=[],
        summary="Vote (or change a vote)",
    )
    def post(self, request, poll_id: int):
        data = self.VoteCastInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = client_address(request)
        if ticket_guess_blocked(address):  # the ticket is the credential: guessing it is throttled
            raise Throttled(_("Too many unknown ticket codes from your address: wait a while."))
        try:
            vote = vote_cast(
                poll_id=poll_id, ticket_code=data.validated_data["ticket"], option_id=data.validated_data["option"]
            )
        except UnknownTicket:
            ticket_guess_failed(address)
            raise
        body = {"poll": vote.poll_id, "option": vote.branch_id, "receipt": vote.receipt}
        return Response(self.VoteCastOutputSerializer(body).data, status=status.HTTP_201_CREATED)
