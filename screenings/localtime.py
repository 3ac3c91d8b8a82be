"""Times as the venue sees them: a screening's time zone (UTC for online screenings), written
the active language's way (Django's per-language formats: "2026년 12월 1일 오후 7:30")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, translation


def screening_zone(screening) -> ZoneInfo:
    return ZoneInfo(screening.venue.time_zone if screening.venue_id else "UTC")


def venue_time_format(value: datetime, screening, fmt: str = "DATETIME_FORMAT", *, english: str | None = None) -> str:
    """`value` in the screening's time zone, with the zone's name. `english`: the format English
    pages keep (their own wording); every other language uses its own `fmt` (a format name)."""
    zone = screening_zone(screening)
    if english and (translation.get_language() or "en").startswith("en"):
        fmt = english
    return f"{formats.date_format(value.astimezone(zone), fmt)} ({zone.key})"
