"""REST twins of the live console and of the websocket vote (API.md "Live screening control")."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from screenings.models import Episode, Screening
from screenings.services.live import screening_advance, screening_end, screening_start
from voting.api_results import ERROR
from voting.models import Poll
from voting.payloads import episode_payload
from voting.rules import RULE
from voting.selectors import poll_state_get
from voting.services import poll_close_early, poll_open, vote_cast

# Errors are {"error": {"code", "message", "fields"?}} (config/api_errors.py).
WRITE_ERRORS = dict.fromkeys((400, 401, 403, 404, 409), ERROR)


class NowPlayingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    media_url = serializers.CharField()
    duration_seconds = serializers.IntegerField()


class ScreeningLiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    now_playing = NowPlayingSerializer(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The branch id.")
    label = serializers.CharField()
    target = serializers.IntegerField(help_text="The episode this branch leads to.")
    is_default = serializers.BooleanField()


class DecisionSerializer(serializers.Serializer):
    option = serializers.IntegerField()
    reason = serializers.ChoiceField(["majority", "tie_break", "no_votes", "no_quorum"])
    decided_at = serializers.DateTimeField()
    total_votes = serializers.IntegerField()


class PollSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.ChoiceField(["live", "round"])
    status = serializers.ChoiceField(["open", "decided"])
    episode = serializers.IntegerField(help_text="The decision point.")
    screening = serializers.IntegerField(allow_null=True)
    options = OptionSerializer(many=True)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    hide_results = serializers.BooleanField()
    quorum = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="Votes per option id; null while open if hide_results is set (the organizer still sees them).",
    )
    total = serializers.IntegerField(allow_null=True)
    decision = DecisionSerializer(allow_null=True)
    rule = serializers.CharField(help_text="The tie-break and fallback rule.")


def _screening_out(screening: Screening) -> dict:
    data = {
        "id": screening.id,
        "status": screening.status,
        "now_playing": episode_payload(screening.now_playing),
        "started_at": screening.started_at,
        "ended_at": screening.ended_at,
    }
    return ScreeningLiveSerializer(data).data


def _poll_out(poll: Poll, request) -> dict:
    user = request.user
    staff = user.is_authenticated and (user.is_superuser or (poll.screening and poll.screening.organizer_id == user.id))
    return PollSerializer(poll_state_get(poll=poll, staff=bool(staff)) | {"rule": RULE}).data


class _OrganizerApi(APIView):
    permission_classes = [permissions.IsAuthenticated]  # the service checks it is *this* screening's organizer


class ScreeningStartApi(_OrganizerApi):
    @extend_schema(
        request=None,
        responses={200: ScreeningLiveSerializer, **WRITE_ERRORS},
        summary="Start a screening: play the start episode",
    )
    def post(self, request, screening_id: int):
        screening = screening_start(screening=get_object_or_404(Screening, pk=screening_id), by=request.user)
        return Response(_screening_out(screening))


class ScreeningAdvanceApi(_OrganizerApi):
    class ScreeningAdvanceInputSerializer(serializers.Serializer):
        episode = serializers.IntegerField(help_text="An episode reached by a branch from the one now playing.")

    @extend_schema(
        request=ScreeningAdvanceInputSerializer,
        responses={200: ScreeningLiveSerializer, **WRITE_ERRORS},
        summary="Advance by hand along a branch",
    )
    def post(self, request, screening_id: int):
        screening = get_object_or_404(Screening, pk=screening_id)
        data = self.ScreeningAdvanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = Episode.objects.filter(
            pk=data.validated_data["episode"], production_id=screening.production_id
        ).first()
        if episode is None:
            raise serializers.ValidationError({"episode": ["No such episode in this production."]})
        screening = screening_advance(screening=screening, episode=episode, by=request.user)
        return Response(_screening_out(screening))


class ScreeningEndApi(_OrganizerApi):
    @extend_schema(
        request=None, responses={200: ScreeningLiveSerializer, **WRITE_ERRORS}, summary="End a live screening"
    )
    def post(self, request, screening_id: int):
        screening = screening_end(screening=get_object_or_404(Screening, pk=screening_id), by=request.user)
        return Response(_screening_out(screening))


class PollOpenApi(_OrganizerApi):
    class PollOpenInputSerializer(serializers.Serializer):
        duration_seconds = serializers.IntegerField(min_value=5, max_value=3600)
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
        return Response(_poll_out(poll, request), status=status.HTTP_201_CREATED)


class PollDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: PollSerializer, 404: ERROR}, auth=[], summary="A poll with its live counts or its decision"
    )
    def get(self, request, poll_id: int):
        poll = get_object_or_404(Poll.objects.select_related("screening", "episode"), pk=poll_id)
        return Response(_poll_out(poll, request))


class PollCloseApi(_OrganizerApi):
    @extend_schema(
        request=None,
        responses={200: PollSerializer, **WRITE_ERRORS},
        summary="Close a live poll early and decide it now",
    )
    def post(self, request, poll_id: int):
        poll = get_object_or_404(Poll, pk=poll_id)
        poll_close_early(poll=poll, by=request.user)
        poll.refresh_from_db()
        return Response(_poll_out(poll, request))


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
        responses={201: VoteCastOutputSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        auth=[],
        summary="Vote (or change a vote)",
    )
    def post(self, request, poll_id: int):
        data = self.VoteCastInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vote = vote_cast(
            poll_id=poll_id, ticket_code=data.validated_data["ticket"], option_id=data.validated_data["option"]
        )
        body = {"poll": vote.poll_id, "option": vote.branch_id, "receipt": vote.receipt}
        return Response(self.VoteCastOutputSerializer(body).data, status=status.HTTP_201_CREATED)
