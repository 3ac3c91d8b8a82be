"""REST API for venues, screenings, orders and tickets (shared/API.md, "Organizers").

Views are thin: validate with an input serializer, call a service (which
checks ownership and raises domain errors), serialize the result. Money is a
decimal string quantized to the currency's minor unit, plus `currency`.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import ErrorSerializer, error_responses
from config.errors import Invalid, NotFound
from config.ratelimit import order_rate_check
from screenings import policy
from screenings.api.ticketing_serializers import (
    CancelOutput,
    CheckInInput,
    CheckInOutput,
    OrderInput,
    OrderOutput,
    ScreeningInput,
    ScreeningOutput,
    ScreeningUpdateInput,
    TicketOutput,
    VenueInput,
    VenueOutput,
    VenueUpdateInput,
)
from screenings.models import Screening, Venue
from screenings.qr import ticket_qr_svg
from screenings.selectors.ticketing import (
    screening_tickets_list,
    screening_with_sales_get,
    screenings_with_sales,
    ticket_by_code_get,
    venue_list,
)
from screenings.services import orders
from screenings.services import ticketing as services

ERRORS = error_responses(400, 401, 403, 404, 409)
# Routes that take a ticket code: too many unknown codes from one address (docs/security.md).
GUESSING = error_responses(s429="`throttled`: too many unknown ticket codes from this address")


def _screening(screening_id: int) -> Screening:
    found = screening_with_sales_get(screening_id=screening_id)
    if found is None:
        raise NotFound(_("No such screening."))
    return found


def _ticket(code: str):
    ticket = ticket_by_code_get(code=code)
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


# --- Venues ---------------------------------------------------------------------


@extend_schema(tags=["organizers"])
class VenueListCreateApi(generics.ListAPIView):
    """GET: the caller's venues. POST: a new venue owned by the caller."""

    permission_classes = [IsAuthenticated]
    serializer_class = VenueOutput

    def get_queryset(self):
        return venue_list(owner=self.request.user)

    @extend_schema(request=VenueInput, responses={201: VenueOutput, **ERRORS})
    def post(self, request):
        data = VenueInput(data=request.data)
        data.is_valid(raise_exception=True)
        venue = services.venue_create(owner=request.user, **data.validated_data)
        return Response(VenueOutput(venue).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["organizers"])
class VenueDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    def _venue(self, request, venue_id: int) -> Venue:
        venue = get_object_or_404(Venue, pk=venue_id)
        policy.venue_manage_check(user=request.user, venue=venue)
        return venue

    @extend_schema(responses={200: VenueOutput, **ERRORS})
    def get(self, request, venue_id: int):
        return Response(VenueOutput(self._venue(request, venue_id)).data)

    @extend_schema(request=VenueUpdateInput, responses={200: VenueOutput, **ERRORS})
    def patch(self, request, venue_id: int):
        data = VenueUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        venue = services.venue_update(venue=self._venue(request, venue_id), user=request.user, **data.validated_data)
        return Response(VenueOutput(venue).data)


# --- Screenings -----------------------------------------------------------------


@extend_schema(tags=["organizers"])
class ScreeningListCreateApi(generics.ListAPIView):
    """GET (anyone): screenings not ended or cancelled, soonest first. POST: a new screening."""

    serializer_class = ScreeningOutput

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        upcoming = Screening.objects.exclude(status__in=[Screening.Status.ENDED, Screening.Status.CANCELLED])
        return screenings_with_sales(upcoming).order_by("starts_at", "id")

    @extend_schema(request=ScreeningInput, responses={201: ScreeningOutput, **ERRORS})
    def post(self, request):
        data = ScreeningInput(data=request.data)
        data.is_valid(raise_exception=True)
        screening = services.screening_create(organizer=request.user, **data.validated_data)
        return Response(ScreeningOutput(_screening(screening.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["organizers"])
class ScreeningDetailApi(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: ScreeningOutput, **ERRORS}, auth=[])
    def get(self, request, screening_id: int):
        return Response(ScreeningOutput(_screening(screening_id)).data)

    @extend_schema(request=ScreeningUpdateInput, responses={200: ScreeningOutput, **ERRORS})
    def patch(self, request, screening_id: int):
        data = ScreeningUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.screening_update(screening=_screening(screening_id), user=request.user, **data.validated_data)
        return Response(ScreeningOutput(_screening(screening_id)).data)


@extend_schema(tags=["organizers"], request=None, responses={200: ScreeningOutput, **ERRORS})
class ScreeningOnSaleApi(APIView):
    """Mark a scheduled screening `on_sale` (tickets already sell while it is `scheduled`)."""

    permission_classes = [IsAuthenticated]

    def post(self, request, screening_id: int):
        services.screening_on_sale_set(screening=_screening(screening_id), user=request.user)
        return Response(ScreeningOutput(_screening(screening_id)).data)


@extend_schema(tags=["organizers"], request=None, responses={200: CancelOutput, **ERRORS})
class ScreeningCancelApi(APIView):
    """Cancel the screening and refund all of its tickets."""

    permission_classes = [IsAuthenticated]

    def post(self, request, screening_id: int):
        refunded = services.screening_cancel(screening=_screening(screening_id), user=request.user)
        return Response(CancelOutput({"screening": _screening(screening_id), "refunded": len(refunded)}).data)


@extend_schema(
    tags=["organizers"],
    parameters=[OpenApiParameter("q", str, description="Code prefix, buyer email or name.")],
)
class ScreeningTicketListApi(generics.ListAPIView):
    """The screening's tickets, for its organizer."""

    permission_classes = [IsAuthenticated]
    serializer_class = TicketOutput

    def get_queryset(self):
        screening = _screening(self.kwargs["screening_id"])
        policy.screening_manage_check(user=self.request.user, screening=screening)
        return screening_tickets_list(screening=screening, query=self.request.query_params.get("q", "")).select_related(
            "screening"
        )


# --- Orders and tickets ---------------------------------------------------------


@extend_schema(
    tags=["tickets"],
    auth=[],
    request=OrderInput,
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            str,
            OpenApiParameter.HEADER,
            description="16 to 80 random characters (e.g. a UUID). Retrying with the same key, e-mail and request "
            "within 24 hours returns the first order (no second purchase).",
        )
    ],
    responses={
        201: OrderOutput,
        400: ERRORS[400],
        404: ERRORS[404],
        409: OpenApiResponse(
            ErrorSerializer,
            description="sold_out (`fields.remaining`: seats left), not_on_sale (status or sales window), "
            "conflict (key reused for a different request)",
        ),
        429: OpenApiResponse(ErrorSerializer, description="throttled: only where the deployment sets ORDER_RATE_LIMIT"),
    },
)
class OrderCreateApi(APIView):
    """Buy `quantity` tickets (no account needed); all of them or none."""

    permission_classes = [AllowAny]

    def post(self, request, screening_id: int):
        order_rate_check(request)
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        header_key = request.headers.get("Idempotency-Key", "").strip() or None
        body_key = fields.pop("idempotency_key", None) or None
        if header_key and body_key and header_key != body_key:
            raise Invalid(
                _("Idempotency-Key header and idempotency_key differ."), fields={"idempotency_key": [_("Differs.")]}
            )
        order, created = orders.order_place(screening_id=screening_id, idempotency_key=header_key or body_key, **fields)
        response = Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


@extend_schema(tags=["tickets"], auth=[], responses={200: TicketOutput, 404: ERRORS[404], **GUESSING})
class TicketDetailApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request, code: str):
        return Response(TicketOutput(_ticket(code)).data)


@extend_schema(
    tags=["tickets"], auth=[], responses={(200, "image/svg+xml"): OpenApiTypes.STR, 404: ERRORS[404], **GUESSING}
)
class TicketQrApi(APIView):
    """The ticket's QR code: it encodes the ticket page's URL (SITE_URL/t/<code>/)."""

    permission_classes = [AllowAny]

    def get(self, request, code: str):
        ticket = _ticket(code)
        response = HttpResponse(ticket_qr_svg(ticket.code), content_type="image/svg+xml")
        response["Cache-Control"] = "private, max-age=3600"
        return response


@extend_schema(
    tags=["tickets"],
    request=CheckInInput,
    responses={
        200: CheckInOutput,
        **ERRORS,
        409: OpenApiResponse(
            ErrorSerializer,
            description="already_checked_in (with `checked_in_at`); conflict for a refunded ticket "
            "(`ticket_status`) or another screening's ticket (`ticket_screening`)",
        ),
        **GUESSING,
    },
)
class TicketCheckInApi(APIView):
    """Admit the holder (the screening's organizer or a superuser). The door may name its
    screening so that a ticket for another one is refused."""

    permission_classes = [IsAuthenticated]

    def post(self, request, code: str):
        data = CheckInInput(data=request.data)
        data.is_valid(raise_exception=True)
        checked = orders.ticket_check_in(
            code=code, user=request.user, screening_id=data.validated_data.get("screening")
        )
        return Response(CheckInOutput(_ticket(code), context={"collect": checked.collect}).data)


@extend_schema(tags=["tickets"], request=None, responses={200: TicketOutput, **ERRORS, **GUESSING})
class TicketRefundApi(APIView):
    """Refund the ticket: its seat sells again and it can no longer vote."""

    permission_classes = [IsAuthenticated]

    def post(self, request, code: str):
        orders.ticket_refund(code=code, user=request.user)
        return Response(TicketOutput(_ticket(code)).data)
