"""QR codes (SVG, via segno): tickets encode their page's URL (which holds the code), an order
its order link; the cinema screen encodes its join page."""

import io

import segno
from django.conf import settings


def ticket_url(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/t/{code}/"


def order_url(code: str) -> str:
    """The order link: every ticket of the order on one phone (docs/ticketing.md)."""
    return f"{settings.SITE_URL.rstrip('/')}/o/{code}/"


def qr_svg(url: str, *, scale: int = 6, title: str | None = None, css_class: str | None = None) -> str:
    """An SVG document that also works inline in HTML: dark modules on white with the full
    four-module quiet zone (scanners need both, and the site's theme is dark). With
    `css_class` it has no fixed size: CSS sizes it from its viewBox (the cinema screen)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer,
        kind="svg",
        scale=scale,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        nl=False,
        title=title,
        svgclass=css_class,
        omitsize=css_class is not None,
    )
    return buffer.getvalue().decode()


def ticket_qr_svg(code: str, *, scale: int = 6) -> str:
    return qr_svg(ticket_url(code), scale=scale, title="Ticket QR code")


def order_qr_svg(code: str, *, scale: int = 4) -> str:
    return qr_svg(order_url(code), scale=scale, title="Order link QR code")
