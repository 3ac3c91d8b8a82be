"""QR codes (SVG, via segno) for tickets: they encode the ticket page's URL, which holds the code."""

import io

import segno
from django.conf import settings


def ticket_url(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/t/{code}/"


def ticket_qr_svg(code: str, *, scale: int = 6) -> str:
    """An SVG document that also works inline in HTML: dark modules on white with a quiet zone
    (scanners need both, and the site's theme is dark)."""
    buffer = io.BytesIO()
    segno.make(ticket_url(code), error="m").save(
        buffer,
        kind="svg",
        scale=scale,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        nl=False,
        title="Ticket QR code",
    )
    return buffer.getvalue().decode()
