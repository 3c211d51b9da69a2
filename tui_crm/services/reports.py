"""Sales reports over all customers: lapsed customers, customers above a revenue, and the
company's sales per month or year with the change against a year before; CSV export.

Revenue is net, invoices minus credit notes (see :mod:`tui_crm.services.sales`). The
customer lists are read in keyset pages; the export pages through the whole result.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from tui_crm.db import ledger
from tui_crm.db.connection import db
from tui_crm.errors import CrmError
from tui_crm.i18n import _
from tui_crm.services.sales import PeriodRevenue, cents, periods

PAGE = 200
"""Rows per page of a customer list."""

COMPANY_YEARS = 5
"""Years the company sales cover by default (the current one included)."""


class ExportFailed(CrmError):
    """The CSV file could not be written."""


@dataclass(frozen=True, slots=True)
class Lapsed:
    """Customers who bought before ``bought_before`` and nothing on or after ``nothing_since``."""

    bought_before: date
    """An invoice before this day."""
    nothing_since: date
    """No invoice on or after this day."""

    name = "lapsed"
    """The report's name (CSV file name, CLI)."""


@dataclass(frozen=True, slots=True)
class AboveRevenue:
    """Customers whose net revenue since ``since`` is at least ``minimum``."""

    since: date
    """First day counted."""
    minimum: Decimal
    """Least revenue."""

    name = "revenue"
    """The report's name."""


@dataclass(frozen=True, slots=True)
class CompanySales:
    """The company's net revenue per month or year of ``first_year`` … ``last_year``."""

    first_year: int
    """First year shown."""
    last_year: int
    """Last year shown (the current one)."""
    by_month: bool = True
    """Months (True) or years."""
    last_month: int = 12
    """Last month shown of ``last_year`` (the current one: no months still to come)."""

    name = "company"
    """The report's name."""


Report = Lapsed | AboveRevenue | CompanySales
"""Any of the reports."""


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customer in a report list."""

    party_id: int
    """The party."""
    number: str
    """Customer number."""
    name: str
    """Company, else first and last name."""
    city: str
    """City."""
    blocked: bool
    """Blocked for credit."""
    revenue: Decimal
    """Net revenue (lapsed: of all time; above revenue: since the day asked)."""
    first_purchase: date | None
    """Date of the first invoice (lapsed customers only)."""
    last_purchase: date | None
    """Date of the latest invoice."""

    @property
    def key(self) -> tuple[int, int]:
        """The keyset position: ``(revenue cents, party id)``."""
        return (int(self.revenue * 100), self.party_id)


def company_default(today: date, years: int = COMPANY_YEARS, by_month: bool = True) -> CompanySales:
    """The company sales of the last ``years`` years up to ``today``'s."""
    return CompanySales(today.year - years + 1, today.year, by_month, today.month)


def _customers(rows: list[tuple[int, int, object, object]]) -> list[CustomerRow]:
    """``(party_id, revenue cents, first, last)`` rows with their parties' names."""
    found = ledger.parties(db.obj, [row[0] for row in rows])
    result = []
    for party_id, revenue, first, last in rows:
        number, company, first_name, last_name, city, blocked = found[int(party_id)]
        person = " ".join(part for part in (first_name, last_name) if part)
        result.append(
            CustomerRow(
                party_id=int(party_id),
                number=str(number),
                name=str(company or person),
                city=str(city),
                blocked=bool(blocked),
                revenue=cents(int(revenue or 0)),
                first_purchase=None if first is None else ledger.as_date(first),
                last_purchase=None if last is None else ledger.as_date(last),
            )
        )
    return result


def lapsed(
    report: Lapsed, after: CustomerRow | None = None, limit: int = PAGE
) -> list[CustomerRow]:
    """A page of lapsed customers in customer id order."""
    rows = ledger.lapsed_page(
        db.obj,
        report.bought_before,
        report.nothing_since,
        0 if after is None else after.party_id,
        limit,
    )
    return _customers([(row[0], row[3], row[1], row[2]) for row in rows])


def above_revenue(
    report: AboveRevenue, after: CustomerRow | None = None, limit: int = PAGE
) -> list[CustomerRow]:
    """A page of the customers above the revenue, highest revenue first."""
    minimum = int(report.minimum * 100)
    rows = ledger.revenue_page(
        db.obj, report.since, minimum, None if after is None else after.key, limit
    )
    return _customers([(row[0], row[1], None, row[2]) for row in rows])


def customers(
    report: Report, after: CustomerRow | None = None, limit: int = PAGE
) -> list[CustomerRow]:
    """A page of a customer report (lapsed or above revenue)."""
    if isinstance(report, Lapsed):
        return lapsed(report, after, limit)
    if isinstance(report, AboveRevenue):
        return above_revenue(report, after, limit)
    raise TypeError(f"{report.name} is not a customer list")


def company(report: CompanySales) -> list[PeriodRevenue]:
    """The company's revenue per period, each with the same period a year before (one
    query over the covering index, from January of the year before ``first_year``)."""
    length = 7 if report.by_month else 4
    rows = ledger.company_periods(
        db.obj, date(report.first_year - 1, 1, 1), date(report.last_year + 1, 1, 1), length
    )
    revenue: dict[str, int] = dict(rows)
    if report.by_month:
        keys = [
            f"{year:04d}-{month:02d}"
            for year in range(report.first_year, report.last_year + 1)
            for month in range(1, 13)
            if (year, month) <= (report.last_year, report.last_month)
        ]
    else:
        keys = [str(year) for year in range(report.first_year, report.last_year + 1)]
    return list(periods(revenue, keys))


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def csv_rows(report: Report) -> Iterator[list[str]]:
    """The header and every row of ``report`` as CSV fields (amounts ``1234.56``, dates ISO)."""
    if isinstance(report, CompanySales):
        yield ["period", "revenue", "previous_year", "change_percent"]
        for period in company(report):
            yield [
                period.period,
                _money(period.revenue),
                _money(period.previous),
                _money(period.change),
            ]
        return
    header = ["number", "name", "city", "blocked", "revenue", "last_purchase"]
    if isinstance(report, Lapsed):
        header.insert(5, "first_purchase")
    yield header
    after: CustomerRow | None = None
    while True:
        page = customers(report, after, PAGE)
        for row in page:
            fields = [
                row.number,
                row.name,
                row.city,
                "yes" if row.blocked else "no",
                _money(row.revenue),
                _day(row.last_purchase),
            ]
            if isinstance(report, Lapsed):
                fields.insert(5, _day(row.first_purchase))
            yield fields
        if len(page) < PAGE:
            return
        after = page[-1]


def write_csv(report: Report, path: Path) -> int:
    """Write ``report`` to ``path`` (UTF-8, comma-separated, a header line); return the rows.

    The file is written beside ``path`` first and renamed into place, so a failed export
    leaves no half file.

    Raises:
        ExportFailed: The folder is missing or not writable.
    """
    temporary = path.with_name(f".{path.name}.part")
    count = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for fields in csv_rows(report):
                writer.writerow(fields)
                count += 1
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ExportFailed(
            _("Cannot write {path}: {reason}").format(path=path, reason=error.strerror or error),
            title=_("Export"),
        ) from None
    return count - 1


def default_file(folder: Path, report: Report, today: date) -> Path:
    """``<folder>/<report>-<today>.csv``."""
    return folder / f"{report.name}-{today.isoformat()}.csv"
