"""Shared fixtures: temp config/data folders, a migrated SQLite file, a small data set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    """A migrated database in a temp file (thread workers need a file, not :memory:)."""
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
