"""Fast bulk loading: batched raw INSERTs, secondary indexes dropped and rebuilt around a load."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from peewee import AutoField, BigAutoField, Database, Field, ModelIndex, SchemaManager

from tui_crm.db.connection import is_sqlite

Row = tuple[Any, ...]
"""One row of column values, in the order of the column names passed alongside."""

LOAD_CACHE_KIB = 131_072
"""SQLite page cache during a load (128 MiB, twice the app's): fewer spills in index sorts."""

PAGE_ROWS = 200
"""Rows per multi-row ``INSERT`` on servers, where every statement is a network round trip."""


def _quote(database: Database, name: str) -> str:
    quotes = database.quote
    return f"{quotes[0]}{name}{quotes[-1]}"


def insert_sql(database: Database, model: Any, columns: Sequence[str], rows: int = 1) -> str:
    """Return ``INSERT INTO table (columns) VALUES (…)`` with ``rows`` groups of placeholders.

    Args:
        database: Decides the identifier quoting and the placeholder (``?`` or ``%s``).
        model: The model whose table is written.
        columns: Column names (``party_id``, not ``party``).
        rows: How many rows one statement carries.

    Returns:
        The statement text.
    """
    table = _quote(database, model._meta.table_name)
    names = ", ".join(_quote(database, column) for column in columns)
    group = "(" + ", ".join([database.param] * len(columns)) + ")"
    return f"INSERT INTO {table} ({names}) VALUES " + ", ".join([group] * rows)


def converters(model: Any, columns: Sequence[str]) -> list[Callable[[Any], Any]]:
    """Return each column's ``db_value`` (Decimal → cents, bool, date …), in column order.

    Raises:
        KeyError: A column name is not a column of ``model``.
    """
    by_column: dict[str, Field] = {field.column_name: field for field in model._meta.sorted_fields}
    return [by_column[column].db_value for column in columns]


def insert_rows(
    database: Database,
    model: Any,
    columns: Sequence[str],
    rows: Iterable[Row],
    *,
    convert: bool = False,
) -> int:
    """Insert ``rows`` into ``model``'s table with ``executemany`` on the raw cursor.

    The caller opens the transaction (one per batch). Values must already be what the
    driver stores (money as integer cents, dates as ``YYYY-MM-DD``, booleans as bool)
    unless ``convert`` runs every value through its field's ``db_value``, which is exact
    but slower. Foreign keys and ids are the caller's: the generator knows every id.

    Args:
        database: An open SQLite or PostgreSQL database.
        model: The model whose table is written.
        columns: Column names, in the order of each row's values.
        rows: The rows; consumed once.
        convert: Whether to convert Python values (Decimal, date …) with the fields.

    Returns:
        The number of rows inserted.
    """
    data: list[Row]
    if convert:
        adapters = converters(model, columns)
        data = [
            tuple(adapt(value) for adapt, value in zip(adapters, row, strict=True)) for row in rows
        ]
    else:
        data = rows if isinstance(rows, list) else list(rows)
    if not data:
        return 0
    cursor = database.cursor()
    if is_sqlite(database):
        cursor.executemany(insert_sql(database, model, columns), data)
        return len(data)
    # A server answers each statement separately, so send pages of rows per statement.
    full, rest = divmod(len(data), PAGE_ROWS)
    if full:
        pages = [
            tuple(value for row in data[start : start + PAGE_ROWS] for value in row)
            for start in range(0, full * PAGE_ROWS, PAGE_ROWS)
        ]
        cursor.executemany(insert_sql(database, model, columns, PAGE_ROWS), pages)
    if rest:
        tail = tuple(value for row in data[full * PAGE_ROWS :] for value in row)
        cursor.execute(insert_sql(database, model, columns, rest), tail)
    return len(data)


def secondary_indexes(model: Any) -> list[ModelIndex]:
    """Return the non-unique indexes of ``model`` (unique ones stay: they guard the load)."""
    return [index for index in model._meta.fields_to_index() if not index._unique]


def drop_secondary_indexes(database: Database, models: Iterable[Any]) -> None:
    """Drop the non-unique indexes of ``models`` (if they exist)."""
    for model in models:
        # _drop_index is the DROP INDEX [IF EXISTS] peewee's drop_indexes() itself uses.
        manager: Any = SchemaManager(model, database)
        for index in secondary_indexes(model):
            database.execute(manager._drop_index(index, safe=True))


def create_indexes(database: Database, models: Iterable[Any]) -> None:
    """Create every index of ``models`` that is missing (``IF NOT EXISTS``)."""
    for model in models:
        SchemaManager(model, database).create_indexes(safe=True)


def reset_sequences(database: Database, models: Iterable[Any]) -> None:
    """Move PostgreSQL id sequences past the explicit ids a load wrote (no-op on SQLite)."""
    if is_sqlite(database):
        return
    for model in models:
        primary = model._meta.primary_key
        if not isinstance(primary, AutoField | BigAutoField):
            continue
        table = _quote(database, model._meta.table_name)
        column = _quote(database, primary.column_name)
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence({database.param}, {database.param}), "
            f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table}",
            (model._meta.table_name, primary.column_name),
        )


def _pragma(database: Database, name: str) -> Any:
    return database.execute_sql(f"PRAGMA {name}").fetchone()[0]


@contextmanager
def loading(
    database: Database, models: Sequence[Any], extra: Sequence[tuple[str, str]] = ()
) -> Iterator[None]:
    """Prepare ``database`` for a bulk load into ``models`` and finish it afterwards.

    Before: drops the secondary indexes of ``models``; on SQLite turns ``synchronous``
    off, enlarges the page cache and sorts in temp files, on PostgreSQL turns
    ``synchronous_commit`` off for this session. After (also on error): re-creates the
    indexes, restores the settings, and on PostgreSQL moves the id sequences past the
    loaded ids. The journal stays on, so a crashed process loses only its open batch;
    only a power loss during the load (``synchronous`` off) can damage the file, which
    suits generated data such as the demo, not a user's own data.

    Args:
        database: The open database; the load runs on its connection in this thread.
        models: The tables written, parents before children.
        extra: ``(name, CREATE INDEX statement)`` of indexes the models do not declare
            (the partial indexes of later migrations): dropped before, created after.

    Yields:
        Nothing; insert with :func:`insert_rows` inside ``database.atomic()`` per batch.
    """
    sqlite = is_sqlite(database)
    if sqlite:
        synchronous = _pragma(database, "synchronous")
        cache_size = _pragma(database, "cache_size")
        temp_store = _pragma(database, "temp_store")
        database.execute_sql("PRAGMA synchronous = OFF")
        database.execute_sql(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
        # Index rebuilds sort every row; in a temp file, not RAM, memory stays bounded.
        database.execute_sql("PRAGMA temp_store = FILE")
    else:
        database.execute_sql("SET synchronous_commit = off")
    try:
        with database.atomic():
            drop_secondary_indexes(database, models)
            for name, _create in extra:
                database.execute_sql(f"DROP INDEX IF EXISTS {_quote(database, name)}")
        yield
    finally:
        with database.atomic():
            create_indexes(database, models)
            for _name, create in extra:
                database.execute_sql(create)
            reset_sequences(database, models)
        if sqlite:
            database.execute_sql(f"PRAGMA synchronous = {int(synchronous)}")
            database.execute_sql(f"PRAGMA cache_size = {int(cache_size)}")
            database.execute_sql(f"PRAGMA temp_store = {int(temp_store)}")
            database.execute_sql("PRAGMA optimize")
            # Fold the load back into the main file so the WAL does not keep its size.
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            database.execute_sql("RESET synchronous_commit")
