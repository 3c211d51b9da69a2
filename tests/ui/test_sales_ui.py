"""The inquiry's account sheet and sales tabs and the reports screen, with the real keys, on a
demo database; what the screen shows is checked against direct SQL sums."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Label, Static

from tui_crm import formatting
from tui_crm.app import CrmApp
from tui_crm.config import Settings
from tui_crm.db.connection import db, open_database
from tui_crm.db.migrations import migrate
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.reports import ExportModal, ReportsScreen
from tui_crm.services import demo, reports, sales
from tui_crm.services.customers import ensure_clerk
from tui_crm.widgets.account_list import AccountList
from tui_crm.widgets.bar_chart import FULL, HALF
from tui_crm.widgets.party_tabs import PartyTabs
from tui_crm.widgets.sales_lists import ArticleSalesList, CustomerReportList, PeriodList

TODAY = date(2026, 6, 15)
SIZE = (120, 36)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo of 200 parties (seed 7, fixed today), made once and copied per test."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    database = open_database(path)
    migrate(database)
    demo.generate(database, 200, 7, today=TODAY)
    database.close()
    return path


@pytest.fixture
def demo_app(demo_template: Path, tmp_path: Path) -> Iterator[CrmApp]:
    """The app on a copy of the demo, its day fixed."""
    path = tmp_path / "crm.sqlite"
    shutil.copy(demo_template, path)
    database = open_database(path)
    with db.atomic():
        clerk = ensure_clerk("alice")
    yield CrmApp(Settings(database=str(path), clerk="alice"), clerk, today=TODAY)
    database.close()


def scalar(sql: str, params: tuple[object, ...] = ()) -> int:
    return int(db.execute_sql(sql, params).fetchone()[0] or 0)


def money(cents: int) -> str:
    return formatting.money((Decimal(cents) / 100).quantize(Decimal("0.01")))


def good_customer() -> tuple[int, str]:
    """A customer with invoices this year and last year, and a credit note if there is one."""
    row = db.execute_sql(
        "SELECT p.id, p.number FROM party p WHERE "
        "EXISTS (SELECT 1 FROM document d WHERE d.party_id = p.id AND d.kind = 'invoice' "
        "AND d.date >= '2026-01-01') AND EXISTS (SELECT 1 FROM document d WHERE "
        "d.party_id = p.id AND d.kind = 'invoice' AND d.date < '2026-01-01') "
        "ORDER BY (SELECT COUNT(*) FROM document d WHERE d.party_id = p.id "
        "AND d.kind = 'credit_note') DESC, p.id LIMIT 1"
    ).fetchone()
    return int(row[0]), str(row[1])


async def settle(app: CrmApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_until_complete()
    await app.workers.wait_for_complete()


def text_of(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def test_sales_tab_shows_what_sql_sums(demo_app: CrmApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        party_id, number = good_customer()
        await pilot.press(*number, "enter")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, InquiryScreen)
        await pilot.press("f6", "f6", "f6", "f6")  # back past letters, documents, notes: sales
        await settle(app)
        assert screen.query_one(PartyTabs).active == "tab-sales"
        revenue = (
            "SELECT SUM(CASE WHEN kind = 'invoice' THEN net_total ELSE -net_total END) "
            "FROM document WHERE party_id = ? AND kind IN ('invoice', 'credit_note') "
            "AND status <> 'cancelled'"
        )
        years = text_of(screen, "#sales-years")
        assert "Revenue per year" in years
        total_line = years.splitlines()[-1]
        assert total_line.split() == ["Total", money(scalar(revenue, (party_id,)))]
        this_year = scalar(revenue + " AND date >= '2026-01-01'", (party_id,))
        year_line = next(line for line in years.splitlines() if line.startswith("2026"))
        assert money(this_year) in year_line
        chart = text_of(screen, "#sales-chart")
        assert "Last 12 months" in chart
        assert "06/2026" in chart
        assert "07/2025" in chart
        assert FULL in chart or HALF in chart
        articles = screen.query_one(ArticleSalesList)
        distinct = scalar(
            "SELECT COUNT(DISTINCT l.article_id) FROM document_line l JOIN document d "
            "ON d.id = l.document_id WHERE d.party_id = ? AND d.kind IN ('invoice', "
            "'credit_note')",
            (party_id,),
        )
        assert len(articles.rows) == distinct
        assert articles.has_focus
        assert "Per article group" in text_of(screen, "#sales-groups")


async def test_account_tab_shows_the_running_balance(demo_app: CrmApp) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        party_id, number = good_customer()
        await pilot.press(*number, "enter")
        await settle(app)
        screen = app.screen
        await pilot.press("f6", "f6", "f6", "f6", "f6")  # to the account sheet
        await settle(app)
        assert screen.query_one(PartyTabs).active == "tab-account"
        entries = screen.query_one(AccountList)
        assert entries.has_focus
        invoiced = scalar(
            "SELECT SUM(gross_total) FROM document WHERE party_id = ? AND kind = 'invoice'",
            (party_id,),
        )
        credited = scalar(
            "SELECT SUM(gross_total) FROM document WHERE party_id = ? AND kind = 'credit_note'",
            (party_id,),
        )
        paid = scalar("SELECT SUM(amount) FROM payment WHERE party_id = ?", (party_id,))
        count = scalar(
            "SELECT COUNT(*) FROM document WHERE party_id = ? AND kind IN ('invoice', "
            "'credit_note')",
            (party_id,),
        ) + scalar("SELECT COUNT(*) FROM payment WHERE party_id = ?", (party_id,))
        assert len(entries.rows) == count
        await pilot.press("end")
        last_line = entries.line_text(entries.rows[-1])
        assert last_line.rstrip().endswith(money(invoiced - credited - paid))
        assert "Balance" in entries.header_text()
        years = text_of(screen, "#account-years")
        assert "Totals per year" in years
        assert years.splitlines()[-1].split()[0] == "2026"
        assert money(invoiced - credited - paid) in years.splitlines()[-1]
        await pilot.press("f7")  # and forward again
        assert screen.query_one(PartyTabs).active == "tab-sales"


async def test_reports_screen_from_the_start_screen(demo_app: CrmApp, tmp_path: Path) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+r")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        lapsed = screen.query_one("#lapsed-list", CustomerReportList)
        assert lapsed.rows
        assert isinstance(app.focused, Input)
        assert app.focused.id == "lapsed-before"
        await pilot.press("home", "shift+end", *"01.01.2024", "tab")
        await pilot.press("home", "shift+end", *"01.01.2024", "enter")
        await settle(app)
        expected = reports.lapsed(reports.Lapsed(date(2024, 1, 1), date(2024, 1, 1)), None, 201)
        assert [row.number for row in lapsed.rows] == [row.number for row in expected][:200]
        status = str(screen.query_one("#lapsed-status", Label).render())
        assert f"{len(lapsed.rows)} customers" in status

        await pilot.press("home", "shift+end", *"31.02.2024", "enter")
        await settle(app)
        assert screen.query_one("#lapsed-status", Label).has_class("-error")
        assert "No such day" in str(screen.query_one("#lapsed-status", Label).render())

        await pilot.press("f7")
        await settle(app)
        assert screen.active == "revenue"
        above = screen.query_one("#revenue-list", CustomerReportList)
        expected_above = reports.above_revenue(
            reports.AboveRevenue(date(2026, 1, 1), Decimal("1000")), None, 200
        )
        assert [row.number for row in above.rows] == [row.number for row in expected_above]
        assert above.rows

        await pilot.press("f7", "f8")  # company sales, per year
        await settle(app)
        assert screen.active == "company"
        periods = screen.query_one("#company-list", PeriodList)
        assert [row.period for row in periods.rows] == ["2026", "2025", "2024", "2023", "2022"]
        total = scalar(
            "SELECT SUM(CASE WHEN kind = 'invoice' THEN net_total ELSE -net_total END) "
            "FROM document WHERE kind IN ('invoice', 'credit_note') AND status <> 'cancelled' "
            "AND date >= '2022-01-01' AND date < '2027-01-01'"
        )
        status = str(screen.query_one("#company-status", Label).render())
        assert money(total) in status

        await pilot.press("alt+e")
        assert isinstance(app.screen, ExportModal)
        await pilot.press("enter")
        await settle(app)
        written = tmp_path / "data" / "documents" / "company-2026-06-15.csv"
        with written.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["period", "revenue", "previous_year", "change_percent"]
        assert len(rows) == 6
        assert "rows written" in str(screen.query_one("#company-status", Label).render())

        await pilot.press("f6")  # back to the customers by revenue; Enter opens one
        await settle(app)
        above.focus()
        await pilot.press("down", "enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert app.screen.number == above.rows[1].number


async def test_export_can_be_cancelled_and_reports_come_from_the_palette(
    demo_app: CrmApp, tmp_path: Path
) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Reports")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("alt+e")
        assert isinstance(app.screen, ExportModal)
        await pilot.press("escape")
        assert isinstance(app.screen, ReportsScreen)
        assert not (tmp_path / "data" / "documents").exists()
        await pilot.press("alt+m")  # the alternate of F8: company sales, per year
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert screen.active == "company"
        assert len(screen.query_one("#company-list", PeriodList).rows) == 5
        await pilot.press("f5")
        await settle(app)
        assert len(screen.query_one("#company-list", PeriodList).rows) == 5
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportsScreen)


async def test_figures_arriving_after_esc_are_dropped(demo_app: CrmApp) -> None:
    """Enter then Esc at once: the sales and account figures read ahead arrive for a screen
    that is gone and are dropped (filling its panels crashed the app once)."""
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        party_id, number = good_customer()
        await pilot.press(*number, "enter")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, InquiryScreen)
        with db.connection_context():
            figures = sales.customer_sales(party_id, number, app.today)
        await pilot.press("escape")
        await settle(app)
        assert not screen.is_attached
        screen._tabs_loaded.clear()  # as if the figures had not arrived yet
        await screen.figures_read(figures, [], [])
        await screen.show_sales(figures)
        await screen.show_account(party_id, [], [])
        assert app.is_running
        assert not isinstance(app.screen, InquiryScreen)
