from django.contrib import admin, messages

from config.errors import DomainError
from screenings.models import Branch, Episode, Order, Production, Screening, Ticket, Venue
from screenings.services.ticketing import ticket_refund


class EpisodeInline(admin.TabularInline):
    model = Episode
    extra = 0
    fields = ["title", "status", "duration_seconds", "release_at", "published_at"]
    readonly_fields = ["published_at"]


@admin.register(Production)
class ProductionAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "start_episode", "created_at"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [EpisodeInline]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["title", "production", "status", "release_at", "published_at"]
    list_filter = ["status", "production"]
    search_fields = ["title"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["label", "source", "target", "position", "is_default"]
    list_filter = ["source__production"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "seats", "owner"]
    search_fields = ["name", "city"]


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ["production", "venue", "starts_at", "status", "capacity", "base_price", "half_price"]
    list_filter = ["status", "half_price"]


class TicketInline(admin.TabularInline):
    model = Ticket
    extra = 0
    fields = ["code", "kind", "price", "status", "checked_in_at", "refunded_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "screening", "email", "total", "currency", "payment_status", "created_at"]
    search_fields = ["email", "tickets__code"]
    inlines = [TicketInline]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["code", "screening", "kind", "price", "status", "checked_in_at"]
    list_filter = ["status", "kind"]
    search_fields = ["code", "order__email"]
    exclude = ["secret"]
    # Status changes go through the services (seat counts, payment status, the tickets_refunded signal).
    readonly_fields = ["order", "screening", "code", "kind", "price", "status", "checked_in_at", "refunded_at"]
    actions = ["refund_tickets"]

    def has_add_permission(self, request):
        return False  # tickets are sold through orders only

    @admin.action(description="Refund selected tickets (frees their seats; they can no longer vote)")
    def refund_tickets(self, request, queryset):
        refunded = 0
        for code in queryset.exclude(status=Ticket.Status.REFUNDED).values_list("code", flat=True):
            try:
                ticket_refund(code=code, user=request.user)
                refunded += 1
            except DomainError as error:
                self.message_user(request, f"{code[:8]}…: {error.message}", messages.ERROR)
        self.message_user(request, f"{refunded} tickets refunded.", messages.SUCCESS)
