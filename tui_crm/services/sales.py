"""Sales statistics of one customer: revenue per year and month with the change against the
same period a year before, per article and article group, and the articles bought.

**Revenue** is net (without VAT): the net totals of the customer's invoices minus those of
their credit notes, cancelled documents left out, counted on the document date. Quotes,
orders and delivery notes are not revenue. Sums run in SQL on integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tui_crm.db import ledger
from tui_crm.db.connection import db
from tui_crm.db.models import DocumentLine, Party
from tui_crm.errors import CrmError
from tui_crm.i18n import _

CENT = Decimal("0.01")
"""One cent."""

PERCENT_PLACES = Decimal("0.1")
"""Changes are shown to a tenth of a percent."""

CHART_MONTHS = 12
"""Months the monthly figures go back (the current one included)."""


class SalesPartyNotFound(CrmError):
    """No customer or prospect has the number."""


def cents(value: int) -> Decimal:
    """Integer cents as an exact Decimal with two places."""
    return (Decimal(int(value)) / 100).quantize(CENT)


def change(current: Decimal, previous: Decimal) -> Decimal | None:
    """The change from ``previous`` to ``current`` in percent, to a tenth, half up.

    A change against nothing (``previous`` zero) is None: it has no percentage. A negative
    ``previous`` (more credited than invoiced) is the base by its size, so a rise is always
    a positive change.
    """
    if previous == 0:
        return None
    return ((current - previous) * 100 / abs(previous)).quantize(
        PERCENT_PLACES, rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True, slots=True)
class PeriodRevenue:
    """Revenue of a month or a year and the change against the same period a year before."""

    period: str
    """``2026`` or ``2026-03``."""
    revenue: Decimal
    """Net revenue of the period."""
    previous: Decimal
    """Net revenue of the same period a year before."""
    change: Decimal | None
    """Percent change against ``previous`` (None when that was zero)."""


@dataclass(frozen=True, slots=True)
class ArticleSales:
    """What a customer bought of one article."""

    article_id: int | None
    """The article, or None for lines without one (free text)."""
    number: str
    """Article number (empty without an article)."""
    name: str
    """Article name."""
    unit: str
    """Unit of the quantity."""
    group: str
    """Article group name (empty without one)."""
    quantity: Decimal
    """Quantity invoiced minus quantity credited."""
    revenue: Decimal
    """Net revenue, all years."""
    this_year: Decimal
    """Net revenue of the current year."""
    last_year: Decimal
    """Net revenue of the year before."""
    last_purchase: date | None
    """Date of the latest invoice with the article."""


@dataclass(frozen=True, slots=True)
class GroupSales:
    """Revenue of one article group with the current year against the year before."""

    group: str
    """Article group name (``(no group)`` for articles without one)."""
    revenue: Decimal
    """Net revenue, all years."""
    this_year: Decimal
    """Net revenue of the current year."""
    last_year: Decimal
    """Net revenue of the year before."""
    change: Decimal | None
    """Percent change of this year against last year."""


@dataclass(frozen=True, slots=True)
class CustomerSales:
    """Everything the sales tab and ``tui-crm sales`` show."""

    party_id: int
    """The party."""
    number: str
    """Its number."""
    today: date
    """The day the figures were counted on."""
    total: Decimal
    """Net revenue of all years."""
    years: tuple[PeriodRevenue, ...]
    """Every year from the first with revenue to this one, oldest first."""
    months: tuple[PeriodRevenue, ...]
    """The last :data:`CHART_MONTHS` months, this one included, oldest first."""
    groups: tuple[GroupSales, ...]
    """Article groups, highest revenue first."""
    articles: tuple[ArticleSales, ...]
    """Articles bought, highest revenue first (the top articles lead)."""


def month_keys(today: date, count: int) -> list[str]:
    """``YYYY-MM`` of the ``count`` months up to and including ``today``'s, oldest first."""
    keys = []
    year, month = today.year, today.month
    for _index in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def previous_key(key: str) -> str:
    """The same period a year before (``2026-03`` → ``2025-03``, ``2026`` → ``2025``)."""
    return f"{int(key[:4]) - 1:04d}{key[4:]}"


def periods(revenue: dict[str, int], keys: list[str]) -> tuple[PeriodRevenue, ...]:
    """``keys`` with their revenue from ``revenue`` (cents by period) and the change."""
    rows = []
    for key in keys:
        current = cents(revenue.get(key, 0))
        previous = cents(revenue.get(previous_key(key), 0))
        rows.append(PeriodRevenue(key, current, previous, change(current, previous)))
    return tuple(rows)


def party_id_of(number: str) -> int:
    """The id of the party with ``number``.

    Raises:
        SalesPartyNotFound: No party has it.
    """
    row = Party.select(Party.id).where(Party.number == number).tuples().first()
    if row is None:
        raise SalesPartyNotFound(
            _("No customer or prospect has the number {number}.").format(number=number),
            title=_("Sales"),
        )
    return int(row[0])


def customer_sales(party_id: int, number: str, today: date) -> CustomerSales:
    """Count the sales of one party (two queries, both on the party's documents).

    Args:
        party_id: The party.
        number: Its number (carried into the result).
        today: The current day: the current year and month.
    """
    database = db.obj
    by_month = ledger.party_months(database, party_id)
    monthly = dict(by_month)
    yearly: dict[str, int] = {}
    for key, value in by_month:
        yearly[key[:4]] = yearly.get(key[:4], 0) + value
    first = min((int(key) for key in yearly), default=today.year)
    years = periods(yearly, [str(year) for year in range(first, today.year + 1)])
    months = periods(monthly, month_keys(today, CHART_MONTHS))
    articles = []
    groups: dict[str, list[int]] = {}
    this_year = date(today.year, 1, 1)
    scale = DocumentLine.quantity.to_decimal
    for row in ledger.party_articles(database, party_id, this_year):
        article_id, art_number, name, unit, _code, group, quantity, total, now, before, last = row
        group_name = str(group or "")
        articles.append(
            ArticleSales(
                article_id=None if article_id is None else int(article_id),
                number=str(art_number or ""),
                name=str(name or _("(no article)")),
                unit=str(unit or ""),
                group=group_name,
                quantity=scale(int(quantity or 0)),
                revenue=cents(total or 0),
                this_year=cents(now or 0),
                last_year=cents(before or 0),
                last_purchase=None if last is None else ledger.as_date(last),
            )
        )
        sums = groups.setdefault(group_name or _("(no group)"), [0, 0, 0])
        sums[0] += int(total or 0)
        sums[1] += int(now or 0)
        sums[2] += int(before or 0)
    articles.sort(key=lambda row: (-row.revenue, row.number))
    group_rows = sorted(
        (
            GroupSales(
                name,
                cents(total),
                cents(now),
                cents(before),
                change(cents(now), cents(before)),
            )
            for name, (total, now, before) in groups.items()
        ),
        key=lambda row: (-row.revenue, row.group),
    )
    return CustomerSales(
        party_id=party_id,
        number=number,
        today=today,
        total=cents(sum(yearly.values())),
        years=years,
        months=months,
        groups=tuple(group_rows),
        articles=tuple(articles),
    )


def sales_by_number(number: str, today: date) -> CustomerSales:
    """:func:`customer_sales` of the party with ``number``.

    Raises:
        SalesPartyNotFound: No party has the number.
    """
    return customer_sales(party_id_of(number), number, today)
