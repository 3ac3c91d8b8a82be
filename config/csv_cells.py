"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

A cell starting with =, +, -, @, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets: `=HYPERLINK(...)` in a venue name set by one
organizer would run in another producer's export. Such cells get a leading apostrophe,
which spreadsheets show as text and do not display. Every CSV the platform writes goes
through csv_safe_cell.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
