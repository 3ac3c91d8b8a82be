"""REST for verifiable results: a decided poll's result, counts per venue, a ticket's receipts
(API.md "Release rounds and verifiable results")."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import error_responses
from screenings.models import Ticket
from voting.api.serializers import ResultOptionSerializer, counts_field
from voting.models import Poll
from voting.selectors.results import poll_result_get, round_counts_for_get, ticket_receipts_list


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
            **error_responses(404, s409="`conflict`: the poll is not decided yet."),
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
        responses={200: PollCountsOutputSerializer, **error_responses(404)},
        summary="Counts from the stored votes: per venue for the producer and organizers, overall for everyone",
    )
    def get(self, request, poll_id: int):
        poll = get_object_or_404(Poll.objects.select_related("episode__production", "screening"), pk=poll_id)
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
        responses={200: TicketReceiptsOutputSerializer(many=True), **error_responses(404)},
        summary="A ticket's ballot receipts (the ticket code is the credential)",
    )
    def get(self, request, code: str):
        ticket = get_object_or_404(Ticket, code=code)
        return Response(self.TicketReceiptsOutputSerializer(ticket_receipts_list(ticket=ticket), many=True).data)
