"""The database layer: pragmas, exact money, migrations, and refusing bad databases."""

from __future__ import annotations

import sqlite3
import types
from decimal import Decimal
from pathlib import Path

import pytest
from peewee import IntegerField

from tui_crm.db import migrations
from tui_crm.db.connection import open_database
from tui_crm.db.fields import FixedPointField, MoneyField
from tui_crm.db.models import MODELS, OpenItem, Party
from tui_crm.errors import DatabaseError, SchemaOutdated, SchemaTooNew

pytestmark = pytest.mark.backends


@pytest.mark.sqlite_only("SQLite pragmas")
def test_sqlite_pragmas(db_path: Path) -> None:
    database = open_database(db_path, busy_timeout=7)
    pragma = lambda name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1
    assert pragma("busy_timeout") == 7000


def test_live_models_match_the_migrated_schema(db_path: Path) -> None:
    database = open_database(db_path)
    for model in MODELS:
        table = model._meta.table_name
        columns = {column.name for column in database.get_columns(table)}
        assert columns == set(model._meta.columns), table
        indexes = {tuple(index.columns) for index in database.get_indexes(table)}
        for fields, _unique in model._meta.indexes:
            wanted = tuple(model._meta.fields[name].column_name for name in fields)
            assert wanted in indexes, (table, wanted)


def test_money_round_trips_through_sql(db_path: Path) -> None:
    database = open_database(db_path)
    party = Party.create(number="1")
    from tui_crm.db.models import Document

    document = Document.create(number="R1", kind="invoice", party=party, date="2026-01-01")
    rows = [
        {
            "document": document.id,
            "party": party.id,
            "amount": Decimal("0.10"),
            "due_date": "2026-01-01",
        }
    ]
    OpenItem.insert_many(rows).execute()
    total = database.execute_sql("SELECT SUM(amount) FROM open_item").fetchone()[0]
    assert OpenItem.amount.to_decimal(total) == Decimal("0.10")
    assert OpenItem.get().amount == Decimal("0.10")


def test_fixed_point_rounds_half_up_and_refuses_floats() -> None:
    field = MoneyField()
    field.name = "amount"
    assert field.db_value(Decimal("0.005")) == 1
    assert field.db_value(Decimal("-1.234")) == -123
    assert field.python_value(123456) == Decimal("1234.56")
    assert FixedPointField(3).python_value(1500) == Decimal("1.500")
    with pytest.raises(TypeError, match="floats are not exact"):
        field.db_value(0.1)


def test_fresh_database_is_migrated_to_latest(db_path: Path) -> None:
    database = open_database(db_path)
    assert migrations.current_version(database) == migrations.LATEST
    assert migrations.migrate(database) == []


@pytest.mark.sqlite_only("compares the bytes of the file")
def test_newer_schema_is_refused_and_untouched(db_path: Path) -> None:
    database = open_database(db_path)
    database.execute_sql("INSERT INTO schema_version VALUES (99, '2030-01-01')")
    database.close()
    before = db_path.read_bytes()
    database = open_database(db_path)
    with pytest.raises(SchemaTooNew, match="schema version 99 is newer"):
        migrations.check(database, str(db_path))
    with pytest.raises(SchemaTooNew):
        migrations.migrate(database)
    database.close()
    assert db_path.read_bytes() == before


def _next_migration(version: int, fail: bool) -> types.ModuleType:
    module = types.ModuleType("m_next_test")
    module.VERSION = version  # type: ignore[attr-defined]

    def apply(database: object) -> None:
        database.execute_sql("ALTER TABLE party ADD COLUMN shoe_size INTEGER")  # type: ignore[attr-defined]
        database.execute_sql("CREATE TABLE extra (id INTEGER PRIMARY KEY)")  # type: ignore[attr-defined]
        if fail:
            raise RuntimeError("disk on fire")

    module.apply = apply  # type: ignore[attr-defined]
    return module


@pytest.mark.sqlite_only("changes the schema (tests/unit/test_postgres.py has its own)")
def test_older_schema_needs_upgrade_which_runs_in_one_transaction(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = migrations.MIGRATIONS
    latest = migrations.LATEST
    monkeypatch.setattr(
        migrations, "MIGRATIONS", (*shipped, _next_migration(latest + 1, fail=True))
    )
    monkeypatch.setattr(migrations, "LATEST", latest + 1)
    database = open_database(db_path)
    with pytest.raises(SchemaOutdated, match="run 'tui-crm db upgrade'"):
        migrations.check(database, "crm")
    with pytest.raises(RuntimeError):
        migrations.migrate(database)
    assert migrations.current_version(database) == latest
    assert "extra" not in database.get_tables()
    assert "shoe_size" not in {c.name for c in database.get_columns("party")}

    monkeypatch.setattr(
        migrations, "MIGRATIONS", (*shipped, _next_migration(latest + 1, fail=False))
    )
    assert migrations.migrate(database) == [latest + 1]
    assert migrations.current_version(database) == latest + 1
    assert "shoe_size" in {c.name for c in database.get_columns("party")}


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(tmp_path / "nowhere" / "crm.sqlite")
    assert not (tmp_path / "nowhere").exists()


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, I am not SQLite at all" * 10)
    with pytest.raises(DatabaseError, match="not a tui-crm database"):
        open_database(path)
    assert path.read_text().startswith("hello")
    assert not Path(str(path) + "-wal").exists()


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a directory"):
        open_database(tmp_path)


def test_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no such database"):
        open_database(tmp_path / "crm.sqlite", create=False)
    assert not (tmp_path / "crm.sqlite").exists()


def test_locked_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    try:
        with pytest.raises(DatabaseError, match="locked by another process"):
            open_database(path, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_postgres_url_that_does_not_answer(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="cannot connect"):
        open_database("postgresql://nobody@127.0.0.1:1/none")


def test_unsupported_url() -> None:
    with pytest.raises(DatabaseError, match="only SQLite and PostgreSQL"):
        open_database("mysql://root@127.0.0.1/test")


def test_integer_field_import_is_peewee() -> None:
    assert issubclass(MoneyField, IntegerField)


@pytest.mark.sqlite_only("about the SQLite file")
def test_opening_never_opens_the_file_itself(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing a second descriptor of a SQLite file drops this process's POSIX locks on it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the database file was opened outside SQLite")

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr("builtins.open", refuse)
    database = open_database(db_path)
    assert migrations.current_version(database) == migrations.LATEST
