"""Snapshot of the sales tab's figures and bar chart in the 16-colour theme (the look of the
block characters and the colours of rises and falls with only the ANSI palette)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult

from tui_crm import i18n, themes
from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate
from tui_crm.services import demo, sales
from tui_crm.services.sales import CustomerSales
from tui_crm.widgets.sales_panel import SalesPanel

TODAY = date(2026, 6, 15)


class SalesApp(App[None]):
    """Only the sales panel, in the 16-colour theme, showing fixed figures."""

    def __init__(self, figures: CustomerSales) -> None:
        super().__init__()
        self.figures = figures
        for theme in themes.ALL:
            self.register_theme(theme)
        self.theme = "tui-crm-16"

    def compose(self) -> ComposeResult:
        yield SalesPanel(id="sales")

    def on_mount(self) -> None:
        self.query_one(SalesPanel).show(self.figures)


def test_sales_chart_in_sixteen_colours(snap_compare: Any, tmp_path: Path) -> None:
    i18n.setup("en")
    database = open_database(tmp_path / "crm.sqlite")
    migrate(database)
    demo.generate(database, 200, 7, today=TODAY)
    row = database.execute_sql(
        "SELECT party_id, COUNT(DISTINCT substr(date, 1, 7)) AS n FROM document "
        "WHERE kind = 'invoice' AND date >= '2024-07-01' GROUP BY party_id "
        "ORDER BY n DESC, party_id LIMIT 1"
    ).fetchone()
    number = database.execute_sql("SELECT number FROM party WHERE id = ?", (row[0],)).fetchone()
    figures = sales.customer_sales(int(row[0]), str(number[0]), TODAY)
    database.close()
    assert snap_compare(SalesApp(figures), terminal_size=(120, 30))
