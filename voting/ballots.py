"""Ballot receipts and the ballot-list digest: the verifiable part of a result.

The procedure is specified in docs/verifiable-results.md; change neither
function without bumping VERSION there and here.

- receipt = HMAC-SHA256(key = the ticket's secret, message = "episodic-receipt:v1:poll:<poll id>"),
  as 64 lowercase hex digits. Without the secret nobody can link a receipt to a
  ticket; the ticket's holder is shown their receipt on their ticket page.
- digest = SHA-256 of the UTF-8 text "episodic-ballots:v1:poll:<poll id>\\n" followed by one
  line "<receipt> <option id>\\n" per ballot, ballots sorted by receipt.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable

VERSION = "v1"


def receipt_for(*, ticket_secret: str, poll_id: int) -> str:
    message = f"episodic-receipt:{VERSION}:poll:{poll_id}".encode()
    return hmac.new(ticket_secret.encode(), message, hashlib.sha256).hexdigest()


def ballots_header(*, poll_id: int) -> str:
    return f"episodic-ballots:{VERSION}:poll:{poll_id}\n"


def ballots_canonical(*, poll_id: int, ballots: Iterable[tuple[str, int]]) -> str:
    lines = [ballots_header(poll_id=poll_id)]
    lines += [f"{receipt} {option}\n" for receipt, option in sorted(ballots)]
    return "".join(lines)


def ballots_digest_of_lines(*, poll_id: int, lines: str) -> str:
    """The digest from the ballot lines already made and sorted elsewhere ("<receipt> <option id>\\n"
    each, by receipt in code-point order): the database makes them for a large poll (voting/services/
    decisions.py), and hashlib hashes them far faster than PostgreSQL's sha256()."""
    digest = hashlib.sha256(ballots_header(poll_id=poll_id).encode())
    digest.update(lines.encode())
    return digest.hexdigest()


def ballots_digest(*, poll_id: int, ballots: Iterable[tuple[str, int]]) -> str:
    """ballots: (receipt, option id) pairs, in any order."""
    return hashlib.sha256(ballots_canonical(poll_id=poll_id, ballots=ballots).encode()).hexdigest()


def ballots_count(*, options: Iterable[int], ballots: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Counts per option id (as strings, the JSON keys of API.md), zero for options nobody chose."""
    counted = Counter(option for _, option in ballots)
    return {str(option): counted.get(option, 0) for option in options}
