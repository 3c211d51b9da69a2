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
