"""Input and output shapes of the ticketing API; money leaves as a decimal string in the minor unit."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from screenings.models import Order, Production, Screening, Ticket, Venue
from screenings.models.ticketing import (
    DEFAULT_MAX_TICKETS_PER_BUYER,
    DEFAULT_MAX_TICKETS_PER_ORDER,
    ORDER_QUANTITY_CEILING,
)
from screenings.payloads import now_playing_payload
from screenings.pricing import MINOR_UNITS, quantize
from screenings.qr import order_url, ticket_url
from screenings.selectors.ticketing import screening_on_sale
from screenings.services.orders import IDEMPOTENCY_KEY_MAX_LENGTH

# API.md: money is a decimal string ("6.00"), never a JSON number.
MONEY_SCHEMA = {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d+)?$", "example": "6.00"}


def money(amount, currency: str) -> str:
    return str(quantize(amount, currency))


class VenueInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    seats = serializers.IntegerField(min_value=1, max_value=1_000_000)
    time_zone = serializers.CharField(max_length=64, required=False, help_text="IANA name, e.g. Asia/Seoul.")


class VenueUpdateInput(VenueInput):
    pass


class VenueOutput(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["id", "name", "city", "seats", "time_zone"]


class ScreeningInput(serializers.Serializer):
    production = serializers.PrimaryKeyRelatedField(queryset=Production.objects.all())
    venue = serializers.PrimaryKeyRelatedField(
        queryset=Venue.objects.all(), required=False, allow_null=True, help_text="Omit or null for online."
    )
    starts_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    base_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=sorted(MINOR_UNITS))
    half_price = serializers.BooleanField()
    require_check_in = serializers.BooleanField(
        required=False, default=False, help_text="Only checked-in tickets may vote in live polls."
    )
    round_votes = serializers.BooleanField(
        required=False, default=True, help_text="This screening's tickets may vote in release rounds."
    )
    max_tickets_per_order = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ORDER_QUANTITY_CEILING,
        help_text=f"Most tickets one order may buy (default {DEFAULT_MAX_TICKETS_PER_ORDER}).",
    )
    max_tickets_per_buyer = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text=f"Most tickets one e-mail (any case) may hold, all orders together (default {DEFAULT_MAX_TICKETS_PER_BUYER}).",
    )
    sales_open_at = serializers.DateTimeField(required=False, allow_null=True, help_text="No sale before this time.")
    sales_close_at = serializers.DateTimeField(required=False, allow_null=True, help_text="No sale after this time.")

    def validate(self, attrs):
        attrs.setdefault("venue", None)
        return attrs


class ScreeningUpdateInput(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    base_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    currency = serializers.ChoiceField(choices=sorted(MINOR_UNITS), required=False)
    half_price = serializers.BooleanField(required=False)
    require_check_in = serializers.BooleanField(required=False)
    round_votes = serializers.BooleanField(required=False)
    max_tickets_per_order = serializers.IntegerField(required=False, min_value=1, max_value=ORDER_QUANTITY_CEILING)
    max_tickets_per_buyer = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)
    sales_open_at = serializers.DateTimeField(required=False, allow_null=True, help_text="null: sell at once.")
    sales_close_at = serializers.DateTimeField(required=False, allow_null=True, help_text="null: until it ends.")


class ScreeningOutput(serializers.ModelSerializer):
    base_price = serializers.SerializerMethodField()
    ticket_price = serializers.SerializerMethodField()
    seats_sold = serializers.IntegerField(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    now_playing = serializers.SerializerMethodField(
        help_text="While live: the episode playing and its `started_at` (screens play it at now − started_at)."
    )
    on_sale = serializers.SerializerMethodField(
        help_text="Whether an order placed now may succeed (status and sales window; seats aside)."
    )

    class Meta:
        model = Screening
        fields = [
            "id",
            "production",
            "venue",
            "organizer",
            "starts_at",
            "capacity",
            "base_price",
            "currency",
            "half_price",
            "ticket_price",
            "status",
            "seats_sold",
            "seats_left",
            "require_check_in",
            "round_votes",
            "max_tickets_per_order",
            "max_tickets_per_buyer",
            "sales_open_at",
            "sales_close_at",
            "on_sale",
            "autopilot",
            "paused_at",
            "now_playing",
        ]
        read_only_fields = ["autopilot", "paused_at"]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_now_playing(self, screening) -> dict | None:
        if screening.now_playing_id is None:
            return None
        return now_playing_payload(episode=screening.now_playing, started_at=screening.now_playing_started_at)

    def get_on_sale(self, screening) -> bool:
        return screening_on_sale(screening)

    @extend_schema_field(MONEY_SCHEMA)
    def get_base_price(self, screening) -> str:
        return money(screening.base_price, screening.currency)

    @extend_schema_field(MONEY_SCHEMA)
    def get_ticket_price(self, screening) -> str:
        return money(screening.ticket_price, screening.currency)


class CancelOutput(serializers.Serializer):
    screening = ScreeningOutput()
    refunded = serializers.IntegerField(help_text="How many tickets this cancellation refunded.")


class OrderInput(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=ORDER_QUANTITY_CEILING,
        help_text="At most the screening's max_tickets_per_order, and max_tickets_per_buyer with earlier orders.",
    )
    idempotency_key = serializers.CharField(
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Same as the Idempotency-Key header (16 to 80 characters, random).",
    )


class CheckInInput(serializers.Serializer):
    screening = serializers.IntegerField(required=False, help_text="Refuse tickets of any other screening.")


class OrderTicketOutput(serializers.ModelSerializer):
    price = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = ["code", "price", "kind", "url"]

    @extend_schema_field(MONEY_SCHEMA)
    def get_price(self, ticket) -> str:
        return money(ticket.price, ticket.order.currency)

    def get_url(self, ticket) -> str:
        return ticket_url(ticket.code)


class OrderOutput(serializers.ModelSerializer):
    total = serializers.SerializerMethodField()
    tickets = serializers.SerializerMethodField()
    order_url = serializers.SerializerMethodField(
        help_text="The order link (a secret, like the ticket codes): every ticket of the order voting from one phone."
    )

    class Meta:
        model = Order
        fields = ["id", "screening", "total", "currency", "payment_provider", "payment_status", "tickets", "order_url"]

    def get_order_url(self, order) -> str:
        return order_url(order.code)

    @extend_schema_field(MONEY_SCHEMA)
    def get_total(self, order) -> str:
        return money(order.total, order.currency)

    @extend_schema_field(OrderTicketOutput(many=True))
    def get_tickets(self, order) -> list:
        tickets = list(order.tickets.order_by("id"))
        for ticket in tickets:
            ticket.order = order
        return OrderTicketOutput(tickets, many=True).data


class CollectOutput(serializers.Serializer):
    amount = serializers.CharField(help_text="To collect at the door now, in the currency's minor unit.")
    currency = serializers.CharField()
    tickets = serializers.IntegerField(help_text="How many tickets of the order the amount pays for.")


class TicketOutput(serializers.ModelSerializer):
    price = serializers.SerializerMethodField()
    currency = serializers.CharField(source="screening.currency", read_only=True)

    class Meta:
        model = Ticket
        fields = ["code", "screening", "status", "kind", "price", "currency", "checked_in_at", "refunded_at"]

    @extend_schema_field(MONEY_SCHEMA)
    def get_price(self, ticket) -> str:
        return money(ticket.price, ticket.screening.currency)


class CheckInOutput(TicketOutput):
    collect = serializers.SerializerMethodField(
        help_text="Set when this admission settles an order to pay at the door: collect this amount now."
    )

    class Meta(TicketOutput.Meta):
        fields = [*TicketOutput.Meta.fields, "collect"]

    @extend_schema_field(CollectOutput(allow_null=True))
    def get_collect(self, ticket) -> dict | None:
        collect = self.context.get("collect")
        if not collect:
            return None
        return {**collect, "amount": money(collect["amount"], collect["currency"])}
