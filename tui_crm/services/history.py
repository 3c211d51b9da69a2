"""The full history (Gesamthistorie): everything about one party, newest first, paged.

Each source is read with its own ``party_id`` index and a LIMIT, and the pages are merged
in Python. Rows are ordered by ``(at, source rank, id)`` descending, so a keyset position
from any source continues every source exactly where it left off.

Sources (``kind`` of a row, and the filter names):

- ``contact``: the contact log (``at``).
- ``follow_up``: a follow-up created (``created_at``); ``follow_up_done``: one done
  (``done_at``). Both come from the follow-up rows that still exist.
- ``document``: quotes, orders, delivery notes, invoices, credit notes (their ``date``, at
  midnight).
- ``letter``: generated letters (``created_at``).
- ``payment``: payments received (their ``date``, at midnight).
- ``change``: field changes from the audit log; the follow-up ``created`` and ``done_at``
  entries are left out (the follow-up rows show them), ``deleted`` ones stay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from peewee import Database

from tui_crm.db.connection import db
from tui_crm.db.models import ContactLog, Document, Payment

KINDS = ("contact", "follow_up", "follow_up_done", "document", "letter", "payment", "change")
"""Every row kind, in rank order (the rank breaks ties between rows of the same time)."""

HistoryKey = tuple[datetime, int, int]
"""Position in the history: time, source rank (index in :data:`KINDS`), id."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One event in a party's history."""

    at: datetime
    """When (documents and payments: their date at midnight)."""
    kind: str
    """One of :data:`KINDS`."""
    source_id: int
    """Id of the row in its table (contact, follow-up, document, letter, payment, audit)."""
    subkind: str
    """Contact kind, document kind, payment method, or the changed table (``party``…)."""
    title: str
    """Topic, subject, document number, letter subject, or the changed field."""
    detail: str
    """Agreements, follow-up due date and note, letter template, or ``old → new``."""
    clerk: str
    """Login of the clerk, where known."""
    amount: Decimal | None = None
    """Gross total of a document, amount of a payment."""

    @property
    def key(self) -> HistoryKey:
        """The keyset position (pass as ``before`` for the next page)."""
        return (self.at, KINDS.index(self.kind), self.source_id)


@dataclass(frozen=True, slots=True)
class _Source:
    """How to read one kind: SQL with ``{where}`` and ``{limit}``, and its row builder."""

    kind: str
    """The row kind it yields."""
    sql: str
    """The page query with ``{p}`` (party), ``{where}`` (key condition) and ``{limit}``."""
    column: str
    """The time column (with its table alias) the order and the key use."""
    dated: bool
    """Whether that column is a date (its rows sit at midnight)."""
    build: Callable[[Sequence[Any]], HistoryRow]
    """Turns a result row into a :class:`HistoryRow`."""


def _moment(value: Any) -> datetime:
    return ContactLog.at.python_value(value) or datetime.min  # type: ignore[no-any-return]


def _midnight(value: Any) -> datetime:
    day: date = Document.date.python_value(value)
    return datetime.combine(day, time.min)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _contact(row: Sequence[Any]) -> HistoryRow:
    return HistoryRow(
        at=_moment(row[1]),
        kind="contact",
        source_id=int(row[0]),
        subkind=_text(row[2]),
        title=_text(row[3]),
        detail=_text(row[4]),
        clerk=_text(row[5]),
    )


def _follow_up(kind: str) -> Callable[[Sequence[Any]], HistoryRow]:
    def build(row: Sequence[Any]) -> HistoryRow:
        due = Document.date.python_value(row[4])
        clock = row[5]
        when = due.isoformat() if due else ""
        if clock:
            when += " " + str(clock)[:5]
        note = _text(row[6])
        return HistoryRow(
            at=_moment(row[1]),
            kind=kind,
            source_id=int(row[0]),
            subkind="",
            title=_text(row[3]),
            detail=f"{when} {note}".strip(),
            clerk=_text(row[2]),
        )

    return build


def _document(row: Sequence[Any]) -> HistoryRow:
    return HistoryRow(
        at=_midnight(row[1]),
        kind="document",
        source_id=int(row[0]),
        subkind=_text(row[2]),
        title=_text(row[3]),
        detail=_text(row[4]),
        clerk=_text(row[5]),
        amount=Document.gross_total.to_decimal(row[6]),
    )


def _letter(row: Sequence[Any]) -> HistoryRow:
    return HistoryRow(
        at=_moment(row[1]),
        kind="letter",
        source_id=int(row[0]),
        subkind="",
        title=_text(row[2]),
        detail=_text(row[3]),
        clerk=_text(row[4]),
    )


def _payment(row: Sequence[Any]) -> HistoryRow:
    return HistoryRow(
        at=_midnight(row[1]),
        kind="payment",
        source_id=int(row[0]),
        subkind=_text(row[2]),
        title=_text(row[3]),
        detail=_text(row[4]),
        clerk=_text(row[5]),
        amount=Payment.amount.to_decimal(row[6]),
    )


def _change(row: Sequence[Any]) -> HistoryRow:
    old, new = row[4], row[5]
    if old is None:
        detail = _text(new)
    elif new is None:
        detail = _text(old)
    else:
        detail = f"{old} → {new}"
    return HistoryRow(
        at=_moment(row[1]),
        kind="change",
        source_id=int(row[0]),
        subkind=_text(row[2]),
        title=_text(row[3]),
        detail=detail,
        clerk=_text(row[6]),
    )


_FOLLOW_UP_SQL = (
    "SELECT f.id, f.{column}, k.login, f.subject, f.due_date, f.due_time, f.note "
    "FROM follow_up f LEFT JOIN clerk k ON k.id = f.{clerk} "
    "WHERE f.party_id = {p} AND f.{column} IS NOT NULL{where} "
    "ORDER BY f.{column} DESC, f.id DESC LIMIT {limit}"
)

SOURCES: tuple[_Source, ...] = (
    _Source(
        "contact",
        "SELECT c.id, c.at, c.kind, c.topic, c.agreements, k.login FROM contact_log c "
        "LEFT JOIN clerk k ON k.id = c.clerk_id WHERE c.party_id = {p}{where} "
        "ORDER BY c.at DESC, c.id DESC LIMIT {limit}",
        "c.at",
        False,
        _contact,
    ),
    _Source(
        "follow_up",
        _FOLLOW_UP_SQL.replace("{column}", "created_at").replace("{clerk}", "created_by_id"),
        "f.created_at",
        False,
        _follow_up("follow_up"),
    ),
    _Source(
        "follow_up_done",
        _FOLLOW_UP_SQL.replace("{column}", "done_at").replace("{clerk}", "done_by_id"),
        "f.done_at",
        False,
        _follow_up("follow_up_done"),
    ),
    _Source(
        "document",
        "SELECT d.id, d.date, d.kind, d.number, d.status, k.login, d.gross_total "
        "FROM document d LEFT JOIN clerk k ON k.id = d.clerk_id WHERE d.party_id = {p}{where} "
        "ORDER BY d.date DESC, d.id DESC LIMIT {limit}",
        "d.date",
        True,
        _document,
    ),
    _Source(
        "letter",
        "SELECT l.id, l.created_at, l.subject, l.template, k.login FROM letter l "
        "LEFT JOIN clerk k ON k.id = l.clerk_id WHERE l.party_id = {p}{where} "
        "ORDER BY l.created_at DESC, l.id DESC LIMIT {limit}",
        "l.created_at",
        False,
        _letter,
    ),
    _Source(
        "payment",
        "SELECT y.id, y.date, y.method, y.note, '', k.login, y.amount FROM payment y "
        "LEFT JOIN clerk k ON k.id = y.clerk_id WHERE y.party_id = {p}{where} "
        "ORDER BY y.date DESC, y.id DESC LIMIT {limit}",
        "y.date",
        True,
        _payment,
    ),
    _Source(
        "change",
        "SELECT a.id, a.at, a.table_name, a.field, a.old_value, a.new_value, a.clerk "
        "FROM audit_log a WHERE a.party_id = {p}{where} "
        "AND NOT (a.table_name = 'follow_up' AND a.field IN ('created', 'done_at')) "
        "AND NOT (a.table_name = 'contact_log' AND a.field = 'created') "
        "ORDER BY a.at DESC, a.id DESC LIMIT {limit}",
        "a.at",
        False,
        _change,
    ),
)
"""Every source, in :data:`KINDS` order."""


def _before(source: _Source, rank: int, before: HistoryKey, param: str) -> tuple[str, list[object]]:
    """SQL (and parameters) for this source's rows that sort before ``before``."""
    at, key_rank, key_id = before
    alias = source.column.split(".")[0]
    column = source.column
    if source.dated:
        # A dated row sits at midnight: compare days, exactly as the merged order does.
        day, midnight = at.date(), at.time() == time.min
        if rank < key_rank:
            return f" AND {column} <= {param}", [day]
        if rank > key_rank or not midnight:
            return f" AND {column} {'<' if midnight else '<='} {param}", [day]
        return (
            f" AND {column} <= {param} AND ({column} < {param} OR {alias}.id < {param})",
            [day, day, key_id],
        )
    if rank < key_rank:
        return f" AND {column} <= {param}", [at]
    if rank > key_rank:
        return f" AND {column} < {param}", [at]
    return (
        f" AND {column} <= {param} AND ({column} < {param} OR {alias}.id < {param})",
        [at, at, key_id],
    )


def history(
    party: int,
    kinds: set[str] | None = None,
    before: HistoryKey | None = None,
    limit: int = 100,
) -> list[HistoryRow]:
    """A page of everything about ``party``, newest first.

    Args:
        party: The party's id.
        kinds: Only these kinds (see :data:`KINDS`); None for all.
        before: The :attr:`HistoryRow.key` of the last row of the previous page.
        limit: Rows per page.

    Returns:
        Up to ``limit`` rows older than ``before``.

    Raises:
        ValueError: ``kinds`` names an unknown kind.
    """
    unknown = (kinds or set()) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown history kinds: {sorted(unknown)}")
    database: Database = db.obj
    param = database.param
    found: list[HistoryRow] = []
    for rank, source in enumerate(SOURCES):
        if kinds is not None and source.kind not in kinds:
            continue
        where, params = ("", []) if before is None else _before(source, rank, before, param)
        sql = source.sql.format(p=param, where=where, limit=int(limit))
        for row in database.execute_sql(sql, [party, *params]).fetchall():
            found.append(source.build(row))
    found.sort(key=lambda row: row.key, reverse=True)
    return found[:limit]
