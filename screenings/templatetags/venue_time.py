"""{{ screening|starts_local }}: the start time in the venue's time zone (UTC for online screenings)."""

from zoneinfo import ZoneInfo

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def starts_local(screening, fmt: str = "l j F Y, H:i") -> str:
    zone = ZoneInfo(screening.venue.time_zone if screening.venue_id else "UTC")
    return f"{formats.date_format(screening.starts_at.astimezone(zone), fmt)} ({zone.key})"


@register.filter
def venue_local(moment, screening, fmt: str = "DATETIME_FORMAT") -> str:
    """{{ ticket.checked_in_at|venue_local:screening }}: any time of a screening in its venue's time
    zone, in the active language's format, with the zone's name (never a naked UTC)."""
    if not moment:
        return ""
    zone = ZoneInfo(screening.venue.time_zone if screening.venue_id else "UTC")
    return f"{formats.date_format(moment.astimezone(zone), fmt)} ({zone.key})"
