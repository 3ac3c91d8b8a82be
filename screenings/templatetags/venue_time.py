"""Times in the venue's time zone (UTC for online screenings), in the active language's formats:

{{ screening|starts_local }} (or starts_local:"D j M, H:i": the format English pages keep),
{{ ticket.checked_in_at|venue_time:screening }}, {{ ticket.refunded_at|venue_datetime:screening }}."""

from django import template

from screenings.localtime import venue_time_format

register = template.Library()


@register.filter
def starts_local(screening, fmt: str = "l j F Y, H:i") -> str:
    return venue_time_format(screening.starts_at, screening, "DATETIME_FORMAT", english=fmt)


@register.filter
def venue_time(value, screening) -> str:
    return venue_time_format(value, screening, "TIME_FORMAT", english="H:i:s") if value else ""


@register.filter
def venue_datetime(value, screening) -> str:
    return venue_time_format(value, screening, "SHORT_DATETIME_FORMAT", english="j M H:i") if value else ""


@register.filter
def venue_local(value, screening) -> str:
    """{{ order.created_at|venue_local:screening }}: a full date and time of the screening's day."""
    return venue_time_format(value, screening, "DATETIME_FORMAT") if value else ""
