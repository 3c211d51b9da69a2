"""``tui-crm sales NUMBER`` and ``tui-crm report lapsed|revenue|company``: the sales figures
of a customer and the sales reports, as text, JSON (``sales``) or CSV (``report``)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_crm.config import Settings


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``sales`` and ``report``."""
    sales = commands.add_parser(
        "sales", parents=[common], help="a customer's revenue per year, month, group, article"
    )
    sales.add_argument("number", help="customer number")
    sales.add_argument("--json", action="store_true", help="JSON, amounts as strings")
    sales.set_defaults(run=sales_command)

    report = commands.add_parser("report", parents=[common], help="sales reports")
    kinds = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    lapsed = kinds.add_parser(
        "lapsed", parents=[common], help="bought before a day, nothing since another"
    )
    lapsed.add_argument("--before", required=True, metavar="DATE", help="an invoice before")
    lapsed.add_argument("--since", required=True, metavar="DATE", help="no invoice on or after")
    revenue = kinds.add_parser(
        "revenue", parents=[common], help="customers with revenue since a day above an amount"
    )
    revenue.add_argument("--since", required=True, metavar="DATE")
    revenue.add_argument("--min", required=True, metavar="AMOUNT", dest="minimum")
    company = kinds.add_parser("company", parents=[common], help="company sales with % change")
    company.add_argument("--years", type=int, default=5, metavar="N")
    company.add_argument("--by", choices=("month", "year"), default="month")
    for parser in (lapsed, revenue, company):
        parser.add_argument("--csv", action="store_true", help="CSV with a header line")
        parser.set_defaults(run=report_command)


def _amount(value: Decimal | None) -> str | None:
    """An amount (or a percentage) as a string with its places, None as None."""
    return None if value is None else f"{value:.2f}"


def sales_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print the sales figures of a customer; exit 1 when the number is unknown."""
    from tui_crm.cli import _database_errors, open_checked
    from tui_crm.services import sales

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        figures = sales.sales_by_number(args.number, date.today())
        if args.json:
            import json

            print(json.dumps(_sales_json(figures), ensure_ascii=False, indent=2))
            return 0
        print(f"{figures.number}: revenue {figures.total:.2f} (net, invoices minus credit notes)")
        print("year\trevenue\tprevious\tchange %")
        for row in figures.years:
            print(
                f"{row.period}\t{row.revenue:.2f}\t{row.previous:.2f}\t{_amount(row.change) or '-'}"
            )
        print("month\trevenue\tprevious\tchange %")
        for row in figures.months:
            print(
                f"{row.period}\t{row.revenue:.2f}\t{row.previous:.2f}\t{_amount(row.change) or '-'}"
            )
        year = figures.today.year
        print(f"group\t{year}\t{year - 1}\tchange %\tall years")
        for group in figures.groups:
            print(
                f"{group.group}\t{group.this_year:.2f}\t{group.last_year:.2f}\t"
                f"{_amount(group.change) or '-'}\t{group.revenue:.2f}"
            )
        print("article\tname\tquantity\tunit\trevenue\tlast purchase")
        for article in figures.articles:
            last = article.last_purchase.isoformat() if article.last_purchase else "-"
            print(
                f"{article.number}\t{article.name}\t{article.quantity}\t{article.unit}\t"
                f"{article.revenue:.2f}\t{last}"
            )
        return 0

    return _database_errors(target, step)


def _sales_json(figures: Any) -> dict[str, Any]:
    """The figures as JSON values: amounts and percentages as strings with two places."""

    def period(row: Any) -> dict[str, Any]:
        return {
            "period": row.period,
            "revenue": _amount(row.revenue),
            "previous": _amount(row.previous),
            "change_percent": _amount(row.change),
        }

    return {
        "number": figures.number,
        "date": figures.today.isoformat(),
        "revenue": _amount(figures.total),
        "years": [period(row) for row in figures.years],
        "months": [period(row) for row in figures.months],
        "groups": [
            {
                "group": group.group,
                "revenue": _amount(group.revenue),
                "this_year": _amount(group.this_year),
                "last_year": _amount(group.last_year),
                "change_percent": _amount(group.change),
            }
            for group in figures.groups
        ],
        "articles": [
            {
                "number": article.number,
                "name": article.name,
                "group": article.group,
                "quantity": str(article.quantity),
                "unit": article.unit,
                "revenue": _amount(article.revenue),
                "this_year": _amount(article.this_year),
                "last_year": _amount(article.last_year),
                "last_purchase": article.last_purchase.isoformat()
                if article.last_purchase
                else None,
            }
            for article in figures.articles
        ],
    }


def report_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print a report as tab-separated text or CSV; exit 2 on a bad date or amount."""
    import csv

    from tui_crm.cli import _database_errors, open_checked
    from tui_crm.services import reports, validation

    today = date.today()
    report: reports.Report
    if args.report == "lapsed":
        report = reports.Lapsed(
            validation.day(args.before, today), validation.day(args.since, today)
        )
    elif args.report == "revenue":
        report = reports.AboveRevenue(
            validation.day(args.since, today), validation.amount(args.minimum)
        )
    else:
        years = validation.whole_number(str(args.years), 1, 50)
        report = reports.company_default(today, years, args.by == "month")
    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        if args.csv:
            writer = csv.writer(sys.stdout)
            writer.writerows(reports.csv_rows(report))
        else:
            for fields in reports.csv_rows(report):
                print("\t".join(fields))
        return 0

    return _database_errors(target, step)
