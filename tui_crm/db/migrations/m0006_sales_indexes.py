"""Schema version 6: covering indexes for the sales statistics and reports.

- ``document (kind, date, party_id, status, net_total)``: company sales per month or year
  and the customers above a revenue since a day read a range of it, never the table
  (five years of months on 1M customers: 0.5 s instead of 4-6 s).
- ``document (party_id, kind, date, status, net_total)``: a customer's revenue per month,
  and the lapsed customers walked in customer order a page at a time.

The names are the ones Peewee gives the indexes declared on the model, so the bulk loader
drops and rebuilds them like the others.
"""

from __future__ import annotations

from peewee import Database

VERSION = 6

STATEMENTS = (
    'CREATE INDEX IF NOT EXISTS "document_kind_date_party_id_status_net_total" '
    'ON "document" ("kind", "date", "party_id", "status", "net_total")',
    'CREATE INDEX IF NOT EXISTS "document_party_id_kind_date_status_net_total" '
    'ON "document" ("party_id", "kind", "date", "status", "net_total")',
)
"""The DDL of this version."""


def apply(database: Database) -> None:
    """Create the indexes."""
    for statement in STATEMENTS:
        database.execute_sql(statement)
