"""Ticket codes (and order codes, the credential of a whole order's phone link) are
`secrets.token_urlsafe(32)`: URL-safe base64 characters only, 256 random bits.

Anything else is refused before it reaches a query (PostgreSQL rejects a NUL in
text with a DataError, a 500), and `<ticket_code:code>` routes only well-formed
codes to the views, so a malformed one is a plain 404.
"""

from __future__ import annotations

import re
import secrets

from django.urls import register_converter

TICKET_CODE_REGEX = r"[A-Za-z0-9_-]{1,64}"
_TICKET_CODE = re.compile(TICKET_CODE_REGEX)


def code_new() -> str:
    """A fresh unguessable code (256 bits): tickets' and orders' credentials."""
    return secrets.token_urlsafe(32)


def ticket_code_valid(code: object) -> bool:
    return isinstance(code, str) and _TICKET_CODE.fullmatch(code) is not None


class TicketCodeConverter:
    regex = TICKET_CODE_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TicketCodeConverter, "ticket_code")
