"""Backup, restore, integrity check and copying a SQLite database to PostgreSQL.

- :func:`backup` takes a consistent copy of a SQLite database with SQLite's online backup
  API while other clerks keep working (WAL: the copy reads one snapshot, writers go on),
  optionally keeping only the newest N copies; on PostgreSQL it runs ``pg_dump``.
- :func:`restore` checks a backup (integrity, foreign keys, a tui-crm schema this version
  understands) before it replaces anything, then swaps it in with an atomic rename and
  keeps the old file as ``.bak``.
- :func:`check` runs the integrity and foreign-key checks.
- :func:`copy_to` moves a whole SQLite database into an empty PostgreSQL database in
  batches, in one transaction, with the row count of every table checked and the id
  sequences moved past the copied ids.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from peewee import BooleanField, Database

from tui_crm.db import bulk, migrations
from tui_crm.db.connection import describe, is_sqlite, open_database, sqlite_path
from tui_crm.db.models import MODELS, SchemaVersion
from tui_crm.errors import CrmError, DatabaseError

BACKUP_SUFFIX = ".sqlite"
"""The suffix of backups written into a folder."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    """What :func:`backup` wrote."""

    path: Path
    """The backup file."""
    size: int
    """Its size in bytes."""
    removed: tuple[Path, ...]
    """Older backups removed by the rotation."""
    tool: str
    """``sqlite backup API`` or ``pg_dump``."""


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _backup_target(source: Path, out: Path, keep: int | None) -> Path:
    if out.is_dir() or str(out).endswith(os.sep):
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{source.stem}-{_stamp()}{BACKUP_SUFFIX}"
        counter = 1
        while target.exists():
            counter += 1
            target = out / f"{source.stem}-{_stamp()}-{counter}{BACKUP_SUFFIX}"
        return target
    if keep is not None:
        raise CrmError(f"{out}: --keep needs a folder to keep the backups in")
    if not out.parent.is_dir():
        raise CrmError(f"{out}: the directory {out.parent} does not exist")
    return out


def _rotate(folder: Path, stem: str, keep: int) -> tuple[Path, ...]:
    pattern = re.compile(rf"^{re.escape(stem)}-\d{{8}}-\d{{6}}(-\d+)?{re.escape(BACKUP_SUFFIX)}$")
    backups = sorted(
        (path for path in folder.iterdir() if pattern.match(path.name)),
        key=lambda path: (path.stat().st_mtime, path.name),
        reverse=True,
    )
    removed = tuple(backups[keep:])
    for path in removed:
        path.unlink()
    return removed


def backup(target: str, out: Path, *, keep: int | None = None) -> BackupResult:
    """Copy the database ``target`` to ``out`` (a file, or a folder for dated copies).

    Args:
        target: The database (SQLite path or URL, or a PostgreSQL URL).
        out: A file to write, or a folder: then ``<name>-YYYYmmdd-HHMMSS.sqlite`` in it.
        keep: Keep only the newest ``keep`` dated copies in the folder (SQLite).

    Raises:
        CrmError: ``out`` is unusable, ``keep`` is below 1, or ``pg_dump`` is missing/failed.
        DatabaseError: The database cannot be read.
    """
    if keep is not None and keep < 1:
        raise CrmError("--keep must be at least 1")
    source = sqlite_path(target)
    if source is None:
        return _pg_dump(target, out)
    if not source.is_file():
        raise DatabaseError(f"{source}: no such database")
    destination = _backup_target(source, out, keep)
    handle, temporary = tempfile.mkstemp(
        prefix=".backup-", suffix=BACKUP_SUFFIX, dir=destination.parent
    )
    os.close(handle)
    try:
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        writer = sqlite3.connect(temporary)
        try:
            # All pages in one step: one read snapshot, so the copy is consistent; in WAL
            # mode writers are not blocked by it (a stepwise copy would restart on writes).
            reader.backup(writer)
            writer.execute("PRAGMA journal_mode = DELETE")
        finally:
            writer.close()
            reader.close()
        os.replace(temporary, destination)
    except sqlite3.Error as error:
        raise DatabaseError(f"{source}: backup failed: {error}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    removed = _rotate(destination.parent, source.stem, keep) if keep is not None else ()
    return BackupResult(destination, destination.stat().st_size, removed, "sqlite backup API")


def _pg_dump(target: str, out: Path) -> BackupResult:
    tool = shutil.which("pg_dump")
    if tool is None:
        raise CrmError(
            f"{describe(target)}: PostgreSQL is backed up with pg_dump, which is not installed "
            "(Debian: apt-get install postgresql-client)"
        )
    destination = out / f"tui-crm-{_stamp()}.dump" if out.is_dir() else out
    done = subprocess.run(
        [tool, "--format=custom", "--file", str(destination), target],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CrmError(f"pg_dump failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return BackupResult(destination, destination.stat().st_size, (), "pg_dump")


# Checking ---------------------------------------------------------------------------------


def check_sqlite_file(path: Path) -> tuple[list[str], int]:
    """The problems of a SQLite file (integrity, foreign keys, schema) and its version.

    Opens the file read-only; changes nothing.
    """
    if not path.is_file():
        return [f"{path}: no such file"], 0
    problems: list[str] = []
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as error:
        return [f"{path}: cannot open: {error}"], 0
    try:
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as error:
            return [f"{path}: not a SQLite database ({error})"], 0
        problems += [f"integrity: {row[0]}" for row in rows if row[0] != "ok"]
        for table, rowid, parent, _index in connection.execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {table} row {rowid} refers to a missing {parent}")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if "schema_version" not in tables:
            return [*problems, f"{path}: is not a tui-crm database (no schema_version)"], 0
        version = int(connection.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])
        if version > migrations.LATEST:
            problems.append(
                f"schema version {version} is newer than this tui-crm ({migrations.LATEST})"
            )
        missing = {model._meta.table_name for model in MODELS} - tables
        if version == migrations.LATEST and missing:
            problems.append(f"tables missing: {', '.join(sorted(missing))}")
        return problems, version
    finally:
        connection.close()


def check(target: str) -> list[str]:
    """Run the integrity and foreign-key checks of ``target``; return the problems found.

    On PostgreSQL, which enforces keys itself, it checks the schema version and that every
    table can be read.
    """
    path = sqlite_path(target)
    if path is not None:
        return check_sqlite_file(path)[0]
    database = open_database(target, create=False)
    try:
        problems = []
        if migrations.current_version(database) == 0:
            return [f"{describe(target)}: is not a tui-crm database (no schema version)"]
        try:
            migrations.check(database, describe(target))
        except CrmError as error:
            problems.append(error.msg)
        tables = set(database.get_tables())
        for model in MODELS:
            name = model._meta.table_name
            if name not in tables:
                problems.append(f"table missing: {name}")
                continue
            database.execute_sql(f'SELECT COUNT(*) FROM "{name}"').fetchone()
        return problems
    finally:
        database.close()


# Restoring --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What :func:`restore` did."""

    path: Path
    """The database replaced."""
    kept: Path | None
    """The previous database, kept as ``.bak`` (None: there was none)."""
    version: int
    """The schema version of the restored database."""


def restore(backup_file: Path, target: str) -> RestoreResult:
    """Replace the SQLite database ``target`` by ``backup_file`` once the backup is checked.

    The backup is checked first (integrity, foreign keys, a tui-crm schema not newer than
    this tui-crm); nothing is touched if it fails. The current database's WAL is folded
    in, the file is kept as ``<name>.bak`` (hard link), and the checked copy is renamed over
    it, so the database file always exists and is whole. Stop the clerks' sessions first:
    open connections would keep reading the old file.

    Raises:
        CrmError: The backup is damaged or foreign, or ``target`` is not SQLite.
    """
    path = sqlite_path(target)
    if path is None:
        raise CrmError(
            f"{describe(target)}: restore a PostgreSQL database with pg_restore "
            "(the backup is a pg_dump file)"
        )
    problems, version = check_sqlite_file(backup_file)
    if problems:
        raise CrmError(f"{backup_file}: not restored: {problems[0]}")
    if not path.parent.is_dir():
        raise DatabaseError(f"{path}: the directory {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=".restore-", suffix=".sqlite", dir=path.parent)
    os.close(handle)
    kept: Path | None = None
    try:
        reader = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        writer = sqlite3.connect(temporary)
        try:
            reader.backup(writer)
            writer.execute("PRAGMA journal_mode = WAL")
        finally:
            writer.close()
            reader.close()
        if path.exists():
            current = sqlite3.connect(str(path), timeout=30)
            try:
                current.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                current.close()
            kept = path.with_name(path.name + ".bak")
            if kept.exists():
                kept.unlink()
            os.link(path, kept)
        os.replace(temporary, path)
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            if leftover.exists():
                leftover.unlink()
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return RestoreResult(path, kept, version)


# Copying to PostgreSQL --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What :func:`copy_to` copied."""

    counts: dict[str, int]
    """Rows per table (the same on both sides)."""
    seconds: float
    """How long it took."""


def copy_to(
    source: Path,
    target: str,
    *,
    batch: int = 5000,
    progress: Callable[[str, int], None] | None = None,
) -> CopyResult:
    """Copy every row of the SQLite database ``source`` into the empty database ``target``.

    The target is migrated to the current schema, then every table is copied in batches in
    one transaction (nothing stays behind on failure), the row counts of both sides are
    compared per table and the id sequences are moved past the copied ids.

    Raises:
        CrmError: The source is not a current tui-crm database, the target holds data, or
            a count differs (then nothing is copied).
    """
    import time

    started = time.monotonic()
    problems, version = check_sqlite_file(source)
    if problems:
        raise CrmError(f"{source}: not copied: {problems[0]}")
    if version != migrations.LATEST:
        raise CrmError(
            f"{source}: schema version {version}; run 'tui-crm --db {source} db upgrade' first"
        )
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    database: Database = open_database(target, create=False)
    try:
        if is_sqlite(database):
            raise CrmError(f"{describe(target)}: the target of db copy is a PostgreSQL URL")
        if migrations.current_version(database) == 0 and database.get_tables():
            raise CrmError(f"{describe(target)}: is not a tui-crm database (foreign tables)")
        migrations.migrate(database)
        models = [model for model in MODELS if model is not SchemaVersion]
        for model in models:
            if database.execute_sql(f'SELECT 1 FROM "{model._meta.table_name}" LIMIT 1').fetchone():
                raise CrmError(
                    f"{describe(target)}: holds data already ({model._meta.table_name}); "
                    "db copy needs an empty database"
                )
        counts: dict[str, int] = {}
        # One read transaction: the copy is one snapshot even while clerks keep working.
        reader.execute("BEGIN")
        with database.atomic(), bulk.loading(database, models):
            for model in models:
                counts[model._meta.table_name] = _copy_table(
                    reader, database, model, batch, progress
                )
            for model in models:
                name = model._meta.table_name
                copied = int(database.execute_sql(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])
                if copied != counts[name]:
                    raise CrmError(
                        f"{name}: {counts[name]} rows in {source}, {copied} copied; "
                        "nothing was copied"
                    )
        reader.execute("COMMIT")
    finally:
        reader.close()
        database.close()
    return CopyResult(counts, time.monotonic() - started)


def _copy_table(
    reader: sqlite3.Connection,
    database: Database,
    model: type,
    batch: int,
    progress: Callable[[str, int], None] | None,
) -> int:
    meta = model._meta  # type: ignore[attr-defined]
    fields = meta.sorted_fields
    columns = [field.column_name for field in fields]
    booleans = [isinstance(field, BooleanField) for field in fields]
    name = meta.table_name
    select = ", ".join(f'"{column}"' for column in columns)
    total = int(reader.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])
    last = -(2**63)
    copied = 0
    while True:
        rows = reader.execute(
            f'SELECT rowid, {select} FROM "{name}" WHERE rowid > ? ORDER BY rowid LIMIT ?',
            (last, batch),
        ).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        data = [
            tuple(
                bool(value) if flag and value is not None else value
                for flag, value in zip(booleans, row[1:], strict=True)
            )
            for row in rows
        ]
        copied += bulk.insert_rows(database, model, columns, data)
        if progress is not None:
            progress(name, copied)
    if copied != total:
        raise CrmError(f"{name}: read {copied} of {total} rows; nothing was copied")
    return copied
