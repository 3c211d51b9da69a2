"""The demo database generator and the bulk loader under it, on real SQLite files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from peewee import Database, PostgresqlDatabase, SqliteDatabase

from tui_crm.db import bulk
from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import (
    MODELS,
    ROLES,
    Clerk,
    Document,
    OpenItem,
    Party,
    Payment,
    SchemaVersion,
)
from tui_crm.db.text import search_key
from tui_crm.services import demo

TODAY = date(2025, 6, 2)
CENT = Decimal("0.01")
DATA_TABLES = [model._meta.table_name for model in MODELS if model is not SchemaVersion]


def _open(path: Path) -> Database:
    database = open_database(path)
    migrate(database)
    return database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database in a temp file."""
    database = _open(tmp_path / "crm.sqlite")
    yield database
    database.close()


@pytest.fixture
def demo_db(database: Database) -> tuple[Database, demo.DemoSummary]:
    """The database filled with 200 demo parties (seed 7, fixed today)."""
    summary = demo.generate(database, 200, 7, today=TODAY)
    return database, summary


def _rows(database: Database, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return list(database.execute_sql(sql, params).fetchall())


def _count(database: Database, table: str) -> int:
    return int(_rows(database, f'SELECT COUNT(*) FROM "{table}"')[0][0])


def _dump(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {table: _rows(database, f'SELECT * FROM "{table}" ORDER BY 1') for table in DATA_TABLES}


def _generate(path: Path, seed: int) -> dict[str, list[tuple[Any, ...]]]:
    database = _open(path)
    try:
        demo.generate(database, 200, seed, today=TODAY)
        return _dump(database)
    finally:
        database.close()


def test_counts_are_plausible_for_200_parties(demo_db: tuple[Database, demo.DemoSummary]) -> None:
    database, summary = demo_db
    assert summary.customers + summary.prospects == _count(database, "party") == 200
    assert 150 <= summary.customers <= 190
    assert (
        summary.prospects
        == _count(database, "party")
        - _rows(database, "SELECT COUNT(*) FROM party WHERE kind = 'customer'")[0][0]
    )
    assert summary.contact_persons == _count(database, "contact_person") > 20
    assert summary.phones == _count(database, "phone") >= 200
    assert summary.documents == _count(database, "document")
    assert summary.document_lines == _count(database, "document_line")
    assert summary.open_items == _count(database, "open_item") > 0
    assert summary.follow_ups == _count(database, "follow_up") > 0
    assert summary.contacts == _count(database, "contact_log") > 200
    assert 3 <= summary.documents / summary.customers <= 6
    assert 2.5 <= summary.document_lines / summary.documents <= 4
    assert summary.seconds > 0
    assert 150 <= _count(database, "article") <= 250
    for table in ("payment", "dunning_event", "document_link", "email", "bank_account"):
        assert _count(database, table) > 0, table
    kinds = dict(_rows(database, "SELECT kind, COUNT(*) FROM document GROUP BY kind"))
    assert set(kinds) == {"quote", "order", "delivery_note", "invoice", "credit_note"}
    companies, privates = _rows(
        database, "SELECT SUM(company <> ''), SUM(company = '' AND last_name <> '') FROM party"
    )[0]
    assert companies + privates == 200
    assert companies > 30
    assert privates > 100
    assert _rows(database, "SELECT COUNT(*) FROM party WHERE blocked")[0][0] >= 1


def test_clerks_groups_and_sequences(demo_db: tuple[Database, demo.DemoSummary]) -> None:
    database, _ = demo_db
    roles = [clerk.role for clerk in Clerk.select().order_by(Clerk.id)]
    assert len(roles) == 5
    assert "admin" in roles
    assert set(roles) <= set(ROLES)
    for table in ("customer_group", "price_list", "payment_terms", "article_group"):
        assert _count(database, table) >= 4, table
    sequences = {
        name: (prefix, value) for name, prefix, value in _rows(database, "SELECT * FROM sequence")
    }
    customers = [
        int(number)
        for (number,) in _rows(database, "SELECT number FROM party WHERE kind = 'customer'")
    ]
    assert min(customers) == 100000
    assert sequences["customer"] == ("", max(customers) + 1)
    prospects = [
        number
        for (number,) in _rows(
            database,
            "SELECT number FROM party WHERE kind = 'prospect'"
            " UNION ALL SELECT number FROM number_history",
        )
    ]
    assert all(number.startswith("I") for number in prospects)
    assert sequences["prospect"][1] == max(int(number[1:]) for number in prospects) + 1
    for kind, prefix in demo.DOCUMENT_PREFIXES.items():
        numbers = [
            number
            for (number,) in _rows(database, "SELECT number FROM document WHERE kind = ?", (kind,))
        ]
        assert all(number.startswith(prefix) for number in numbers)
        assert sequences[kind] == (prefix, max(int(number[2:]) for number in numbers) + 1)


def test_same_seed_and_today_give_identical_tables(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a.sqlite", 11)
    second = _generate(tmp_path / "b.sqlite", 11)
    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], table


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a.sqlite", 11)
    second = _generate(tmp_path / "b.sqlite", 12)
    assert first["party"] != second["party"]
    assert first["phone"] != second["phone"]
    assert first["document_line"] != second["document_line"]


def test_progress_is_reported_per_batch(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "BATCH", 40)
    calls: list[tuple[int, int]] = []
    demo.generate(
        database, 100, 3, today=TODAY, progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(40, 100), (80, 100), (100, 100)]


def test_batch_size_does_not_change_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _generate(tmp_path / "a.sqlite", 5)
    monkeypatch.setattr(demo, "BATCH", 37)
    assert _generate(tmp_path / "b.sqlite", 5) == first


def test_phone_numbers_parse_to_their_e164(demo_db: tuple[Database, demo.DemoSummary]) -> None:
    database, _ = demo_db
    rows = _rows(database, "SELECT as_entered, e164, reversed_digits FROM phone")
    styles = set()
    for raw, e164, reversed_digits in rows:
        number = phonenumbers.parse(raw, "DE")
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164, raw
        assert phonenumbers.is_valid_number(number), raw
        assert reversed_digits == e164[1:][::-1]
        styles.add("".join("9" if char.isdigit() else char for char in raw).strip("9"))
    assert len(styles) > 8  # typed every which way
    mains = _rows(
        database,
        "SELECT party.id, (SELECT COUNT(*) FROM phone WHERE phone.party_id = party.id AND is_main)"
        " FROM party",
    )
    assert all(count == 1 for _, count in mains)
    assert _rows(database, "SELECT COUNT(*) FROM phone WHERE contact_person_id IS NOT NULL")[0][0]


def test_document_totals_match_a_decimal_recomputation(
    demo_db: tuple[Database, demo.DemoSummary],
) -> None:
    database, _ = demo_db
    nets: dict[int, dict[Decimal, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for document_id, quantity, unit_price, discount, vat_rate, net in _rows(
        database,
        "SELECT document_id, quantity, unit_price, discount_percent, vat_rate, net"
        " FROM document_line",
    ):
        exact = (
            Decimal(quantity) / 1000 * Decimal(unit_price) / 100 * (1 - Decimal(discount) / 10000)
        ).quantize(CENT, rounding=ROUND_HALF_UP)
        assert Decimal(net) / 100 == exact
        rate = Decimal(vat_rate) / 100
        assert rate in (Decimal(19), Decimal(7))
        nets[document_id][rate] += exact
    documents = list(Document.select())
    assert len(documents) == len(nets)
    for document in documents:
        per_rate = nets[document.id]
        net_total = sum(per_rate.values(), Decimal(0))
        vat_total = sum(
            (
                (net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                for rate, net in per_rate.items()
            ),
            Decimal(0),
        )
        assert document.net_total == net_total
        assert document.vat_total == vat_total
        assert document.gross_total == net_total + vat_total


def test_document_chains_are_linked_in_order(demo_db: tuple[Database, demo.DemoSummary]) -> None:
    database, _ = demo_db
    order = ["quote", "order", "delivery_note", "invoice", "credit_note"]
    links = _rows(
        database,
        "SELECT s.kind, t.kind, s.date <= t.date, s.party_id = t.party_id"
        " FROM document_link JOIN document s ON s.id = source_id"
        " JOIN document t ON t.id = target_id",
    )
    assert links
    for source, target, in_time, same_party in links:
        assert order.index(target) == order.index(source) + 1
        assert in_time
        assert same_party


def test_open_items_and_payments_add_up(demo_db: tuple[Database, demo.DemoSummary]) -> None:
    database, _ = demo_db
    rows = _rows(
        database,
        "SELECT o.id, o.amount, o.paid, o.closed_at, o.dunning_level, d.kind, d.gross_total,"
        " (SELECT COALESCE(SUM(amount), 0) FROM payment p WHERE p.open_item_id = o.id),"
        " (SELECT COUNT(*) FROM dunning_event e WHERE e.open_item_id = o.id),"
        " (SELECT COALESCE(MAX(level), 0) FROM dunning_event e WHERE e.open_item_id = o.id)"
        " FROM open_item o JOIN document d ON d.id = o.document_id",
    )
    assert rows
    levels = set()
    for _, amount, paid, closed_at, level, kind, gross, payments, events, top in rows:
        assert kind in ("invoice", "credit_note")
        assert amount == (gross if kind == "invoice" else -gross)
        assert paid == payments
        assert (closed_at is not None) == (paid == amount)
        assert level == events == top
        levels.add(level)
    assert any(0 < paid < amount for _, amount, paid, *_ in rows)
    assert {1, 2, 3, 4} & levels
    payment_sum = OpenItem.paid.to_decimal(_rows(database, "SELECT SUM(paid) FROM open_item")[0][0])
    assert payment_sum == Payment.amount.to_decimal(
        _rows(database, "SELECT SUM(amount) FROM payment")[0][0]
    )


def test_ibans_are_valid(demo_db: tuple[Database, demo.DemoSummary]) -> None:
    database, _ = demo_db
    rows = _rows(database, "SELECT iban, bic FROM bank_account")
    assert rows
    for iban, bic in rows:
        assert iban.startswith("DE")
        assert len(iban) == 22
        digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
        assert int(digits) % 97 == 1, iban
        assert len(bic) in (8, 11)


def test_search_keys_and_contact_counters_are_consistent(
    demo_db: tuple[Database, demo.DemoSummary],
) -> None:
    database, _ = demo_db
    emails: dict[tuple[int, int | None], list[str]] = defaultdict(list)
    for party_id, person_id, address in _rows(
        database, "SELECT party_id, contact_person_id, address FROM email ORDER BY id"
    ):
        emails[party_id, person_id].append(address)
    for party in Party.select():
        assert party.search_key == search_key(
            party.first_name,
            party.last_name,
            party.company,
            party.company2,
            party.street,
            party.postcode,
            party.city,
            party.number,
            *emails[party.id, None],
        )
        if party.company:
            assert not party.first_name
        else:
            assert party.salutation in ("Herr", "Frau")
    for person_id, party_id, first, last, position, department, key in _rows(
        database,
        "SELECT id, party_id, first_name, last_name, position, department, search_key"
        " FROM contact_person",
    ):
        assert key == search_key(first, last, position, department, *emails[party_id, person_id])
    mismatches = _rows(
        database,
        "SELECT p.id FROM party p WHERE p.contact_count <> (SELECT COUNT(*) FROM contact_log c"
        " WHERE c.party_id = p.id) OR p.last_contact_at IS NOT (SELECT MAX(at) FROM contact_log c"
        " WHERE c.party_id = p.id)",
    )
    assert mismatches == []


def test_follow_ups_are_spread_over_days_and_clerks(
    demo_db: tuple[Database, demo.DemoSummary],
) -> None:
    database, _ = demo_db
    today = TODAY.isoformat()
    overdue, due_today, upcoming, owners = _rows(
        database,
        "SELECT SUM(due_date < ?), SUM(due_date = ?), SUM(due_date > ?), COUNT(DISTINCT owner_id)"
        " FROM follow_up WHERE done_at IS NULL",
        (today, today, today),
    )[0]
    assert overdue > 0
    assert due_today > 0
    assert upcoming > 0
    assert owners >= 3


def test_database_is_intact_and_indexes_are_back(
    demo_db: tuple[Database, demo.DemoSummary], tmp_path: Path
) -> None:
    database, _ = demo_db
    assert _rows(database, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(database, "PRAGMA foreign_key_check") == []
    fresh = SqliteDatabase(str(tmp_path / "fresh.sqlite"))
    migrate(fresh)

    def indexes(db: Database) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: sorted(
                (name, unique, [column for *_, column in _rows(db, f'PRAGMA index_info("{name}")')])
                for _, name, unique, *_ in _rows(db, f'PRAGMA index_list("{table}")')
            )
            for table in DATA_TABLES
        }

    assert indexes(database) == indexes(fresh)
    assert indexes(fresh)["party"]  # there are secondary indexes to compare
    fresh.close()
    assert _rows(database, "PRAGMA synchronous") == [(1,)]
    assert _rows(database, "PRAGMA cache_size") == [(-64_000,)]


def test_zero_parties_writes_only_reference_data(database: Database) -> None:
    summary = demo.generate(database, 0, 1, today=TODAY)
    assert summary.customers == summary.prospects == summary.documents == 0
    assert _count(database, "party") == 0
    assert _count(database, "clerk") == 5
    with pytest.raises(ValueError, match="negative"):
        demo.generate(database, -1, 1)


def test_money_sums_exactly_over_100000_rows(database: Database) -> None:
    party = Party.create(number="100000")
    invoice = Document.create(number="RE100000", kind="invoice", party=party, date=date(2025, 1, 1))
    item = OpenItem.create(
        document=invoice, party=party, amount=Decimal("10000.00"), due_date=date(2025, 1, 15)
    )
    columns = (
        "open_item_id",
        "party_id",
        "date",
        "amount",
        "method",
        "note",
        "created_at",
        "version",
    )
    row = (item.id, party.id, date(2025, 1, 2), Decimal("0.10"), "cash", "", date(2025, 1, 2), 1)
    with bulk.loading(database, [Payment]), database.atomic():
        assert (
            bulk.insert_rows(database, Payment, columns, [row] * 100_000, convert=True) == 100_000
        )
    total = _rows(database, "SELECT SUM(amount) FROM payment")[0][0]
    assert isinstance(total, int)
    assert Payment.amount.to_decimal(total) == Decimal("10000.00")
    assert Payment.select().count() == 100_000


def test_every_column_of_the_batch_tables_is_written() -> None:
    for model, columns in demo.TABLES:
        assert sorted(columns) == sorted(
            field.column_name for field in model._meta.sorted_fields
        ), model.__name__
        assert len(bulk.converters(model, columns)) == len(columns)


def test_iban_check_digits_and_phone_spellings() -> None:
    assert demo.iban_check_digits("DE", "370400440532013000") == "89"
    assert demo.landline_raw("0221", "123456", "", 0) == "0221 / 12 34 56"
    assert demo.landline_raw("0221", "123456", "", 1) == "+49 (0)221-123456"
    assert demo.landline_raw("0221", "12345", "23", 3) == "0221-12345-23"
    assert demo.mobile_raw("0171", "1234567", 0) == "0171 1234567"
    assert (
        demo.ascii_slug("Garten- und Landschaftsbau Müller") == "garten-und-landschaftsbau-mueller"
    )


def test_converters_refuse_floats() -> None:
    (to_cents,) = bulk.converters(Payment, ("amount",))
    assert to_cents(Decimal("0.10")) == 10
    with pytest.raises(TypeError):
        to_cents(0.1)


@pytest.fixture
def postgres(pg_url: str) -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database (skipped without a server)."""
    database = open_database(pg_url)
    migrate(database)
    yield database
    database.close()


@pytest.mark.postgres
def test_generate_on_postgresql(postgres: Database) -> None:
    assert isinstance(postgres, PostgresqlDatabase)
    summary = demo.generate(postgres, 120, 4, today=TODAY)
    assert _count(postgres, "party") == 120
    assert summary.documents == _count(postgres, "document") > 100
    totals = _rows(postgres, "SELECT SUM(net_total + vat_total - gross_total) FROM document")
    assert totals == [(0,)]
    # The id sequences continue after the explicit ids of the load.
    assert Clerk.create(login="neu").id == 6
    indexes = _rows(postgres, "SELECT indexname FROM pg_indexes WHERE tablename = 'party'")
    assert ("party_postcode",) in indexes
