"""Platform tests that need a live screening borrow the voting app's fixtures."""

from tests.voting.conftest import live_screening, make_tickets, screening, story  # noqa: F401
