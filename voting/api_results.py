"""REST for release rounds and verifiable results (API.md "Release rounds and verifiable results")."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import Invalid
from screenings.models import Episode, Production, Ticket
from voting.models import Poll
from voting.results import poll_result_get, round_counts_for_get, ticket_receipts_list
from voting.rounds import round_as_dict, round_open

ERROR = inline_serializer(
    "ResultsError",
    {
        "error": inline_serializer(
            "ResultsErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(required=False),
            },
        )
    },
)


class ResultOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


def counts_field(**kwargs) -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(), help_text='{"<option id>": votes}', **kwargs)


class RoundOpenApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class RoundOpenInputSerializer(serializers.Serializer):
        episode = serializers.IntegerField()
        closes_at = serializers.DateTimeField()
        release_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        hide_results = serializers.BooleanField(required=False, default=False)

    class RoundOpenOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        scope = serializers.CharField()
        status = serializers.CharField()
        production = serializers.IntegerField()
        episode = serializers.IntegerField()
        options = ResultOptionSerializer(many=True)
        opens_at = serializers.DateTimeField()
        closes_at = serializers.DateTimeField()
        release_at = serializers.DateTimeField(allow_null=True)
        hide_results = serializers.BooleanField()

    @extend_schema(
        operation_id="round_open",
        tags=["rounds"],
        request=RoundOpenInputSerializer,
        responses={201: RoundOpenOutputSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        summary="Open a release round on a decision episode (production owner)",
    )
    def post(self, request, production_id: int):
        production = get_object_or_404(Production, pk=production_id)
        data = self.RoundOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = Episode.objects.filter(pk=data.validated_data["episode"]).first()
        if episode is None:
            raise Invalid("No such episode.", fields={"episode": ["Unknown episode."]})
        poll = round_open(
            production=production,
            episode=episode,
            closes_at=data.validated_data["closes_at"],
            release_at=data.validated_data["release_at"],
            hide_results=data.validated_data["hide_results"],
            by=request.user,
        )
        return Response(self.RoundOpenOutputSerializer(round_as_dict(poll=poll)).data, status=status.HTTP_201_CREATED)


class PollResultApi(APIView):
    permission_classes = [permissions.AllowAny]

    class PollResultOutputSerializer(serializers.Serializer):
        poll = serializers.IntegerField()
        scope = serializers.CharField()
        version = serializers.CharField(help_text="Receipt and digest procedure version (docs/verifiable-results.md).")
        options = ResultOptionSerializer(many=True)
        counts = counts_field()
        total_votes = serializers.IntegerField()
        decision = inline_serializer(
            "ResultDecision",
            {
                "option": serializers.IntegerField(),
                "reason": serializers.CharField(),
                "decided_at": serializers.DateTimeField(),
            },
        )
        rule = inline_serializer(
            "ResultRule",
            {
                "name": serializers.CharField(),
                "tie_break": serializers.CharField(),
                "default_option": serializers.IntegerField(allow_null=True),
                "quorum": serializers.IntegerField(allow_null=True),
                "text": serializers.CharField(),
            },
        )
        ballots = inline_serializer(
            "Ballot", {"receipt": serializers.CharField(), "option": serializers.IntegerField()}, many=True
        )
        digest = serializers.CharField()

    @extend_schema(
        operation_id="poll_result",
        tags=["results"],
        auth=[],
        responses={
            200: PollResultOutputSerializer,
            404: ERROR,
            409: OpenApiResponse(ERROR, description="`conflict`: the poll is not decided yet."),
        },
        summary="The verifiable result of a decided poll (counts, rule, ballots, digest)",
    )
    def get(self, request, poll_id: int):
        poll = get_object_or_404(Poll, pk=poll_id)
        return Response(self.PollResultOutputSerializer(poll_result_get(poll=poll)).data)


class PollCountsApi(APIView):
    permission_classes = [permissions.AllowAny]

    class PollCountsOutputSerializer(serializers.Serializer):
        poll = serializers.IntegerField()
        scope = serializers.CharField()
        status = serializers.CharField()
        hidden = serializers.BooleanField(help_text="Counts hidden from you until the poll is decided.")
        total = serializers.IntegerField(allow_null=True)
        overall = counts_field(allow_null=True)
        by_venue = inline_serializer(
            "VenueCounts",
            {
                "venue": serializers.CharField(),
                "venue_id": serializers.IntegerField(allow_null=True),
                "screenings": serializers.ListField(child=serializers.IntegerField()),
                "counts": counts_field(),
            },
            many=True,
            allow_null=True,
        )

    @extend_schema(
        operation_id="poll_counts",
        tags=["results"],
        responses={200: PollCountsOutputSerializer, 404: ERROR},
        summary="Counts from the stored votes: per venue for the producer and organizers, overall for everyone",
    )
    def get(self, request, poll_id: int):
        poll = get_object_or_404(Poll.objects.select_related("episode__production"), pk=poll_id)
        return Response(self.PollCountsOutputSerializer(round_counts_for_get(poll=poll, user=request.user)).data)


class TicketReceiptsApi(APIView):
    permission_classes = [permissions.AllowAny]

    class TicketReceiptsOutputSerializer(serializers.Serializer):
        poll = serializers.IntegerField()
        scope = serializers.CharField()
        receipt = serializers.CharField()
        option = serializers.IntegerField()
        counted = serializers.BooleanField(help_text="In the ballot list of the poll's published result.")
        result_url = serializers.CharField()

    @extend_schema(
        operation_id="ticket_receipts",
        tags=["results"],
        auth=[],
        responses={200: TicketReceiptsOutputSerializer(many=True), 404: ERROR},
        summary="A ticket's ballot receipts (the ticket code is the credential)",
    )
    def get(self, request, code: str):
        ticket = get_object_or_404(Ticket, code=code)
        return Response(self.TicketReceiptsOutputSerializer(ticket_receipts_list(ticket=ticket), many=True).data)
