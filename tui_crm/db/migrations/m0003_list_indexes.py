"""Schema version 3: indexes for call suggestions and the follow-up list.

- ``party (contact_interval_days, last_contact_at)`` for parties with an interval: call
  suggestions read one ordered range per distinct interval instead of walking every contact.
- ``follow_up (done_at, due_date, due_time, id)`` and ``(done_at, owner_id, due_date,
  due_time, id)``: the follow-up list pages in due order without sorting a whole day.

Partial indexes (``WHERE``) work on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from peewee import Database

VERSION = 3

STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS party_contact_interval_days_last_contact_at "
    "ON party (contact_interval_days, last_contact_at) WHERE contact_interval_days IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS follow_up_open_due ON follow_up (done_at, due_date, due_time, id)",
    "CREATE INDEX IF NOT EXISTS follow_up_open_owner_due "
    "ON follow_up (done_at, owner_id, due_date, due_time, id)",
)
"""The DDL of this version."""


def apply(database: Database) -> None:
    """Create the indexes."""
    for statement in STATEMENTS:
        database.execute_sql(statement)
