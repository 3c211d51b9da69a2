"""Schema version 2: the word index of the search, filled from the existing parties.

The table is declared here in SQL (frozen); filling it uses the live indexer, which reads only
columns of version 1.
"""

from __future__ import annotations

from peewee import Database

from tui_crm.db import search_index

VERSION = 2


def apply(database: Database) -> None:
    """Create ``search_word`` and index every party already in the database."""
    database.execute_sql(
        "CREATE TABLE IF NOT EXISTS search_word ("
        "word VARCHAR(64) NOT NULL, "
        "party_id INTEGER NOT NULL REFERENCES party (id) ON DELETE CASCADE, "
        "kind SMALLINT NOT NULL)"
    )
    search_index.rebuild(database)
