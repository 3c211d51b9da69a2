"""SalesPanel: the inquiry's sales tab: years, months as a bar chart, groups and articles."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.sales import CustomerSales, GroupSales, PeriodRevenue
from tui_crm.widgets.bar_chart import Bar, BarChart
from tui_crm.widgets.sales_lists import ArticleSalesList, change_text, period_label

UP = "$text-success"
"""Style of a rise."""

DOWN = "$text-error"
"""Style of a fall."""


def change_style(row: PeriodRevenue | GroupSales) -> str:
    """Green for a rise, red for a fall, plain otherwise."""
    if row.change is None or row.change == 0:
        return ""
    return UP if row.change > 0 else DOWN


def years_text(years: Sequence[PeriodRevenue], total: str) -> Content:
    """Revenue per year with the change against the year before; the total under it."""
    lines = [
        Content.styled(_("Revenue per year"), "bold $accent"),
        Content.styled(
            _("Year").ljust(6) + _("Revenue").rjust(16) + _("Change").rjust(11), "$text-muted"
        ),
    ]
    for row in years[::-1]:
        lines.append(
            Content.assemble(
                row.period.ljust(6),
                formatting.money(row.revenue).rjust(16),
                (change_text(row.change).rjust(11), change_style(row)),
            )
        )
    lines.append(Content.assemble((_("Total").ljust(6), "bold"), (total.rjust(16), "bold")))
    return Content("\n").join(lines)


def groups_text(groups: Sequence[GroupSales], year: int) -> Content:
    """Revenue per article group: this year, last year and the change."""
    name_width = 22
    lines = [
        Content.styled(_("Per article group"), "bold $accent"),
        Content.styled(
            _("Group").ljust(name_width)
            + str(year).rjust(14)
            + str(year - 1).rjust(14)
            + _("Change").rjust(11),
            "$text-muted",
        ),
    ]
    for row in groups:
        name = row.group if len(row.group) < name_width else row.group[: name_width - 2] + "…"
        lines.append(
            Content.assemble(
                name.ljust(name_width),
                formatting.money(row.this_year).rjust(14),
                formatting.money(row.last_year).rjust(14),
                (change_text(row.change).rjust(11), change_style(row)),
            )
        )
    if not groups:
        lines.append(Content(_("No articles bought.")))
    return Content("\n").join(lines)


def month_bars(months: Sequence[PeriodRevenue]) -> list[Bar]:
    """One bar per month with its change against the same month a year before."""
    return [
        Bar(
            period_label(row.period),
            row.revenue,
            formatting.money(row.revenue),
            change_text(row.change),
            change_style(row),
        )
        for row in months
    ]


class SalesPanel(Horizontal):
    """Years and the monthly chart (left); groups and the articles bought (right)."""

    DEFAULT_CSS = """
    SalesPanel {
        height: 1fr;
    }
    SalesPanel #sales-left {
        width: 48;
        height: 1fr;
        margin-right: 2;
    }
    SalesPanel #sales-right {
        width: 1fr;
        height: 1fr;
    }
    SalesPanel Static {
        height: auto;
        margin-bottom: 1;
    }
    """

    party_id: int | None = None
    """The party shown (None before the first :meth:`show`)."""

    def compose(self) -> ComposeResult:
        """The four parts."""
        with Vertical(id="sales-left"):
            yield Static("", id="sales-years")
            yield BarChart(_("Last 12 months"), bar_width=16, id="sales-chart")
        with Vertical(id="sales-right"):
            yield Static("", id="sales-groups")
            yield ArticleSalesList(id="sales-articles")

    def show(self, sales: CustomerSales) -> None:
        """Show the figures of ``sales``."""
        self.party_id = sales.party_id
        self.query_one("#sales-years", Static).update(
            years_text(sales.years, formatting.money(sales.total))
        )
        self.query_one(BarChart).show(month_bars(sales.months))
        self.query_one("#sales-groups", Static).update(groups_text(sales.groups, sales.today.year))
        self.query_one(ArticleSalesList).show(sales.articles, keep=True)
