"""Domain errors raised by services; the API and the websocket map them to

`{"error": {"code", "message", "fields"?}}` (REST) and
`{"type": "error", "code", "message"}` (websocket), as in shared/API.md.

The classes below are declarations (a code and an HTTP status each): alike by design.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields
        if code:
            self.code = code
        self.extra = extra  # extra top-level members of the error body (e.g. checked_in_at)

    def add_to_form(self, form) -> None:
        """Show this error on a Django form (the one adapter from domain errors to form errors):
        the problems of the fields the form has next to them, else the message above the form.
        Fields the form lacks (e.g. `episodes`: the ids a graph rule names) are for API clients."""
        named = {name: problems for name, problems in (self.fields or {}).items() if name in form.fields}
        for name, problems in named.items():
            for problem in problems if isinstance(problems, list | tuple) else [problems]:
                form.add_error(name, str(problem))
        if not named:
            form.add_error(None, self.message)

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class Invalid(DomainError):
    code, status = "invalid", 400


class NotFound(DomainError):
    code, status = "not_found", 404


class Forbidden(DomainError):
    code, status = "forbidden", 403


class Conflict(DomainError):
    code, status = "conflict", 409


class SoldOut(DomainError):
    code, status = "sold_out", 409


class NotOnSale(Conflict):
    code, status = "not_on_sale", 409


class AlreadyCheckedIn(DomainError):
    code, status = "already_checked_in", 409


class PollClosed(DomainError):
    code, status = "poll_closed", 409


class Throttled(DomainError):
    code, status = "throttled", 429
