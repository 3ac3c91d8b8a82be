"""Venues, screenings, orders and tickets. A ticket is also a vote credential."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from screenings.codes import code_new
from screenings.pricing import half_price

# Sale limits a new screening gets (organizers change them per screening; docs/ticketing.md).
DEFAULT_MAX_TICKETS_PER_ORDER = 20
DEFAULT_MAX_TICKETS_PER_BUYER = 20
# No order is ever larger than this, whatever a screening allows (a box office selling to a
# school raises the caps up to here).
ORDER_QUANTITY_CEILING = 100


class Venue(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=120, blank=True)
    seats = models.PositiveIntegerField()
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(name="venue_has_seats", condition=Q(seats__gt=0))]

    def __str__(self) -> str:
        return self.name


class Screening(models.Model):
    class Status(models.TextChoices):
        # The labels pages show (get_status_display), as Django would write them, translated.
        SCHEDULED = "scheduled", _("Scheduled")
        ON_SALE = "on_sale", _("On Sale")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    production = models.ForeignKey("screenings.Production", on_delete=models.PROTECT, related_name="screenings")
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="screenings")
    starts_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    base_price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    half_price = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    require_check_in = models.BooleanField(default=False, help_text="Only checked-in tickets may vote.")
    round_votes = models.BooleanField(
        default=True, help_text="Tickets may vote in the production's release rounds (online tickets too)."
    )
    max_tickets_per_order = models.PositiveIntegerField(
        default=DEFAULT_MAX_TICKETS_PER_ORDER, help_text="Most tickets one order may buy."
    )
    max_tickets_per_buyer = models.PositiveIntegerField(
        default=DEFAULT_MAX_TICKETS_PER_BUYER,
        help_text="Most tickets one buyer (e-mail, any case) may hold for this screening, all orders together.",
    )
    sales_open_at = models.DateTimeField(null=True, blank=True, help_text="No sale before (empty: at once).")
    sales_close_at = models.DateTimeField(null=True, blank=True, help_text="No sale after (empty: until it ends).")
    now_playing = models.ForeignKey(
        "screenings.Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Autopilot (API.md 1.1): the film drives the screening (voting/live/autopilot.py).
    # `paused_at` holds its clock: episodes and an open poll resume with the time they had left.
    autopilot = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    # When the autopilot next has something to do (a cue, an episode's end); its sweeper
    # finds due screenings by this column, and an ETA task at that time is the fast path.
    autopilot_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="screening_has_capacity", condition=Q(capacity__gt=0)),
            models.CheckConstraint(name="screening_price_not_negative", condition=Q(base_price__gte=0)),
            models.CheckConstraint(
                name="screening_order_cap_in_range",
                condition=Q(max_tickets_per_order__gte=1, max_tickets_per_order__lte=ORDER_QUANTITY_CEILING),
            ),
            models.CheckConstraint(name="screening_buyer_cap_positive", condition=Q(max_tickets_per_buyer__gte=1)),
            models.CheckConstraint(
                name="screening_sales_window_ordered",
                condition=Q(sales_open_at__isnull=True)
                | Q(sales_close_at__isnull=True)
                | Q(sales_open_at__lt=F("sales_close_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.production} @ {self.venue or 'online'} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ticket_price(self):
        """What one ticket of this screening costs; computed here, never sent by a client."""
        return half_price(self.base_price, self.currency) if self.half_price else self.base_price


class Order(models.Model):
    class PaymentStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="orders")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    # The order link's credential (/o/<code>/, docs/ticketing.md): whoever holds it may use every
    # ticket of the order on one phone. Random, never derived from the id or the e-mail.
    code = models.CharField(
        max_length=64, unique=True, default=code_new, editable=False, help_text="The order link's secret (256 bits)."
    )
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_provider = models.CharField(max_length=32, default="at_door")
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    # HMAC of the client's Idempotency-Key with the screening and e-mail (never the key itself):
    # someone who reads the database cannot replay an order. NULL: no key, or expired.
    idempotency_digest = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "idempotency_digest"],
                condition=Q(idempotency_digest__isnull=False),
                name="order_unique_idempotency_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.email})"


class Ticket(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", _("Full")
        HALF = "half", _("Half")

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CHECKED_IN = "checked_in", _("Checked In")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets")
    # Denormalised from the order: seat counting and vote checks read tickets by screening.
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="tickets")
    code = models.CharField(max_length=64, unique=True, help_text="The holder's credential (URL-safe, 256 bits).")
    secret = models.CharField(max_length=64, help_text="Never shown; ballot receipts are derived from it.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["screening", "status"], name="ticket_screening_status_idx")]
        constraints = [
            models.CheckConstraint(
                name="ticket_checked_in_has_time", condition=~Q(status="checked_in") | Q(checked_in_at__isnull=False)
            ),
            models.CheckConstraint(
                name="ticket_refunded_has_time", condition=~Q(status="refunded") | Q(refunded_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.code[:8]}…"
