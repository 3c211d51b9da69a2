"""Reading the audit log: who changed which field of which record when, old → new."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from peewee import JOIN

from tui_crm.db import queries
from tui_crm.db.models import AuditLog, Party
from tui_crm.errors import CrmError
from tui_crm.i18n import _


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    """Run a ``.tuples()`` query (the stubs type its rows as models)."""
    return [tuple(row) for row in cast(Iterable[Any], query.tuples())]


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One changed field."""

    id: int
    """The audit row's id (ascending in the order of writing)."""
    at: datetime
    """When."""
    clerk: str
    """Login of the clerk who changed it."""
    table: str
    """The table of the record (``party``, ``follow_up``, ``open_item`` …)."""
    row_id: int
    """The record's id in that table."""
    number: str
    """The number of the customer it belongs to (empty: none, e.g. a clerk)."""
    field: str
    """The field (or ``created``/``deleted`` for whole records)."""
    old: str | None
    """The value before (None: none)."""
    new: str | None
    """The value after (None: none)."""

    def as_json(self) -> dict[str, Any]:
        """The row as JSON-ready values (time in ISO)."""
        return {
            "id": self.id,
            "at": self.at.isoformat(sep=" "),
            "clerk": self.clerk,
            "table": self.table,
            "record": self.row_id,
            "customer": self.number or None,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }


def entries(
    *, customer: str | None = None, since: date | None = None, batch: int = 1000
) -> Iterator[AuditRow]:
    """The audit rows, oldest first, read in batches (any size of log).

    Args:
        customer: Only this customer's or prospect's changes (current or former number).
        since: Only changes on or after this day.
        batch: Rows per query.

    Raises:
        CrmError: No customer has the number.
    """
    condition: Any = AuditLog.id > 0
    if customer is not None:
        found = queries.party_by_number(customer.strip())
        if found is None:
            raise CrmError(
                _("No customer or prospect with number {number}.").format(number=customer),
                title=_("Audit"),
            )
        condition &= AuditLog.party == int(found.id)
    if since is not None:
        condition &= AuditLog.at >= datetime.combine(since, datetime.min.time())
    last = 0
    while True:
        query = (
            AuditLog.select(
                AuditLog.id,
                AuditLog.at,
                AuditLog.clerk,
                AuditLog.table_name,
                AuditLog.row_id,
                Party.number,
                AuditLog.field,
                AuditLog.old_value,
                AuditLog.new_value,
            )
            .join(Party, join_type=JOIN.LEFT_OUTER, on=(AuditLog.party == Party.id))
            .where(condition & (AuditLog.id > last))
            .order_by(AuditLog.id)
            .limit(batch)
        )
        rows = _tuples(query)
        for row in rows:
            yield AuditRow(
                id=int(row[0]),
                at=row[1],
                clerk=str(row[2]),
                table=str(row[3]),
                row_id=int(row[4]),
                number=str(row[5] or ""),
                field=str(row[6]),
                old=row[7],
                new=row[8],
            )
        if len(rows) < batch:
            return
        last = int(rows[-1][0])
