"""Schema version 5: partial indexes of the unsettled open items (open items list, dunning run).

- ``open_item_unsettled (due_date, id, dunning_level, last_dunning_date, amount, paid) WHERE
  closed_at IS NULL``: the open items list pages in ``(due_date, id)`` order, and the dunning
  run reads each level's due range, without touching the settled items or the table.
- ``open_item_party_unsettled (party_id, due_date, amount, paid) WHERE closed_at IS NULL``:
  one customer's items in due order, and the totals of every unsettled item (index only).
- The index ``open_item (closed_at, due_date)`` of version 1 goes: with it, SQLite took the
  equality on ``closed_at`` for selective and read the whole table instead of the indexes above.

Partial indexes work on SQLite and PostgreSQL alike. The demo loader drops these before a
bulk load and creates them after it (:data:`DEFERRED`).
"""

from __future__ import annotations

from peewee import Database

VERSION = 5

DEFERRED: tuple[tuple[str, str], ...] = (
    (
        "open_item_unsettled",
        "CREATE INDEX IF NOT EXISTS open_item_unsettled ON open_item "
        "(due_date, id, dunning_level, last_dunning_date, amount, paid) WHERE closed_at IS NULL",
    ),
    (
        "open_item_party_unsettled",
        "CREATE INDEX IF NOT EXISTS open_item_party_unsettled ON open_item "
        "(party_id, due_date, amount, paid) WHERE closed_at IS NULL",
    ),
)
"""``(name, DDL)`` of the indexes of this version; a bulk load drops and re-creates them."""

STATEMENTS = (
    "DROP INDEX IF EXISTS open_item_closed_at_due_date",
    *(create for _name, create in DEFERRED),
)
"""The DDL of this version."""


def apply(database: Database) -> None:
    """Replace the index."""
    for statement in STATEMENTS:
        database.execute_sql(statement)
