"""REST twins of the live console: start, advance by hand, end, autopilot, presence (API.md "Live screening control").

Each endpoint is its own thin view on purpose: one route, one permission, one schema entry, one
service call. They look alike (parse, call, answer) because that is their whole job; logic that
repeats lives once in the services, selectors and serializers they call.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import error_responses
from screenings import policy
from screenings.models import Episode, Play, Screening
from screenings.payloads import now_playing_payload
from voting.live.autopilot import screening_autopilot_pause
from voting.live.presence import presence_count
from voting.live.services import screening_advance, screening_end, screening_start

WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)


class NowPlayingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    production = serializers.IntegerField()
    title = serializers.CharField()
    synopsis = serializers.CharField()
    media_url = serializers.CharField(help_text='The media to play; "" when the episode has none.')
    poster = serializers.CharField(allow_null=True)
    duration_seconds = serializers.IntegerField()
    status = serializers.CharField()
    release_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(
        allow_null=True, help_text="When it started playing: every screen plays it at now − started_at."
    )


class ScreeningLiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    autopilot = serializers.BooleanField(help_text="The film drives the screening (API.md 1.1).")
    paused_at = serializers.DateTimeField(allow_null=True, help_text="Set while an autopilot screening is paused.")
    now_playing = NowPlayingSerializer(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


def screening_live_out(screening: Screening) -> dict:
    play = None
    if screening.now_playing_id:
        play = Play.objects.filter(screening=screening, episode_id=screening.now_playing_id).first()
    data = {
        "id": screening.id,
        "status": screening.status,
        "autopilot": screening.autopilot,
        "paused_at": screening.paused_at,
        "now_playing": now_playing_payload(episode=screening.now_playing, started_at=play.started_at if play else None),
        "started_at": screening.started_at,
        "ended_at": screening.ended_at,
    }
    return ScreeningLiveSerializer(data).data


class _OrganizerApi(APIView):
    permission_classes = [permissions.IsAuthenticated]  # the service checks it is *this* screening's organizer


class ScreeningStartApi(_OrganizerApi):
    class ScreeningStartInputSerializer(serializers.Serializer):
        autopilot = serializers.BooleanField(
            default=False, help_text="Let the film drive: polls open at their cues, winners play when episodes end."
        )

    @extend_schema(
        request=ScreeningStartInputSerializer,
        responses={200: ScreeningLiveSerializer, **WRITE_ERRORS},
        summary="Start a screening: play the start episode (by hand, or on autopilot)",
    )
    def post(self, request, screening_id: int):
        data = self.ScreeningStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        screening = screening_start(
            screening=get_object_or_404(Screening, pk=screening_id), by=request.user, **data.validated_data
        )
        return Response(screening_live_out(screening))


class ScreeningAutopilotApi(_OrganizerApi):
    class ScreeningAutopilotInputSerializer(serializers.Serializer):
        paused = serializers.BooleanField(help_text="true holds the clock; false resumes where it stopped.")

    @extend_schema(
        request=ScreeningAutopilotInputSerializer,
        responses={200: ScreeningLiveSerializer, **WRITE_ERRORS},
        summary="Pause or resume an autopilot screening",
    )
    def post(self, request, screening_id: int):
        data = self.ScreeningAutopilotInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        screening = screening_autopilot_pause(
            screening=get_object_or_404(Screening, pk=screening_id), by=request.user, **data.validated_data
        )
        return Response(screening_live_out(screening))


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
            raise serializers.ValidationError({"episode": [_("No such episode in this production.")]})
        screening = screening_advance(screening=screening, episode=episode, by=request.user)
        return Response(screening_live_out(screening))


class ScreeningEndApi(_OrganizerApi):
    @extend_schema(
        request=None, responses={200: ScreeningLiveSerializer, **WRITE_ERRORS}, summary="End a live screening"
    )
    def post(self, request, screening_id: int):
        screening = screening_end(screening=get_object_or_404(Screening, pk=screening_id), by=request.user)
        return Response(screening_live_out(screening))


class ScreeningPresenceApi(_OrganizerApi):
    class ScreeningPresenceSerializer(serializers.Serializer):
        tickets_connected = serializers.IntegerField(
            allow_null=True, help_text="Ticket sockets connected now, across every server process; null if unknown."
        )

    @extend_schema(
        responses={200: ScreeningPresenceSerializer, **error_responses(401, 403, 404)},
        summary="How many tickets are connected to the screening now (the console's count)",
    )
    def get(self, request, screening_id: int):
        screening = get_object_or_404(Screening, pk=screening_id)
        policy.screening_manage_check(user=request.user, screening=screening)
        return Response({"tickets_connected": presence_count(screening_id=screening.id)})
