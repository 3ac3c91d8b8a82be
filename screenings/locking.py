"""Row locks, always in one order, so that no two operations can wait on each other.

Every service that changes more than one row takes its locks through this module,
in this order (a path may skip kinds, never go back to an earlier one):

    production → episode → branch → screening → venue → poll → ticket → order

Within one kind, rows are locked by ascending id. Why this order: a production's
graph is edited under its row (story services), which release rounds also reach
when they publish; a screening serialises its orders, refunds and its live
decisions; a venue's seats bound its screenings' capacity; a poll is locked by
its decision (exclusive) and by every vote and refund touching it (shared, so
votes do not queue behind each other); a ticket by its votes, check-in and refund;
an order last, by payment changes.

The order is checked, not only written down: taking a kind earlier than one already
held in the same transaction raises `LockOrderError`, so a path that could deadlock
fails its tests instead of deadlocking in production. Locks are only taken inside a
transaction (`transaction.atomic`), like pretix's `services/locking.py`.

On SQLite there are no row locks: writers queue for the whole database (BEGIN
IMMEDIATE, config/settings/base.py), which is deadlock-free by construction; the
order is still checked there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Model, QuerySet

# Model labels, not classes: this module sits below the voting app (voting.Poll).
ORDER = (
    "screenings.Production",
    "screenings.Episode",
    "screenings.Branch",
    "screenings.Screening",
    "screenings.Venue",
    "voting.Poll",
    "screenings.Ticket",
    "screenings.Order",
)
RANK = {label: rank for rank, label in enumerate(ORDER)}


class LockOrderError(RuntimeError):
    """A lock was requested out of the documented order (a deadlock waiting to happen)."""


class _Held:
    """The locks taken so far in the current transaction: the highest kind, and the rows.

    It rides on the transaction as an on-commit callback: Django runs or drops those
    callbacks when the transaction ends (commit or rollback), so the record ends with it.
    `key` is the set of savepoints open when it began: once one of them is gone (released
    or rolled back) the record is stale. That keeps two service calls apart when a test
    runs them one after the other inside its own wrapping transaction.
    """

    def __init__(self, key: frozenset):
        self.key = key
        self.rank = -1
        self.label = ""
        self.rows: set[tuple[str, int]] = set()

    def __call__(self):  # the on-commit call: nothing to do
        pass


def _held() -> _Held:
    open_savepoints = set(connection.savepoint_ids)
    for _savepoints, callback, _robust in reversed(connection.run_on_commit):
        if isinstance(callback, _Held) and callback.key <= open_savepoints:
            return callback
    held = _Held(frozenset(open_savepoints))
    transaction.on_commit(held)
    return held


def _take(label: str, pks: Iterable[int] | None = None) -> _Held:
    if not connection.in_atomic_block:
        raise LockOrderError(f"locking {label} outside a transaction: wrap the operation in transaction.atomic")
    held = _held()
    rank = RANK[label]
    if pks is not None and all((label, pk) in held.rows for pk in pks):
        return held  # locking rows again that this transaction already holds never waits
    if rank < held.rank:
        raise LockOrderError(f"{label} locked after {held.label}: the lock order is {' → '.join(ORDER)}")
    held.rank, held.label = rank, label
    return held


def locked(queryset: QuerySet, *, skip_locked: bool = False, of: tuple[str, ...] = ("self",), _pks=None) -> list[Model]:
    """Lock the rows of `queryset` (FOR UPDATE, by ascending id) and return them."""
    label = queryset.model._meta.label
    held = _take(label, _pks)
    rows = list(queryset.select_for_update(skip_locked=skip_locked, of=of).order_by("pk"))
    held.rows.update((label, row.pk) for row in rows)
    return rows


def locked_one(queryset: QuerySet, pk: int, *, skip_locked: bool = False) -> Model | None:
    """Lock one row FOR UPDATE; None if it does not exist (or, with skip_locked, is busy)."""
    rows = locked(queryset.filter(pk=pk), skip_locked=skip_locked, _pks=[pk])
    return rows[0] if rows else None


def lock_clause(model: type[Model], *, alias: str, share: bool = False, ids: Iterable[int] | None = None) -> str:
    """For a hand-written SELECT that locks the rows it reads (one statement instead of a lock, then
    a read): check the order and record the rows as `locked` and `shared` do, and return the clause
    to end the SELECT with — FOR UPDATE (or, with `share`, FOR SHARE) OF `alias`; "" on SQLite,
    which has no row locks. The SELECT must order the rows by id. `ids`: the rows, when known."""
    label = model._meta.label
    ids = sorted(set(ids)) if ids is not None else None
    held = _take(label, ids)
    if ids is not None:
        held.rows.update((label, pk) for pk in ids)
    if connection.vendor != "postgresql":
        return ""
    return f" FOR {'SHARE' if share else 'UPDATE'} OF {connection.ops.quote_name(alias)}"


def shared(model: type[Model], ids: Iterable[int]) -> None:
    """Take a shared lock (FOR SHARE) on rows by id: many holders at once, but none while an
    exclusive holder (e.g. a poll's decision) runs, and no exclusive holder until they finish."""
    ids = sorted(set(ids))
    table = model._meta.db_table
    clause = lock_clause(model, alias=table, share=True, ids=ids)
    if not ids or not clause:  # nothing to lock, or SQLite
        return
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:  # Django has no FOR SHARE; only the lock matters here
        cursor.execute(
            f"SELECT 1 FROM {connection.ops.quote_name(table)} WHERE id IN ({placeholders}) ORDER BY id{clause}",  # noqa: S608 — table from the model, ids as parameters
            ids,
        )
