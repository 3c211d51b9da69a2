"""``tui-crm open-items`` and ``tui-crm dunning-run``: open items and dunning for scripts."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from tui_crm.config import Settings
    from tui_crm.services.open_items import OpenItemRow

CSV_COLUMNS = (
    "customer",
    "name",
    "blocked",
    "invoice",
    "kind",
    "date",
    "due_date",
    "days_overdue",
    "amount",
    "paid",
    "balance",
    "dunning_level",
    "last_dunning_date",
    "clerk",
)
"""Columns of ``open-items --csv`` (and the keys of each JSON item)."""


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``open-items`` and ``dunning-run``."""
    items = commands.add_parser(
        "open-items", parents=[common], help="unpaid invoices with their totals"
    )
    items.add_argument("--overdue", action="store_true", help="only items past their due date")
    items.add_argument("--customer", metavar="NUMBER", help="only this customer's items")
    output = items.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="CSV with a header line")
    output.add_argument("--json", action="store_true", help="JSON (amounts as strings)")
    items.set_defaults(run=open_items_command)

    dunning = commands.add_parser(
        "dunning-run", parents=[common], help="raise the items due to their next dunning level"
    )
    dunning.add_argument(
        "--dry-run", action="store_true", help="only list what would be raised; write nothing"
    )
    dunning.add_argument(
        "--no-letters",
        action="store_true",
        help="raise the levels without writing the dunning letters",
    )
    dunning.set_defaults(run=dunning_run_command)


def _record(row: OpenItemRow, today: date) -> dict[str, object]:
    """One item as a CSV row or JSON object: ISO dates, amounts with two decimals."""
    return {
        "customer": row.party_number,
        "name": row.party_name,
        "blocked": row.blocked,
        "invoice": row.document_number,
        "kind": row.kind,
        "date": row.document_date.isoformat(),
        "due_date": row.due_date.isoformat(),
        "days_overdue": row.days_overdue(today),
        "amount": f"{row.amount:.2f}",
        "paid": f"{row.paid:.2f}",
        "balance": f"{row.balance:.2f}",
        "dunning_level": row.dunning_level,
        "last_dunning_date": row.last_dunning_date.isoformat() if row.last_dunning_date else None,
        "clerk": row.clerk,
    }


def open_items_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm open-items [--overdue] [--customer NUMBER] [--csv|--json]``."""
    from datetime import date

    from tui_crm.cli import _database_errors, error, open_checked
    from tui_crm.services import documents, open_items

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        today = date.today()
        party_id = None
        if args.customer:
            party_id = documents.party_id_by_number(args.customer)
            if party_id is None:
                error(f"no customer {args.customer}")
                return 1
        filters = open_items.OpenItemFilter(overdue=args.overdue, party_id=party_id)
        rows = open_items.iter_open_items(filters, today)
        if args.json:
            import json

            records = [_record(row, today) for row in rows]
            sums = open_items.totals(filters, today)
            print(
                json.dumps(
                    {
                        "items": records,
                        "totals": {
                            "count": sums.count,
                            "amount": f"{sums.amount:.2f}",
                            "paid": f"{sums.paid:.2f}",
                            "balance": f"{sums.balance:.2f}",
                        },
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return 0
        if args.csv:
            import csv

            writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                record = _record(row, today)
                record["blocked"] = "true" if row.blocked else "false"
                writer.writerow(record)
            return 0
        for row in rows:
            flag = " BLOCKED" if row.blocked else ""
            print(
                f"{row.party_number}\t{row.party_name}{flag}\t{row.document_number}\t"
                f"{row.due_date.isoformat()}\t{row.days_overdue(today)}\t{row.amount:.2f}\t"
                f"{row.paid:.2f}\t{row.balance:.2f}\t{row.dunning_level}"
            )
        sums = open_items.totals(filters, today)
        print(
            f"total\t{sums.count} items\tamount {sums.amount:.2f}\tpaid {sums.paid:.2f}\t"
            f"balance {sums.balance:.2f}"
        )
        return 0

    return _database_errors(target, step)


def dunning_run_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm dunning-run [--dry-run] [--no-letters]``: raise every item due (or list
    them), then write the dunning letters and print their paths."""
    from datetime import date

    from tui_crm.cli import _database_errors, _writing_clerk, open_checked
    from tui_crm.services import dunning

    target = settings.database_url
    levels = settings.dunning.levels

    def step() -> int:
        open_checked(target, create=False)
        today = date.today()
        proposals = dunning.propose(levels, today)
        for proposal in proposals:
            print(
                f"{proposal.party_number}\t{proposal.party_name}\t{proposal.document_number}\t"
                f"{proposal.due_date.isoformat()}\t{proposal.balance:.2f}\t"
                f"{proposal.level} -> {proposal.next_level}\t"
                f"{dunning.level_name(levels, proposal.next_level)}\t{proposal.fee:.2f}"
            )
        if args.dry_run:
            print(f"{len(proposals)} items due (dry run: nothing written)")
            return 0
        if not args.no_letters:
            dunning.check_templates(settings)  # fails before anything is written
        clerk = _writing_clerk(settings)
        result = dunning.run(proposals, levels, today, clerk)
        for skipped in result.skipped:
            print(f"skipped {skipped.document_number}: {skipped.reason}", file=sys.stderr)
        print(
            f"{result.raised} items raised, fees {result.fees:.2f}, {len(result.skipped)} skipped"
        )
        if args.no_letters:
            return 0
        written = dunning.write_letters(today, clerk, settings)
        for letter in written.written:
            print(letter.path)
        for failure in written.failed:
            print(f"no letter for {failure.party_number}: {failure.message}", file=sys.stderr)
        print(f"{len(written.written)} dunning letters written, {len(written.failed)} failed")
        return 1 if written.failed else 0

    return _database_errors(target, step)
