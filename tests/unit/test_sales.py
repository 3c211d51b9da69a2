"""Sales statistics, the account sheet and the sales reports on a real demo database, each
total cross-checked against a direct SQL sum; hypothesis for the change and the balance."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peewee import Database

from tui_crm.cli import main
from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import Document, OpenItem, Party, Payment
from tui_crm.services import account, demo, reports, sales
from tui_crm.services.sales import change

TODAY = date(2026, 6, 15)
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo of 300 parties (seed 3, fixed today), made once for the module."""
    path = tmp_path_factory.mktemp("sales") / "demo.sqlite"
    database = open_database(path)
    migrate(database)
    demo.generate(database, 300, 3, today=TODAY)
    database.close()
    return path


@pytest.fixture
def database(demo_file: Path) -> Iterator[Database]:
    """The demo database, open."""
    database = open_database(demo_file)
    yield database
    database.close()


def sql_cents(database: Database, sql: str, params: tuple[Any, ...] = ()) -> Decimal:
    """A direct SQL sum of cents as Decimal."""
    value = database.execute_sql(sql, params).fetchone()[0]
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


REVENUE_SQL = (
    "SELECT SUM(CASE WHEN kind = 'invoice' THEN net_total ELSE -net_total END) FROM document "
    "WHERE kind IN ('invoice', 'credit_note') AND status <> 'cancelled'"
)


def customers_with_sales(database: Database, count: int) -> list[tuple[int, str]]:
    rows = database.execute_sql(
        "SELECT p.id, p.number FROM party p WHERE EXISTS (SELECT 1 FROM document d "
        "WHERE d.party_id = p.id AND d.kind = 'credit_note') ORDER BY p.id LIMIT ?",
        (count // 2,),
    ).fetchall()
    rows += database.execute_sql(
        "SELECT p.id, p.number FROM party p WHERE EXISTS (SELECT 1 FROM document d "
        "WHERE d.party_id = p.id AND d.kind = 'invoice') ORDER BY p.id DESC LIMIT ?",
        (count - len(rows),),
    ).fetchall()
    return [(int(party_id), str(number)) for party_id, number in rows]


# Change ---------------------------------------------------------------------------------


def test_change_examples() -> None:
    assert change(Decimal("110.00"), Decimal("100.00")) == Decimal("10.0")
    assert change(Decimal("0.00"), Decimal("50.00")) == Decimal("-100.0")
    assert change(Decimal("50.00"), Decimal("0.00")) is None
    assert change(Decimal("1.00"), Decimal("3.00")) == Decimal("-66.7")
    assert change(Decimal("-10.00"), Decimal("-20.00")) == Decimal("50.0")


amounts = st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False)


@given(current=amounts, previous=amounts)
def test_change_properties(current: Decimal, previous: Decimal) -> None:
    result = change(current, previous)
    if previous == 0:
        assert result is None
        return
    assert result is not None
    assert result == result.quantize(Decimal("0.1"))
    # The sign follows the difference, whatever the sign of the base.
    assert (result > 0) == (current > previous) or result == 0
    assert (result < 0) == (current < previous) or result == 0
    # It is the exact change, rounded half up to a tenth of a percent.
    exact = (current - previous) * 100 / abs(previous)
    assert abs(result - exact) <= Decimal("0.05")
    if current == previous:
        assert result == 0


# Sales of a customer --------------------------------------------------------------------


def test_customer_sales_agree_with_sql(database: Database) -> None:
    for party_id, number in customers_with_sales(database, 12):
        figures = sales.customer_sales(party_id, number, TODAY)
        total = sql_cents(database, REVENUE_SQL + " AND party_id = ?", (party_id,))
        assert figures.total == total
        assert sum((row.revenue for row in figures.years), Decimal(0)) == total
        assert sum((row.revenue for row in figures.articles), Decimal(0)) == total
        assert sum((row.revenue for row in figures.groups), Decimal(0)) == total
        this_year = sql_cents(
            database, REVENUE_SQL + " AND party_id = ? AND date >= ?", (party_id, "2026-01-01")
        )
        assert figures.years[-1].period == "2026"
        assert figures.years[-1].revenue == this_year
        assert sum((row.this_year for row in figures.groups), Decimal(0)) == this_year
        assert [row.period for row in figures.months] == sales.month_keys(TODAY, 12)
        june = sql_cents(
            database,
            REVENUE_SQL + " AND party_id = ? AND date >= ? AND date < ?",
            (party_id, "2026-06-01", "2026-07-01"),
        )
        assert figures.months[-1].revenue == june
        for earlier, later in zip(figures.years, figures.years[1:], strict=False):
            assert later.previous == earlier.revenue
            assert later.change == change(later.revenue, earlier.revenue)
        revenues = [row.revenue for row in figures.articles]
        assert revenues == sorted(revenues, reverse=True)


def test_article_quantities_and_last_purchase(database: Database) -> None:
    party_id, number = customers_with_sales(database, 2)[1]
    figures = sales.customer_sales(party_id, number, TODAY)
    top = figures.articles[0]
    rows = database.execute_sql(
        "SELECT d.kind, d.date, l.quantity FROM document_line l JOIN document d "
        "ON d.id = l.document_id WHERE d.party_id = ? AND l.article_id = ? "
        "AND d.kind IN ('invoice', 'credit_note')",
        (party_id, top.article_id),
    ).fetchall()
    quantity = sum(q if kind == "invoice" else -q for kind, _day, q in rows)
    assert top.quantity == Decimal(quantity) / 1000
    assert top.last_purchase == max(
        date.fromisoformat(day) for kind, day, _q in rows if kind == "invoice"
    )


def test_unknown_number_is_an_error(database: Database) -> None:
    with pytest.raises(sales.SalesPartyNotFound):
        sales.sales_by_number("nope", TODAY)


# Account sheet --------------------------------------------------------------------------


def test_account_sheet_pages_balance_and_years_agree_with_sql(database: Database) -> None:
    for party_id, _number in customers_with_sales(database, 10):
        whole = account.entries(party_id, None, 10_000)
        paged: list[account.AccountEntry] = []
        page = account.entries(party_id, None, 3)
        while page:
            paged.extend(page)
            page = account.entries(party_id, paged[-1], 3)
        assert paged == whole
        keys = [entry.key for entry in whole]
        assert keys == sorted(keys)
        invoiced = sql_cents(
            database,
            "SELECT SUM(gross_total) FROM document WHERE party_id = ? AND kind = 'invoice' "
            "AND status <> 'cancelled'",
            (party_id,),
        )
        credited = sql_cents(
            database,
            "SELECT SUM(gross_total) FROM document WHERE party_id = ? AND kind = 'credit_note'",
            (party_id,),
        )
        paid = sql_cents(
            database, "SELECT SUM(amount) FROM payment WHERE party_id = ?", (party_id,)
        )
        balance = invoiced - credited - paid
        assert whole[-1].balance == balance
        assert (
            sum((entry.debit for entry in whole), Decimal(0))
            - sum((entry.credit for entry in whole), Decimal(0))
            == balance
        )
        # The demo's account balances with its open items.
        open_balance = sql_cents(
            database,
            "SELECT SUM(amount - paid) FROM open_item WHERE party_id = ? AND closed_at IS NULL",
            (party_id,),
        )
        assert balance == open_balance
        years = account.years(party_id)
        assert years[-1].balance == balance
        assert [year.year for year in years] == sorted({entry.day.year for entry in whole})
        for year in years:
            entries = [entry for entry in whole if entry.day.year == year.year]
            assert year.debit == sum((entry.debit for entry in entries), Decimal(0))
            assert year.credit == sum((entry.credit for entry in entries), Decimal(0))
            assert year.balance == entries[-1].balance


@pytest.fixture
def empty_party(db_path: Path) -> Party:
    return Party.create(number="1")


ledger_events = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "credit_note", "payment"]),
        st.integers(min_value=0, max_value=60),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=ledger_events, page=st.integers(min_value=1, max_value=7))
def test_running_balance_is_the_sum_so_far(
    empty_party: Party, events: list[tuple[str, int, Decimal]], page: int
) -> None:
    party = empty_party
    Payment.delete().execute()
    OpenItem.delete().execute()
    Document.delete().execute()
    start = date(2025, 1, 1)
    item = None
    for index, (kind, offset, amount) in enumerate(events):
        day = start + timedelta(days=offset)
        if kind == "payment" and item is not None:
            Payment.create(open_item=item, party=party, date=day, amount=amount)
            continue
        kind = "invoice" if kind == "payment" else kind
        document = Document.create(
            number=f"D{index}", kind=kind, party=party, date=day, gross_total=amount
        )
        item = item or OpenItem.create(document=document, party=party, amount=amount, due_date=day)
    entries: list[account.AccountEntry] = []
    chunk = account.entries(party.id, None, page)
    while chunk:
        entries.extend(chunk)
        chunk = account.entries(party.id, entries[-1], page)
    total = Decimal("0.00")
    for entry in entries:
        assert (entry.debit == 0) != (entry.credit == 0)
        total += entry.debit - entry.credit
        assert entry.balance == total
    assert [entry.key for entry in entries] == sorted(entry.key for entry in entries)
    assert len(entries) == Document.select().count() + Payment.select().count()
    years = account.years(party.id)
    assert (years[-1].balance if years else Decimal("0.00")) == total


# Reports --------------------------------------------------------------------------------


def invoices_by_party(database: Database) -> dict[int, list[tuple[str, str, int]]]:
    found: dict[int, list[tuple[str, str, int]]] = {}
    for party_id, kind, day, net in database.execute_sql(
        "SELECT party_id, kind, date, net_total FROM document "
        "WHERE kind IN ('invoice', 'credit_note') AND status <> 'cancelled'"
    ).fetchall():
        found.setdefault(int(party_id), []).append((kind, day, int(net)))
    return found


def test_lapsed_customers_match_a_plain_count(database: Database) -> None:
    report = reports.Lapsed(date(2025, 6, 1), date(2025, 1, 1))
    expected = []
    for party_id, docs in sorted(invoices_by_party(database).items()):
        days = [day for kind, day, _net in docs if kind == "invoice"]
        if days and min(days) < "2025-06-01" and max(days) < "2025-01-01":
            expected.append(party_id)
    rows: list[reports.CustomerRow] = []
    page = reports.lapsed(report, None, 7)
    while page:
        rows.extend(page)
        page = reports.lapsed(report, rows[-1], 7)
    assert [row.party_id for row in rows] == expected
    assert expected
    first = rows[0]
    total = sql_cents(database, REVENUE_SQL + " AND party_id = ?", (first.party_id,))
    assert first.revenue == total
    assert first.last_purchase is not None
    assert first.last_purchase < date(2025, 1, 1)


def test_customers_above_revenue_match_a_plain_count(database: Database) -> None:
    report = reports.AboveRevenue(date(2025, 6, 15), Decimal("2000.00"))
    sums: dict[int, int] = {}
    for party_id, docs in invoices_by_party(database).items():
        for kind, day, net in docs:
            if day >= "2025-06-15":
                sums[party_id] = sums.get(party_id, 0) + (net if kind == "invoice" else -net)
    expected = sorted(
        ((cents, party_id) for party_id, cents in sums.items() if cents >= 200_000),
        key=lambda pair: (-pair[0], pair[1]),
    )
    rows: list[reports.CustomerRow] = []
    page = reports.above_revenue(report, None, 5)
    while page:
        rows.extend(page)
        page = reports.above_revenue(report, rows[-1], 5)
    assert [(int(row.revenue * 100), row.party_id) for row in rows] == expected
    assert expected


def test_company_sales_agree_with_sql(database: Database) -> None:
    months = reports.company(reports.company_default(TODAY, 3))
    assert months[0].period == "2024-01"
    assert months[-1].period == "2026-06"
    for row in months:
        year, month = int(row.period[:4]), int(row.period[5:])
        end = date(year + (month == 12), month % 12 + 1, 1)
        expected = sql_cents(
            database,
            REVENUE_SQL + " AND date >= ? AND date < ?",
            (date(year, month, 1).isoformat(), end.isoformat()),
        )
        assert row.revenue == expected
    years = reports.company(reports.company_default(TODAY, 3, by_month=False))
    assert [row.period for row in years] == ["2024", "2025", "2026"]
    assert sum((row.revenue for row in months), Decimal(0)) == sum(
        (row.revenue for row in years), Decimal(0)
    )
    assert years[1].previous == years[0].revenue
    assert years[1].change == change(years[1].revenue, years[0].revenue)


def test_csv_export_writes_every_row(database: Database, tmp_path: Path) -> None:
    report = reports.Lapsed(date(2026, 1, 1), date(2026, 1, 1))
    path = tmp_path / "out" / "lapsed.csv"
    count = reports.write_csv(report, path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["number", "name", "city"]
    assert len(rows) - 1 == count > reports.PAGE // 10
    assert not list(tmp_path.glob("out/.*"))
    with pytest.raises(reports.ExportFailed):
        reports.write_csv(report, Path("/proc/no/such/dir/x.csv"))


# Command line ---------------------------------------------------------------------------


def test_sales_command_json(demo_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    database = open_database(demo_file)
    party_id, number = customers_with_sales(database, 2)[0]
    total = sql_cents(database, REVENUE_SQL + " AND party_id = ?", (party_id,))
    database.close()
    assert main(["--db", str(demo_file), "sales", number, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["revenue"] == f"{total:.2f}"
    assert all(isinstance(row["revenue"], str) for row in shown["years"])
    assert main(["--db", str(demo_file), "sales", "nope"]) == 1
    assert "nope" in capsys.readouterr().err


def test_report_command_csv(demo_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(demo_file), "report", "company", "--by", "year", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "period,revenue,previous_year,change_percent"
    assert len(lines) == 6
    assert main(["--db", str(demo_file), "report", "revenue", "--since", "x", "--min", "1"]) == 2


@pytest.mark.postgres
def test_the_same_figures_on_postgresql(pg_url: str, demo_file: Path) -> None:
    """The SQL of the figures runs on PostgreSQL and gives what SQLite gives for the same data."""
    lite = open_database(demo_file)
    party_id, number = customers_with_sales(lite, 2)[0]
    expected = sales.customer_sales(party_id, number, TODAY)
    expected_account = account.entries(party_id, None, 10_000)
    expected_years = account.years(party_id)
    company = reports.company(reports.company_default(TODAY, 3))
    lapsed_report = reports.Lapsed(date(2025, 6, 1), date(2025, 1, 1))
    lapsed = reports.lapsed(lapsed_report, None, 50)
    above_report = reports.AboveRevenue(date(2025, 6, 15), Decimal("2000.00"))
    above = reports.above_revenue(above_report, None, 50)
    lite.close()
    server = open_database(pg_url)
    migrate(server)
    demo.generate(server, 300, 3, today=TODAY)
    assert sales.customer_sales(party_id, number, TODAY) == expected
    assert account.entries(party_id, None, 10_000) == expected_account
    assert account.entries(party_id, expected_account[2], 10_000) == expected_account[3:]
    assert account.years(party_id) == expected_years
    assert reports.company(reports.company_default(TODAY, 3)) == company
    assert reports.lapsed(lapsed_report, None, 50) == lapsed
    assert (
        reports.lapsed(lapsed_report, lapsed[9], 50) == reports.lapsed(lapsed_report, None, 60)[10:]
    )
    assert reports.above_revenue(above_report, None, 50) == above
    assert reports.above_revenue(above_report, above[4], 3) == above[5:8]
