"""Lists of the sales statistics: articles bought, customers of a report, revenue per period."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tui_crm import formatting, i18n
from tui_crm.i18n import _
from tui_crm.services.reports import CustomerRow
from tui_crm.services.sales import ArticleSales, PeriodRevenue
from tui_crm.widgets.bar_chart import bar_text
from tui_crm.widgets.paged_list import Column, PagedList


def change_text(change: Decimal | None) -> str:
    """``+12,5 %`` / ``-3,0 %`` with the sign always written; ``-`` without a base.

    ASCII signs only: the Windows console fonts lack some of the typographic ones."""
    if change is None:
        return "-"
    from babel.numbers import format_decimal

    sign = "+" if change > 0 else "-" if change < 0 else "±"
    shown = format_decimal(abs(change), format="#,##0.0", locale=i18n.locale_name())
    return f"{sign}{shown} %"


def period_label(period: str) -> str:
    """``2026`` stays, ``2026-03`` becomes ``03/2026``."""
    return period if len(period) == 4 else f"{period[5:7]}/{period[:4]}"


class ArticleSalesList(PagedList[ArticleSales]):
    """Articles a customer bought, highest revenue first, with the last purchase."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No articles bought."), id=id)

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return (
            (_("Article"), 9, "left"),
            (_("Name"), -16, "left"),
            (_("Quantity"), 11, "right"),
            (_("Revenue"), 13, "right"),
            (_("Last bought"), 11, "left"),
        )

    def cells(self, row: ArticleSales) -> Sequence[str]:
        """The columns of one article."""
        quantity = row.quantity
        whole = quantity.to_integral_value()
        quantity = whole if quantity == whole else quantity.normalize()
        return (
            row.number,
            row.name,
            f"{formatting.number(quantity)} {row.unit}".strip(),
            formatting.money(row.revenue),
            formatting.day(row.last_purchase),
        )

    def identity(self, row: ArticleSales) -> object:
        """The article."""
        return (row.article_id, row.number)


class CustomerReportList(PagedList[CustomerRow]):
    """Customers of a report: number, name, city, revenue and purchase dates."""

    def __init__(self, *, first_purchase: bool, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No customer matches."), id=id)
        self.first_purchase = first_purchase
        """Whether the first purchase has a column (lapsed customers)."""

    def columns(self) -> Sequence[Column]:
        """The columns."""
        columns: list[Column] = [
            (_("Number"), 9, "left"),
            (_("Name"), -20, "left"),
            (_("City"), -12, "left"),
            (_("Revenue"), 15, "right"),
            (_("Last bought"), 12, "left"),
        ]
        if self.first_purchase:
            columns.insert(4, (_("First bought"), 12, "left"))
        return columns

    def cells(self, row: CustomerRow) -> Sequence[str]:
        """The columns of one customer."""
        name = f"{row.name} ({_('blocked')})" if row.blocked else row.name
        cells = [
            row.number,
            name,
            row.city,
            formatting.money(row.revenue),
            formatting.day(row.last_purchase),
        ]
        if self.first_purchase:
            cells.insert(4, formatting.day(row.first_purchase))
        return cells

    def row_style(self, row: CustomerRow) -> str:
        """Blocked customers stand out."""
        return "paged-list--alert" if row.blocked else ""

    def identity(self, row: CustomerRow) -> object:
        """The party."""
        return row.party_id


class PeriodList(PagedList[PeriodRevenue]):
    """Revenue per month or year, the same period a year before, the change and a bar."""

    BAR_WIDTH = 30
    """Cells of the longest bar."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No revenue."), id=id)
        self.largest = Decimal(0)
        """The largest revenue shown (the longest bar)."""

    def show(self, rows: Sequence[PeriodRevenue], *, more: bool = False, keep: bool = False) -> int:
        """Show ``rows``, scaled to the largest of them."""
        self.largest = max((abs(row.revenue) for row in rows), default=Decimal(0))
        return super().show(rows, more=more, keep=keep)

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return (
            (_("Period"), 9, "left"),
            (_("Revenue"), 17, "right"),
            (_("Year before"), 17, "right"),
            (_("Change"), 11, "right"),
            ("", self.BAR_WIDTH + 2, "left"),
        )

    def cells(self, row: PeriodRevenue) -> Sequence[str]:
        """The columns of one period."""
        return (
            period_label(row.period),
            formatting.money(row.revenue),
            formatting.money(row.previous),
            change_text(row.change),
            " " + bar_text(row.revenue, self.largest, self.BAR_WIDTH),
        )

    def identity(self, row: PeriodRevenue) -> object:
        """The period."""
        return row.period
