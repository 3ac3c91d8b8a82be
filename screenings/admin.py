from django.contrib import admin

from screenings.models import Branch, Episode, Order, Production, Screening, Ticket, Venue


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
