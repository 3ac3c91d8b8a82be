"""{{ screening|starts_local }}: the start time in the venue's time zone (UTC for online screenings)."""

from zoneinfo import ZoneInfo

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def starts_local(screening, fmt: str = "l j F Y, H:i") -> str:
    zone = ZoneInfo(screening.venue.time_zone if screening.venue_id else "UTC")
    return f"{formats.date_format(screening.starts_at.astimezone(zone), fmt)} ({zone.key})"
