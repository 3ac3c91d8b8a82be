"""Casting and withdrawing votes: durable first, acknowledged after, counted live after commit.

One implementation for one vote (REST) and for a batch (the websocket's group commit):
`vote_cast` is a batch of one. A batch costs three statements however many votes it
holds, in hand-written SQL for both vendors: the polls share-locked with their screening,
episode and options; the tickets locked with their screening and current votes; one
INSERT … ON CONFLICT (poll, ticket) DO UPDATE for every vote that is new or moved. The
eligibility checks run in Python on those rows (a round's ticket also costs one query
for the episode its screening played).

Locks (screenings/locking.py, `lock_clause`): each poll's row FOR SHARE, then the
tickets' rows FOR UPDATE, by id, each taken by the statement that reads them. The shared poll lock makes a decision (which takes the poll FOR UPDATE)
wait for every vote already in flight, and every later vote see the poll decided;
shared locks do not conflict, so votes never queue behind each other. The ticket lock
serialises one ticket's votes with its refund and check-in.

The live counters (voting/tally.py) are display only: `votes_store_batch` hands their
changes back so that the websocket acknowledges first and counts after; `vote_cast` and
`votes_cast_batch` count on commit, and a Redis failure never fails a stored vote.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import DomainError, Forbidden, Invalid, NotFound, PollClosed
from screenings.locking import lock_clause, shared
from screenings.models import Branch, Episode, Screening, Ticket
from voting import tally
from voting.ballots import receipt_for
from voting.eligibility import ticket_vote_check
from voting.models import Poll, Vote
from voting.selectors.polls import poll_group

logger = logging.getLogger(__name__)
MAX_TICKET_CODE_LENGTH = 64

# (poll id, ticket code, option id[, when its frame arrived]): a vote counts when it *arrived* before
# the poll closed, however long its storage took (voting/inflight.py makes the decision wait for it).
Ballot = tuple[int, str, int] | tuple[int, str, int, datetime | None]
TallyChange = tuple[Poll, str, int | None, int | None]  # (poll, its group, old option, new option)


class UnknownTicket(Forbidden):
    """No ticket has this code (a guess, or a typo): `forbidden`, like any ticket that may not vote."""


@dataclass
class _PollView:
    poll: Poll | None
    options: frozenset[int] = field(default_factory=frozenset)


def vote_cast(*, poll_id: int, ticket_code: str, option_id: int) -> Vote:
    """Store (or replace) this ticket's vote in an open poll; raise a domain error otherwise."""
    result = votes_cast_batch(ballots=[(poll_id, ticket_code, option_id)])[0]
    if isinstance(result, DomainError):
        raise result
    return result


def votes_cast_batch(*, ballots: list[Ballot]) -> list[Vote | DomainError]:
    """Store many votes in one transaction and count them live once it commits; results in input order."""
    results, changes = votes_store_batch(ballots=ballots)
    if changes:
        transaction.on_commit(lambda: tally_safely(changes))
    return results


def votes_store_batch(*, ballots: list[Ballot]) -> tuple[list[Vote | DomainError], list[TallyChange]]:
    """Store many (poll id, ticket code, option id) votes in one transaction, committed on return.

    A refused vote gets its DomainError and changes nothing; the others are stored.
    Later votes of the same ticket in the batch replace earlier ones, as they would one by one.
    Returns the results in input order and the live-count changes to apply (display only).
    """
    try:
        return _store(ballots)
    except DatabaseError:
        if len(ballots) == 1:
            raise
        # e.g. a serialisation failure with another process: store them one transaction each
        logger.warning("vote batch of %s failed; storing its votes one by one", len(ballots), exc_info=True)
        results, changes = [], []
        for ballot in ballots:
            one, more = _store([ballot])
            results += one
            changes += more
        return results, changes


def _sql_list(values) -> str:
    return ", ".join(["%s"] * len(values))


def _among(column: str, values: list) -> tuple[str, list]:
    """`column` is one of `values`, as SQL and its parameters. On PostgreSQL one array parameter:
    the statement's text stays the same whatever the batch holds, so the driver parses it once
    (psycopg caches by text; an IN list of each length was parsed anew: 14 % of a batch under cProfile)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({_sql_list(values)})", list(values)


def _aware(value):
    """A datetime column read by hand-written SQL: PostgreSQL returns it aware, SQLite as UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


_POLL, _VOTE = Poll._meta.db_table, Vote._meta.db_table
_TICKET, _SCREENING = Ticket._meta.db_table, Screening._meta.db_table
_EPISODE, _BRANCH = Episode._meta.db_table, Branch._meta.db_table


@functools.cache
def _field_order(model, columns: frozenset[str]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in columns)  # from_db's order


def _loaded(model, values: dict):
    """An instance of `model` with the columns in `values` (the rest deferred), as the ORM loads one."""
    names = _field_order(model, frozenset(values))
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


_POLL_COLUMNS = ["id", "scope", "status", "opens_at", "closes_at", "hide_results", "screening_id", "episode_id"]
_TICKET_COLUMNS = ["id", "code", "secret", "status", "screening_id"]
_VOTE_COLUMNS = ["poll_id", "ticket_id", "branch_id", "receipt", "cast_at", "updated_at"]
_DATETIME = Vote._meta.get_field("cast_at")  # how SQLite stores a datetime (text, UTC)
_INSERT_ROWS = 100  # rows per INSERT: 600 parameters, under SQLite's oldest limit (999)


def _poll_views(cursor, poll_ids: list[int]) -> dict[int, _PollView]:
    """The polls, share-locked, with what a vote is checked against: one statement, a row per option."""
    lock = lock_clause(Poll, alias="p", share=True, ids=poll_ids)  # before the tickets: the lock order
    among, params = _among("p.id", poll_ids)
    cursor.execute(
        f"SELECT {', '.join('p.' + c for c in _POLL_COLUMNS)}, s.require_check_in, e.production_id, b.id"  # noqa: S608 — tables from the models, values as parameters
        f" FROM {_POLL} p JOIN {_EPISODE} e ON e.id = p.episode_id"
        f" LEFT JOIN {_SCREENING} s ON s.id = p.screening_id"
        f" LEFT JOIN {_BRANCH} b ON b.source_id = p.episode_id"
        f" WHERE {among} ORDER BY p.id{lock}",
        params,
    )
    polls: dict[int, Poll] = {}
    options: dict[int, set[int]] = {}
    for *columns, require_check_in, production_id, option_id in cursor.fetchall():
        pid = columns[0]
        if pid not in polls:
            row = dict(zip(_POLL_COLUMNS, columns, strict=True))
            row |= {"opens_at": _aware(row["opens_at"]), "closes_at": _aware(row["closes_at"])}
            poll = polls[pid] = _loaded(Poll, row | {"hide_results": bool(row["hide_results"])})
            poll.episode = _loaded(Episode, {"id": poll.episode_id, "production_id": production_id})
            if poll.screening_id is not None:
                poll.screening = _loaded(
                    Screening, {"id": poll.screening_id, "require_check_in": bool(require_check_in)}
                )
            options[pid] = set()
        if option_id is not None:
            options[pid].add(option_id)
    return {
        pid: _PollView(polls[pid], frozenset(options[pid])) if pid in polls else _PollView(None) for pid in poll_ids
    }


def _tickets_with_votes(cursor, codes: list[str], poll_ids: list[int]) -> tuple[dict[str, Ticket], dict]:
    """The tickets of `codes`, locked, with their screening and their current votes in `poll_ids`:
    one statement, a row per (ticket, vote). Returns tickets by code and votes by (poll, ticket)."""
    if not codes:
        return {}, {}
    votes_of, vote_params = _among("v.poll_id", poll_ids) if poll_ids else ("1 = 0", [])
    among, code_params = _among("t.code", codes)
    cursor.execute(
        f"SELECT {', '.join('t.' + c for c in _TICKET_COLUMNS)}, s.production_id, s.round_votes,"  # noqa: S608 — tables from the models, values as parameters
        " v.id, v.poll_id, v.branch_id, v.receipt, v.cast_at"
        f" FROM {_TICKET} t JOIN {_SCREENING} s ON s.id = t.screening_id"
        f" LEFT JOIN {_VOTE} v ON v.ticket_id = t.id AND {votes_of}"
        f" WHERE {among} ORDER BY t.id{lock_clause(Ticket, alias='t')}",
        vote_params + code_params,
    )
    tickets: dict[str, Ticket] = {}
    screenings: dict[int, Screening] = {}
    current: dict[tuple[int, int], Vote] = {}
    for row in cursor.fetchall():
        code = row[1]
        ticket = tickets.get(code)
        if ticket is None:
            ticket = tickets[code] = _loaded(Ticket, dict(zip(_TICKET_COLUMNS, row[:5], strict=True)))
            if ticket.screening_id not in screenings:  # a batch's tickets share a few screenings
                screenings[ticket.screening_id] = _loaded(
                    Screening, {"id": ticket.screening_id, "production_id": row[5], "round_votes": bool(row[6])}
                )
            ticket.screening = screenings[ticket.screening_id]
        vote_id, poll_id, branch_id, receipt, cast_at = row[7:]
        if vote_id is not None:
            current[(poll_id, ticket.id)] = _loaded(
                Vote,
                {
                    "id": vote_id,
                    "poll_id": poll_id,
                    "ticket_id": ticket.id,
                    "branch_id": branch_id,
                    "receipt": receipt,
                    "cast_at": _aware(cast_at),
                },
            )
    return tickets, current


_UPSERT = (
    " ON CONFLICT (poll_id, ticket_id) DO UPDATE SET branch_id = excluded.branch_id,"
    " updated_at = excluded.updated_at RETURNING id, poll_id, ticket_id"
)
# PostgreSQL: one row per vote from arrays, one statement text whatever the batch's size.
_UNNEST = "bigint[], bigint[], bigint[], text[], timestamptz[], timestamptz[]".split(", ")


def _votes_write(cursor, votes: list[Vote]) -> None:
    """New and moved votes, INSERT … ON CONFLICT (poll, ticket) DO UPDATE: a moved vote keeps its
    receipt and cast_at. Sets each vote's id (RETURNING; PostgreSQL, and SQLite from 3.35)."""
    by_key = {(vote.poll_id, vote.ticket_id): vote for vote in votes}
    columns = ", ".join(_VOTE_COLUMNS)
    if connection.vendor == "postgresql":
        arrays = [list(column) for column in zip(*[_vote_row(v) for v in votes], strict=True)]
        unnest = ", ".join(f"%s::{kind}" for kind in _UNNEST)
        statements = [(f"INSERT INTO {_VOTE} ({columns}) SELECT * FROM unnest({unnest}){_UPSERT}", arrays)]  # noqa: S608 — table from the model, values as parameters
    else:
        rows = [_vote_row(v) for v in votes]
        statements = []
        for start in range(0, len(rows), _INSERT_ROWS):
            chunk = rows[start : start + _INSERT_ROWS]
            values = ", ".join([f"({_sql_list(_VOTE_COLUMNS)})"] * len(chunk))
            statements.append(
                (f"INSERT INTO {_VOTE} ({columns}) VALUES {values}{_UPSERT}", [v for row in chunk for v in row])  # noqa: S608 — table from the model, values as parameters
            )
    for sql, params in statements:
        cursor.execute(sql, params)
        for vote_id, poll_id, ticket_id in cursor.fetchall():
            by_key[(poll_id, ticket_id)].pk = vote_id


def _vote_row(vote: Vote) -> tuple:
    when = (vote.cast_at, vote.updated_at)
    if connection.vendor != "postgresql":  # psycopg sends aware datetimes as they are; SQLite stores text
        when = tuple(_DATETIME.get_db_prep_value(value, connection) for value in when)
    return (vote.poll_id, vote.ticket_id, vote.branch_id, vote.receipt, *when)


@transaction.atomic
def _store(ballots: list[Ballot]) -> tuple[list[Vote | DomainError], list[TallyChange]]:
    # Three statements per batch, however many votes it holds (hand-written SQL: the ORM's query
    # compilation was most of the batch's cost): the polls share-locked with their options, the
    # tickets locked with their current votes, one INSERT … ON CONFLICT DO UPDATE for every vote
    # that is new or moved. The checks run in Python on those rows.
    poll_ids = sorted({ballot[0] for ballot in ballots})
    codes = sorted({b[1] for b in ballots if isinstance(b[1], str) and 0 < len(b[1]) <= MAX_TICKET_CODE_LENGTH})
    with connection.cursor() as cursor:
        views = _poll_views(cursor, poll_ids)
        polls = {pid: view.poll for pid, view in views.items() if view.poll is not None}
        tickets, current = _tickets_with_votes(cursor, codes, sorted(polls))

        now = timezone.now()
        results: list[Vote | DomainError] = []
        changed: dict[tuple[int, int], Vote] = {}
        before: dict[tuple[int, int], int | None] = {}  # option each touched (poll, ticket) had before this batch
        for poll_id, code, option_id, *arrived in ballots:
            received = arrived[0] if arrived and arrived[0] else now
            try:
                ticket = tickets.get(code)
                if ticket is None:
                    raise UnknownTicket(gettext_lazy("Unknown ticket."))
                _check(views[poll_id], ticket, option_id, received)
            except DomainError as error:
                results.append(error)
                continue
            key = (poll_id, ticket.id)
            vote = current.get(key)
            before.setdefault(key, vote.branch_id if vote else None)
            if vote is None:
                receipt = receipt_for(ticket_secret=ticket.secret, poll_id=poll_id)
                vote = Vote(
                    poll_id=poll_id,
                    ticket=ticket,
                    branch_id=option_id,
                    cast_at=received,
                    updated_at=now,
                    receipt=receipt,
                )
                current[key] = vote
                changed[key] = vote
            elif vote.branch_id != option_id:
                vote.branch_id, vote.updated_at = option_id, now
                changed[key] = vote
            results.append(vote)

        if changed:
            _votes_write(cursor, list(changed.values()))

    changes = [
        (polls[p], poll_group(polls[p]), old, current[(p, t)].branch_id)
        for (p, t), old in before.items()
        if old != current[(p, t)].branch_id
    ]
    return results, changes


def _check(view: _PollView, ticket: Ticket, option_id: int, received: datetime) -> None:
    # Lazy messages: one batch holds the votes of sockets in several languages, and each error is
    # rendered (str) by the socket it answers, in that socket's language (consumers/base.py).
    poll = view.poll
    if poll is None:
        raise NotFound(gettext_lazy("No such poll."))
    ticket_vote_check(poll=poll, ticket=ticket)
    if poll.status != Poll.Status.OPEN or received >= poll.closes_at:
        raise PollClosed(gettext_lazy("This poll is closed."))
    if received < poll.opens_at:
        raise PollClosed(gettext_lazy("This poll is not open yet."))
    if option_id not in view.options:
        params = {"option": option_id, "poll": poll.id}
        raise Invalid(
            lazy(lambda: _("%(option)s is not an option of poll %(poll)s.") % params, str)(),
            fields={"option": [gettext_lazy("Not an option.")]},
        )


def tally_safely(changes: list[TallyChange]) -> None:
    """Apply committed changes to the live counts. Display only: a Redis hiccup is logged,
    never raised (the counts are rebuilt from the votes when their hash is missing)."""
    try:
        tally.tally_record_many(changes)
    except Exception:
        logger.warning("live tally update failed; the counts converge on the next rebuild", exc_info=True)


# --- Refunds: a refunded ticket stops counting at once -----------------------------------


def refund_polls_lock(*, screening: Screening) -> None:
    """Before a refund locks tickets: take (shared) every open poll the screening's tickets may
    vote in — its live polls and its production's rounds — so that a decision in progress
    finishes first, with these votes, and one that starts later counts without them."""
    open_polls = Poll.objects.filter(status=Poll.Status.OPEN)
    live = open_polls.filter(scope=Poll.Scope.LIVE, screening_id=screening.id).values_list("id", flat=True)
    rounds = open_polls.filter(scope=Poll.Scope.ROUND, episode__production_id=screening.production_id)
    shared(Poll, [*live, *rounds.values_list("id", flat=True)])


def votes_of_tickets_withdraw(*, tickets: list[Ticket]) -> int:
    """Inside the refund's transaction, the tickets (and their polls, refund_polls_lock) locked:
    remove their votes from polls still open; the live counts follow on commit."""
    votes = list(
        Vote.objects.filter(ticket_id__in=[t.id for t in tickets], poll__status=Poll.Status.OPEN).select_related(
            "poll__episode"
        )
    )
    if not votes:
        return 0
    Vote.objects.filter(pk__in=[v.pk for v in votes]).delete()
    changes = [(v.poll, poll_group(v.poll), v.branch_id, None) for v in votes]
    transaction.on_commit(lambda: tally_safely(changes))
    return len(votes)
