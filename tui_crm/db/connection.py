"""Opening the database from a path or URL; the one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from peewee import DatabaseError as DriverError
from playhouse import db_url

from tui_crm.errors import DatabaseError

db = DatabaseProxy()
"""The proxy every model is bound to; :func:`open_database` initialises it."""

DEFAULT_BUSY_TIMEOUT = float(os.environ.get("TUI_CRM_BUSY_TIMEOUT", "5"))
"""Seconds a SQLite connection waits for a lock before giving up (env TUI_CRM_BUSY_TIMEOUT)."""


def sqlite_pragmas() -> dict[str, object]:
    """Connection pragmas: WAL for concurrent readers, FKs on, NORMAL sync (safe in WAL)."""
    return {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "cache_size": -64_000,
        "temp_store": 2,
    }


def is_url(target: str) -> bool:
    """Whether ``target`` is a database URL rather than a file path."""
    return "://" in target


def sqlite_path(target: str) -> Path | None:
    """Return the file of a SQLite target (a plain path or ``sqlite:///`` URL), else None."""
    if not is_url(target):
        return Path(target).expanduser()
    parts = urlsplit(target)
    if parts.scheme != "sqlite":
        return None
    return Path(parts.path).expanduser()


def describe(target: str) -> str:
    """A short name of the database for the header and messages (no password)."""
    path = sqlite_path(target)
    if path is not None:
        return str(path)
    parts = urlsplit(target)
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def _check_sqlite_file(path: Path, create: bool) -> None:
    if not path.parent.is_dir():
        raise DatabaseError(f"{path}: the directory {path.parent} does not exist")
    if not path.exists():
        if not create:
            raise DatabaseError(f"{path}: no such database")
        if not os.access(path.parent, os.W_OK):
            raise DatabaseError(f"{path}: cannot create the database here (no write permission)")
        return
    if path.is_dir():
        raise DatabaseError(f"{path}: is a directory, not a database")
    # The header is left to SQLite (a wrong one fails at connect with "not a database"):
    # opening and closing the file here would drop the POSIX locks that other SQLite
    # connections of this process hold on it.
    if not os.access(path, os.R_OK):
        raise DatabaseError(f"{path}: cannot read the database (no read permission)")


def open_database(
    target: str | Path, *, create: bool = True, busy_timeout: float | None = None
) -> Database:
    """Open (creating a SQLite file if allowed) the CRM database and bind every model to it.

    Args:
        target: A SQLite path, a ``sqlite:///`` URL or a ``postgresql://`` URL.
        create: Whether a missing SQLite file may be created.
        busy_timeout: Seconds to wait for another process's lock (default
            :data:`DEFAULT_BUSY_TIMEOUT`).

    Returns:
        The connected database, also installed in :data:`db`.

    Raises:
        DatabaseError: The database is missing, unreadable, not a database, locked or
            unreachable; nothing has been written.
    """
    target = str(target)
    path = sqlite_path(target)
    database: Database
    if path is not None:
        _check_sqlite_file(path, create)
        database = SqliteDatabase(
            str(path),
            pragmas=sqlite_pragmas(),
            timeout=DEFAULT_BUSY_TIMEOUT if busy_timeout is None else busy_timeout,
            check_same_thread=False,
        )
    else:
        try:
            database = db_url.connect(target)
        except (ValueError, RuntimeError) as error:
            raise DatabaseError(f"{describe(target)}: unsupported database URL: {error}") from None
        if not isinstance(database, PostgresqlDatabase):
            raise DatabaseError(f"{describe(target)}: only SQLite and PostgreSQL are supported")
    try:
        database.connect(reuse_if_open=True)
    except (DriverError, sqlite3.DatabaseError) as error:
        database.close()
        if path is None:
            raise DatabaseError(
                f"{describe(target)}: cannot connect: {first_line(error)}"
            ) from None
        raise translate_error(target, error) from None
    db.initialize(database)
    return database


def first_line(error: BaseException) -> str:
    """The first line of an exception's text (drivers add multi-line details)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def translate_error(target: str, error: BaseException) -> DatabaseError:
    """Turn a driver error into a one-line :class:`DatabaseError` for the user."""
    text = first_line(error)
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"{describe(target)}: the database is locked by another process; try again"
        )
    if "not a database" in text or "malformed" in text:
        return DatabaseError(f"{describe(target)}: is not a tui-crm database ({text})")
    if "readonly" in text or "unable to open" in text:
        return DatabaseError(f"{describe(target)}: cannot open the database ({text})")
    return DatabaseError(f"{describe(target)}: {text}")


def is_sqlite(database: Database) -> bool:
    """Whether ``database`` is SQLite (for the few SQLite-only statements)."""
    return isinstance(database, SqliteDatabase)
