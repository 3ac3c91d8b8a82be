"""Small server-side SVG charts for the analytics page (no JavaScript, no external assets)."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 600, 120


def timeline_svg(timeline: dict, *, label: str) -> SafeString:
    """Bars of votes per second through a poll's window, tallest bar = the peak rate."""
    bins = timeline["bins"]
    peak = timeline["peak_per_second"] or 1.0
    step = WIDTH / max(len(bins), 1)
    bars = format_html_join(
        "",
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
        (
            (
                f"{i * step:.2f}",
                f"{HEIGHT - HEIGHT * b['per_second'] / peak:.2f}",
                f"{max(step - 1, 0.5):.2f}",
                f"{HEIGHT * b['per_second'] / peak:.2f}",
                _("+%(start)ss: %(votes)s votes (%(rate)s/s)")
                % {"start": format(b["start"], "g"), "votes": b["votes"], "rate": format(b["per_second"], ".2f")},
            )
            for i, b in enumerate(bins)
            if b["votes"]
        ),
    )
    return format_html(
        '<svg class="timeline" viewBox="0 0 {} {}" width="100%" height="{}" preserveAspectRatio="none" '
        'role="img" aria-label="{}">'
        '<line class="axis" x1="0" y1="{}" x2="{}" y2="{}"></line>{}</svg>',
        WIDTH,
        HEIGHT,
        HEIGHT,
        label,
        HEIGHT,
        WIDTH,
        HEIGHT,
        bars,
    )
