from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext as _

from config.errors import DomainError
from screenings import graph
from screenings.media import media_file_validate, poster_validate
from screenings.models import Branch, Episode, Order, Production, Screening, Ticket, Venue
from screenings.services import story as story_services
from screenings.services.orders import ticket_refund

# One labelled input per date and time (the browser's own picker), instead of the admin's split
# date/time pair, whose two inputs have no label a screen reader can announce (axe: `label`).
LABELLED_DATETIME = {
    models.DateTimeField: {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}
}


class EpisodeInline(admin.TabularInline):
    model = Episode
    extra = 0
    fields = ["title", "status", "duration_seconds", "release_at", "published_at"]
    readonly_fields = ["status", "release_at", "published_at"]


@admin.register(Production)
class ProductionAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "start_episode", "created_at"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["owner", "start_episode"]
    inlines = [EpisodeInline]


def _https_url_fields(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class EpisodeAdminForm(forms.ModelForm):
    """Uploads pass the same checks as in the API and the pages."""

    class Meta:
        model = Episode
        fields = [
            "production",
            "title",
            "synopsis",
            "duration_seconds",
            "media_file",
            "media_url",
            "poster",
            "status",
            "release_at",
            "published_at",
        ]
        formfield_callback = _https_url_fields

    def _checked(self, field: str, check):
        upload = self.cleaned_data.get(field)
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                check(upload)
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return upload

    def clean_media_file(self):
        return self._checked("media_file", media_file_validate)

    def clean_poster(self):
        return self._checked("poster", poster_validate)


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    """Status changes go through the publishing services (an action), so the graph rules hold."""

    form = EpisodeAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}, **LABELLED_DATETIME}
    list_display = ["title", "production", "status", "release_at", "published_at"]
    list_filter = ["status", "production"]
    search_fields = ["title", "production__title"]
    readonly_fields = ["status", "release_at", "published_at"]
    actions = ["publish_now"]

    @admin.action(description="Publish selected episodes now (graph rules apply)")
    def publish_now(self, request, queryset):
        for episode in queryset.order_by("production_id", "id"):
            try:
                story_services.episode_publish(episode=episode, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{episode.title}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{episode.title}: published.", messages.SUCCESS)


class BranchAdminForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["source", "target", "label", "position", "is_default"]

    def clean(self):
        cleaned = super().clean()
        source, target = cleaned.get("source"), cleaned.get("target")
        if source and target:
            if source.production_id != target.production_id:
                raise forms.ValidationError(_("A branch joins two episodes of the same production."))
            edges = Branch.objects.filter(source__production_id=source.production_id)
            if self.instance.pk:
                edges = edges.exclude(pk=self.instance.pk)
            loop = graph.branch_cycle(list(edges.values_list("source_id", "target_id")), source.pk, target.pk)
            if loop:
                raise forms.ValidationError(
                    _("This branch would make the story loop through episodes %(loop)s.") % {"loop": loop}
                )
        return cleaned


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    form = BranchAdminForm
    list_display = ["label", "source", "target", "position", "is_default"]
    list_filter = ["source__production"]
    raw_id_fields = ["source", "target"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "seats", "owner"]
    search_fields = ["name", "city"]


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    formfield_overrides = LABELLED_DATETIME
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
