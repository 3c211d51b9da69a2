"""Shared fixtures: temp config/data folders, a migrated SQLite file, a small data set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_crm import i18n

i18n.setup("en")

from tui_crm.db import search_index  # noqa: E402
from tui_crm.db.connection import db, open_database  # noqa: E402
from tui_crm.db.migrations import migrate  # noqa: E402
from tui_crm.db.models import Party, Phone  # noqa: E402
from tui_crm.db.text import search_key  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point config and data folders at the test's temp dir; no cursor blink."""
    monkeypatch.setenv("TUI_CRM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TUI_CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TUI_CRM_CONFIG", raising=False)
    monkeypatch.setenv("TEXTUAL_CURSOR_BLINK", "0")


BACKENDS = ("sqlite", "postgresql")
"""What ``@pytest.mark.backends`` runs a test on (``TUI_CRM_TEST_BACKENDS=sqlite`` limits it)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests (or modules) marked ``backends`` once on SQLite and once on PostgreSQL."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("backends"):
        wanted = os.environ.get("TUI_CRM_TEST_BACKENDS", ",".join(BACKENDS)).split(",")
        metafunc.parametrize(
            "backend", [name for name in BACKENDS if name in wanted], indirect=True
        )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` (the default) or ``postgresql`` for tests marked ``backends``."""
    name: str = getattr(request, "param", "sqlite")
    if name == "postgresql":
        only = request.node.get_closest_marker("sqlite_only")
        if only is not None:
            pytest.skip(f"SQLite only: {only.args[0] if only.args else 'SQLite file behaviour'}")
    return name


@pytest.fixture
def db_path(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A migrated database: a temp SQLite file (thread workers need a file, not :memory:),
    or for ``backend == "postgresql"`` the URL (a ``str``) of a fresh PostgreSQL database
    cloned from a migrated template, dropped afterwards."""
    if backend == "postgresql":
        url = request.getfixturevalue("pg_migrated_url")
        open_database(url)
        yield url
        return
    path = tmp_path / "crm.sqlite"
    database = open_database(path)
    migrate(database)
    yield path
    database.close()


PEOPLE = (
    ("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456"),
    ("10002", "Eva", "[bold]X[/]", "", "Berlin", "+4930987654", "030 987654"),
    ("10003", "", "", "Straßenbau Weiß GmbH", "Bonn", "+491711234567", "0171 1234567"),
)


def add_party(
    number: str, first: str, last: str, company: str, city: str, e164: str, raw: str
) -> Party:
    """Insert one party with a main phone."""
    party = Party.create(
        number=number,
        first_name=first,
        last_name=last,
        company=company,
        city=city,
        search_key=search_key(first, last, company, city, number),
    )
    Phone.create(
        party=party, e164=e164, as_entered=raw, is_main=True, reversed_digits=e164[1:][::-1]
    )
    search_index.reindex_parties(db.obj, [party.id])
    return party


@pytest.fixture
def people(db_path: Path) -> Path:
    """The database with three parties: Müller in Köln, a markup name, a company."""
    for row in PEOPLE:
        add_party(*row)
    return db_path


PG_SERVER = os.environ.get("TUI_CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
"""The PostgreSQL server of the tests (trust auth); each test gets a database of its own."""


def _pg_admin() -> object:
    """An autocommit connection to the test server; skips (fails in CI) when none answers."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(PG_SERVER, connect_timeout=3)
    except psycopg2.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server answers at {PG_SERVER}: {error}")
    admin.autocommit = True
    return admin


def _pg_database_url(name: str) -> str:
    return PG_SERVER.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_run_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test run (its own, so runs don't collide),
    dropped at the end of the run."""
    admin: Any = _pg_admin()
    name = f"tuicrm_run_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        database = open_database(_pg_database_url(name))
        migrate(database)
        database.close()
        yield _pg_database_url(name)
    finally:
        if db.obj is not None:
            db.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_migrated_url(pg_run_url: str) -> Iterator[str]:
    """The run's PostgreSQL database, emptied for this test (every table but the schema
    version truncated, ids restarted): as fresh as a new database, in milliseconds."""
    from tui_crm.db.models import MODELS, SchemaVersion

    database = open_database(pg_run_url)
    tables = ", ".join(
        f'"{model._meta.table_name}"' for model in MODELS if model is not SchemaVersion
    )
    database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    try:
        yield pg_run_url
    finally:
        if db.obj is not None:
            db.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards.

    Skips with the reason when no server answers, except in CI, where it fails.
    """
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(PG_SERVER, connect_timeout=3)
    except psycopg2.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server answers at {PG_SERVER}: {error}")
    admin.autocommit = True
    name = f"tuicrm_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        if db.obj is not None:
            db.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
