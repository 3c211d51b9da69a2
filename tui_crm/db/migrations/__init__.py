"""Versioned schema migrations: a ``schema_version`` table and one module per version."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from peewee import Database

from tui_crm.db.migrations import (
    m0001_initial,
    m0002_search_words,
    m0003_list_indexes,
    m0004_unknown_calls,
    m0005_open_item_indexes,
    m0006_sales_indexes,
)
from tui_crm.errors import SchemaOutdated, SchemaTooNew

MIGRATIONS: tuple[ModuleType, ...] = (
    m0001_initial,
    m0002_search_words,
    m0003_list_indexes,
    m0004_unknown_calls,
    m0005_open_item_indexes,
    m0006_sales_indexes,
)
"""Every migration in order; module ``N`` has ``VERSION == N`` and ``apply(database)``."""

LATEST = MIGRATIONS[-1].VERSION
"""The schema version this tui-crm writes."""


def current_version(database: Database) -> int:
    """Return the schema version of ``database`` (0 for an empty database)."""
    if not database.table_exists("schema_version"):
        return 0
    row = database.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def check(database: Database, name: str) -> int:
    """Return the version after refusing databases this tui-crm cannot use as they are.

    Raises:
        SchemaTooNew: The database was written by a newer tui-crm.
        SchemaOutdated: The database is older and needs :func:`migrate` first.
    """
    version = current_version(database)
    if version > LATEST:
        raise SchemaTooNew(
            f"{name}: schema version {version} is newer than this tui-crm understands "
            f"({LATEST}); update tui-crm",
            title="Database",
        )
    if 0 < version < LATEST:
        raise SchemaOutdated(
            f"{name}: schema version {version} is older than {LATEST}; run 'tui-crm db upgrade'",
            title="Database",
        )
    return version


def migrate(database: Database, progress: Callable[[int], None] | None = None) -> list[int]:
    """Apply every pending migration in one transaction; return the versions applied.

    Raises:
        SchemaTooNew: The database is newer than this tui-crm; nothing is written.
    """
    version = current_version(database)
    if version > LATEST:
        check(database, str(database.database))
    pending = [module for module in MIGRATIONS if version < module.VERSION]
    if not pending:
        return []
    with database.atomic():
        for module in pending:
            if progress:
                progress(module.VERSION)
            module.apply(database)
            database.execute_sql(
                f"INSERT INTO schema_version (version, applied_at) VALUES ({database.param}, "
                "CURRENT_TIMESTAMP)",
                (module.VERSION,),
            )
    return [module.VERSION for module in pending]
