"""The schema and exact money on the real PostgreSQL server at 127.0.0.1:5432."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tui_crm.db import migrations
from tui_crm.db.connection import open_database
from tui_crm.db.models import MODELS, Document, OpenItem, Party

pytestmark = pytest.mark.postgres


def test_migrate_creates_every_table(pg_url: str) -> None:
    database = open_database(pg_url)
    assert migrations.migrate(database) == [module.VERSION for module in migrations.MIGRATIONS]
    tables = set(database.get_tables())
    assert {model._meta.table_name for model in MODELS} <= tables
    migrations.check(database, pg_url)


def test_search_on_postgres(pg_url: str) -> None:
    from tests.conftest import PEOPLE, add_party
    from tui_crm.services import customers

    database = open_database(pg_url)
    migrations.migrate(database)
    for row in PEOPLE:
        add_party(*row)
    assert [row.number for row in customers.search("mül köl")] == ["10001"]
    assert [row.number for row in customers.search("strassenbau")] == ["10003"]
    assert [row.number for row in customers.search("+49 221 123456")] == ["10001"]
    assert [row.number for row in customers.search("1000")] == ["10001", "10002", "10003"]


def test_sum_of_100000_dimes_is_exact(pg_url: str) -> None:
    database = open_database(pg_url)
    migrations.migrate(database)
    party = Party.create(number="1")
    rows = []
    with database.atomic():
        for index in range(100):
            document = Document.create(
                number=f"R{index}", kind="invoice", party=party, date="2026-01-01"
            )
            rows.append(document.id)
    total = 0
    with database.atomic():
        OpenItem.insert_many(
            [
                {
                    "document": doc,
                    "party": party.id,
                    "amount": Decimal("0.10"),
                    "due_date": "2026-01-01",
                }
                for doc in rows
            ]
        ).execute()
        cursor = database.execute_sql(
            "SELECT SUM(amount) FROM open_item CROSS JOIN generate_series(1, 1000)"
        )
        total = cursor.fetchone()[0]
    assert OpenItem.amount.to_decimal(total) == Decimal("10000.00")


def test_missed_and_answered_calls_on_postgres(pg_url: str) -> None:
    from datetime import datetime

    from tests.conftest import PEOPLE, add_party
    from tui_crm.services.customers import ensure_clerk
    from tui_crm.services.telephony import journal

    database = open_database(pg_url)
    migrations.migrate(database)
    for row in PEOPLE:
        add_party(*row)
    ensure_clerk("anna")
    rang = datetime(2026, 11, 26, 9, 0)
    journal.record_missed("0221 123456", rang, "DE")
    journal.record_missed("089 123456", rang.replace(hour=10), "DE")
    journal.record_missed("", rang.replace(hour=11), "DE")
    müller = Party.get(Party.number == "10001")
    answered = journal.record_answered(
        müller.id, "+49221123456", "anna", at=rang.replace(minute=20), duration_seconds=30
    )
    assert (
        journal.record_answered(
            müller.id, "+49221123456", "anna", at=rang.replace(minute=20, second=5)
        )
        == answered
    )
    rows = journal.missed_calls(limit=10)
    assert [(row.source, row.withheld, row.party_number) for row in rows] == [
        ("u", True, ""),
        ("u", False, ""),
        ("c", False, "10001"),
    ]
    assert rows[2].called_back_at == rang.replace(minute=20)
    assert journal.missed_calls(after=rows[0].key, limit=10) == rows[1:]


def test_a_failed_migration_leaves_nothing_and_a_good_one_applies(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.test_db import _next_migration

    database = open_database(pg_url)
    migrations.migrate(database)
    shipped, latest = migrations.MIGRATIONS, migrations.LATEST
    monkeypatch.setattr(migrations, "MIGRATIONS", (*shipped, _next_migration(latest + 1, True)))
    monkeypatch.setattr(migrations, "LATEST", latest + 1)
    with pytest.raises(RuntimeError):
        migrations.migrate(database)
    assert migrations.current_version(database) == latest
    assert "extra" not in database.get_tables()
    assert "shoe_size" not in {c.name for c in database.get_columns("party")}
    monkeypatch.setattr(migrations, "MIGRATIONS", (*shipped, _next_migration(latest + 1, False)))
    assert migrations.migrate(database) == [latest + 1]
    assert "shoe_size" in {c.name for c in database.get_columns("party")}
