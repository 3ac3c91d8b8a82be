"""Forms of the organizer pages; they only parse input, the ticketing services decide."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from screenings.models import Episode, Production
from screenings.models.ticketing import (
    DEFAULT_MAX_TICKETS_PER_BUYER,
    DEFAULT_MAX_TICKETS_PER_ORDER,
    ORDER_QUANTITY_CEILING,
)
from screenings.pricing import MINOR_UNITS
from screenings.selectors.ticketing import venue_list

# Offered first in the time-zone select; every IANA zone follows.
COMMON_ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Australia/Sydney",
]
DATETIME_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    others = sorted(available_timezones() - set(COMMON_ZONES))
    return [("Common", [(z, z) for z in COMMON_ZONES]), ("All zones", [(z, z) for z in others])]


class VenueForm(forms.Form):
    name = forms.CharField(max_length=200)
    city = forms.CharField(max_length=120, required=False)
    seats = forms.IntegerField(min_value=1, max_value=1_000_000)
    time_zone = forms.ChoiceField(
        choices=_zone_choices, initial="UTC", help_text=_("Screening times are entered in it.")
    )


class _LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        super().__init__(input_formats=DATETIME_LOCAL, **kwargs)


class _StartsAtField(_LocalDateTimeField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Starts at (venue time)"), **kwargs)


def local_to_aware(value, time_zone: str):
    """The wall-clock time typed into the form, read in the venue's zone."""
    return value.replace(tzinfo=None).replace(tzinfo=ZoneInfo(time_zone))


def _sales_window_aware(data: dict, time_zone: str) -> None:
    for name in ("sales_open_at", "sales_close_at"):
        if data.get(name):
            data[name] = local_to_aware(data[name], time_zone)


class _ScreeningFields(forms.Form):
    starts_at = _StartsAtField()
    capacity = forms.IntegerField(min_value=1, max_value=1_000_000, help_text=_("At most the venue's seats."))
    base_price = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, label=_("Base price"))
    currency = forms.ChoiceField(choices=[(c, c) for c in sorted(MINOR_UNITS)], initial="EUR")
    half_price = forms.BooleanField(required=False, label=_("Half price"))
    require_check_in = forms.BooleanField(required=False, label=_("Only checked-in tickets may vote"))
    round_votes = forms.BooleanField(required=False, initial=True, label=_("Tickets may vote in release rounds"))
    max_tickets_per_order = forms.IntegerField(
        min_value=1,
        max_value=ORDER_QUANTITY_CEILING,
        initial=DEFAULT_MAX_TICKETS_PER_ORDER,
        required=False,
        label=_("Most tickets per order"),
    )
    max_tickets_per_buyer = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        initial=DEFAULT_MAX_TICKETS_PER_BUYER,
        required=False,
        label=_("Most tickets per buyer"),
        help_text=_("All of one e-mail's orders together."),
    )
    sales_open_at = _LocalDateTimeField(label=_("Sales open (venue time)"), required=False)
    sales_close_at = _LocalDateTimeField(label=_("Sales close (venue time)"), required=False)


class ScreeningForm(_ScreeningFields):
    production = forms.ModelChoiceField(
        queryset=Production.objects.none(), help_text=_("Productions whose start episode is published.")
    )
    venue = forms.ModelChoiceField(queryset=None, required=False, empty_label=_("Online (no venue)"))
    field_order = ["production", "venue", "starts_at"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["production"].queryset = Production.objects.filter(
            start_episode__status=Episode.Status.PUBLISHED
        ).order_by("title", "id")
        self.fields["venue"].queryset = venue_list(owner=user)

    def clean(self):
        data = super().clean()
        if data.get("starts_at"):
            venue = data.get("venue")
            data["starts_at"] = local_to_aware(data["starts_at"], venue.time_zone if venue else "UTC")
        _sales_window_aware(data, data.get("venue").time_zone if data.get("venue") else "UTC")
        return data


class ScreeningEditForm(_ScreeningFields):
    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean(self):
        data = super().clean()
        if data.get("starts_at"):
            data["starts_at"] = local_to_aware(data["starts_at"], self.time_zone)
        _sales_window_aware(data, self.time_zone)
        return data
