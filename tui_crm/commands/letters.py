"""``tui-crm letter``, ``tui-crm merge`` and ``tui-crm templates fields|check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_crm.config import Settings


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the letter, merge and templates subcommands."""
    letter = commands.add_parser(
        "letter", parents=[common], help="write a Word letter to one customer"
    )
    letter.add_argument("number", help="customer or prospect number")
    letter.add_argument(
        "--template", required=True, metavar="FILE", help="a .docx template (path or name)"
    )
    letter.add_argument("--contact", type=int, metavar="ID", help="contact person's id")
    letter.add_argument("--subject", default="", metavar="TEXT", help="the subject line")
    letter.add_argument("--out", type=Path, metavar="DIR", help="folder instead of the customer's")
    letter.set_defaults(run=letter_command)

    merge = commands.add_parser(
        "merge", parents=[common], help="mail merge: one letter per selected customer"
    )
    merge.add_argument("--template", required=True, metavar="FILE")
    merge.add_argument("--kind", choices=("customer", "prospect"), default="")
    merge.add_argument("--group", default="", metavar="CODE", help="customer group code")
    merge.add_argument("--postcode", default="", metavar="FROM-TO", help="50000-51999")
    merge.add_argument("--city", default="")
    merge.add_argument("--birthday-month", default="", metavar="1-12")
    merge.add_argument(
        "--lapsed-since", default="", metavar="DATE", help="bought before, but not since"
    )
    merge.add_argument("--revenue-since", default="", metavar="DATE")
    merge.add_argument("--revenue-min", default="", metavar="AMOUNT", help="with --revenue-since")
    merge.add_argument("--open-items", choices=("yes", "no"), default="")
    merge.add_argument("--source", default="", metavar="TEXT", help="marketing source")
    merge.add_argument("--email", choices=("yes", "no"), default="", help="has an email address")
    merge.add_argument("--name", default="", help="name of the mailing")
    merge.add_argument("--subject", default="", metavar="TEXT")
    merge.add_argument("--combined", type=Path, metavar="OUT.docx", help="one document")
    merge.add_argument("--out", type=Path, metavar="DIR", help="folder for the single letters")
    merge.add_argument("--count", action="store_true", help="only count and show a sample")
    merge.add_argument("--workers", type=int, metavar="N", help="render processes")
    merge.set_defaults(run=merge_command)

    templates = commands.add_parser(
        "templates", parents=[common], help="the fields of letter templates; check a template"
    )
    actions = templates.add_subparsers(dest="action", metavar="ACTION", required=True)
    fields = actions.add_parser("fields", parents=[common], help="list every field")
    fields.set_defaults(run=fields_command)
    check = actions.add_parser("check", parents=[common], help="report unknown placeholders")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.set_defaults(run=check_command)


def letter_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm letter NUMBER --template FILE``: write, record, print the path."""
    from tui_crm.cli import _database_errors, _writing_clerk, open_checked
    from tui_crm.services import default_templates, letters

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        default_templates.ensure_defaults(settings.templates_path)
        row = letters.write_letter(
            args.number,
            letters.template_path(settings, args.template),
            _writing_clerk(settings),
            settings,
            options=letters.LetterOptions(subject=args.subject, contact_person=args.contact),
            out_dir=args.out,
        )
        print(row.path)
        return 0

    return _database_errors(target, step)


def merge_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm merge --template FILE [filters]``: the letters, a progress bar, Ctrl+C stops."""
    import signal
    import threading

    from tui_crm.cli import _database_errors, _progress_bar, _writing_clerk, error, open_checked
    from tui_crm.services import default_templates, merge, templates

    target = settings.database_url
    filters = merge.filters_from(
        kind=args.kind,
        group=args.group,
        postcode=args.postcode,
        city=args.city,
        birthday_month=args.birthday_month,
        lapsed_since=args.lapsed_since,
        revenue_since=args.revenue_since,
        revenue_min=args.revenue_min,
        open_items=args.open_items,
        source=args.source,
        email=args.email,
    )

    def step() -> int:
        open_checked(target, create=False)
        default_templates.ensure_defaults(settings.templates_path)
        from tui_crm.services.letters import template_path

        template = template_path(settings, args.template)
        templates.load(template)  # fails on a bad template before anything is selected
        ids = merge.selected_ids(filters)
        print(f"{len(ids)} selected", file=sys.stderr)
        for row in merge.sample(filters):
            print(
                f"  {row.number:<9} {row.name[:40]:<40} {row.postcode} {row.city}", file=sys.stderr
            )
        if args.count:
            print(len(ids))
            return 0
        if not ids:
            error("no customer matches the filters; nothing written")
            return 1
        cancel = threading.Event()

        def interrupted(_signal: int, _frame: object) -> None:
            if cancel.is_set():
                raise KeyboardInterrupt
            print("\ncancelling: finishing the letters under way …", file=sys.stderr)
            cancel.set()

        previous = signal.signal(signal.SIGINT, interrupted)
        try:
            result = merge.run(
                template,
                ids,
                _writing_clerk(settings),
                settings,
                filters=filters,
                name=args.name,
                subject=args.subject,
                combined=args.combined,
                out_dir=args.out,
                progress=_progress_bar("merge"),
                cancel=cancel,
                workers=args.workers,
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        where = result.combined or result.folder or settings.documents_path
        state = "cancelled after" if result.cancelled else "written:"
        print(f"mailing {result.mailing_id}: {state} {result.written} of {result.total} letters")
        print(where)
        return 130 if result.cancelled else 0

    return _database_errors(target, step)


def fields_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm templates fields``: every placeholder with what it holds."""
    from tui_crm.services.templates import catalogue_lines

    lines = catalogue_lines()
    width = max(len(name) for name, _text in lines) + 6
    for name, text in lines:
        print(f"{'{{ ' + name + ' }}':<{width}} {text}")
    return 0


def check_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm templates check FILE…``: every unknown or misspelt placeholder, with place."""
    from tui_crm.services.letters import template_path
    from tui_crm.services.templates import check_file

    failed = 0
    for name in args.files:
        path = template_path(settings, name)
        problems = check_file(path)
        if problems:
            failed += 1
            for problem in problems:
                print(problem)
        else:
            print(f"{path.name}: ok")
    return 1 if failed else 0
