"""The command line: the TUI and the one-shot commands (no Textual import unless needed)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from tui_crm import __version__, i18n, paths
from tui_crm.config import Settings, load_settings, with_overrides
from tui_crm.errors import CrmError, DatabaseError, SchemaOutdated

DEMO_CUSTOMERS = 2000
"""Size of the demo database created on the first start."""


def add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """``--db``, ``--clerk`` and ``--config``, accepted before and after the subcommand."""
    parser.add_argument(
        "--db", metavar="PATH_OR_URL", default=default, help="SQLite file or postgresql:// URL"
    )
    parser.add_argument(
        "--clerk", metavar="LOGIN", default=default, help="clerk working in this session"
    )
    parser.add_argument(
        "--config", metavar="FILE", type=Path, default=default, help="config file to read"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="tui-crm", description="A keyboard-driven terminal CRM for counter staff."
    )
    parser.add_argument("--version", action="version", version=f"tui-crm {__version__}")
    add_global_options(parser, argparse.SUPPRESS)
    # The same options after the subcommand (tui-crm demo --db FILE); absent ones keep the
    # value given before it.
    common = argparse.ArgumentParser(add_help=False)
    add_global_options(common, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", parents=[common], help="create a demo database")
    demo.add_argument("--customers", type=int, default=DEMO_CUSTOMERS, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.add_argument("--force", action="store_true", help="replace an existing SQLite file")

    find = commands.add_parser("find", parents=[common], help="search customers and prospects")
    find.add_argument("query", nargs="+", help="number, phone, name, street, city, email")
    find.add_argument("--limit", type=int, default=20, metavar="N")
    find.add_argument("--json", action="store_true", help="print JSON")

    show = commands.add_parser("show", parents=[common], help="everything about one customer")
    show.add_argument("number", help="customer or prospect number (also a former one)")
    show.add_argument("--json", action="store_true", help="print JSON")

    callerid = commands.add_parser(
        "callerid", parents=[common], help="who has this phone number (for a PBX dial plan)"
    )
    callerid.add_argument("number", help="the caller ID in any format")
    callerid.add_argument("--json", action="store_true", help="print JSON")

    call = commands.add_parser("call", parents=[common], help="dial through the phone backend")
    call.add_argument("target", help="a phone number in any format, or a customer number")

    followups = commands.add_parser(
        "followups", parents=[common], help="list open follow-ups (mine by default)"
    )
    followups.add_argument(
        "--due",
        choices=("overdue", "today", "week", "all"),
        default="all",
        help="overdue; due today; due within 7 days (overdue included); all open",
    )
    followups.add_argument("--all", action="store_true", help="every clerk's follow-ups")
    output = followups.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON")
    output.add_argument("--ics", action="store_true", help="print an iCalendar file")

    followup = commands.add_parser("followup", parents=[common], help="add a follow-up")
    followup_actions = followup.add_subparsers(dest="action", metavar="ACTION", required=True)
    add_followup = followup_actions.add_parser("add", parents=[common], help="add a follow-up")
    add_followup.add_argument("number", help="customer or prospect number")
    add_followup.add_argument("--due", required=True, metavar="EXPR", help="+3, +2w, mo, 24.12.")
    add_followup.add_argument("--subject", required=True, metavar="TEXT")
    add_followup.add_argument("--time", default="", metavar="HH:MM")
    add_followup.add_argument("--note", default="", metavar="TEXT")
    add_followup.add_argument("--owner", metavar="LOGIN", help="whose list (default: the clerk)")

    contact = commands.add_parser("contact", parents=[common], help="log a contact")
    contact_actions = contact.add_subparsers(dest="action", metavar="ACTION", required=True)
    add_contact = contact_actions.add_parser("add", parents=[common], help="log a contact now")
    add_contact.add_argument("number", help="customer or prospect number")
    add_contact.add_argument(
        "--kind",
        required=True,
        choices=("phone_in", "phone_out", "missed", "visit", "letter", "email", "other"),
    )
    add_contact.add_argument("--topic", required=True, metavar="TEXT")
    add_contact.add_argument("--agreements", default="", metavar="TEXT")
    add_contact.add_argument("--minutes", type=int, metavar="N", help="duration")

    config = commands.add_parser(
        "config", parents=[common], help="show the config file or the effective settings"
    )
    config.add_argument("action", choices=("path", "show"))

    database = commands.add_parser("db", parents=[common], help="database maintenance")
    database.add_argument("action", choices=("upgrade", "version"))

    from tui_crm.commands import register_all

    register_all(commands, common)
    return parser


def error(message: str) -> None:
    """Print one error line to stderr."""
    print(f"tui-crm: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run tui-crm; return the exit status."""
    args = build_parser().parse_args(argv)
    config = getattr(args, "config", None)
    try:
        settings = with_overrides(
            load_settings(config),
            database=getattr(args, "db", None),
            clerk=getattr(args, "clerk", None),
        )
        i18n.setup(settings.language)
        if "://" not in settings.database_url or settings.database_url.startswith("sqlite:"):
            # Peewee imports psycopg2 when it is installed (12 ms); a SQLite run never needs it.
            sys.modules.setdefault("psycopg2", None)  # type: ignore[arg-type]
        runner = getattr(args, "run", None)
        if runner is not None:
            return int(runner(settings, args))
        if args.command == "config":
            return config_command(args.action, config, settings)
        if args.command == "demo":
            return demo_command(settings, args.customers, args.seed, args.force)
        if args.command == "find":
            return find_command(settings, " ".join(args.query), args.limit, args.json)
        if args.command == "show":
            return show_command(settings, args.number, args.json)
        if args.command == "callerid":
            return callerid_command(settings, args.number, args.json)
        if args.command == "call":
            return call_command(settings, args.target)
        if args.command == "followups":
            return followups_command(settings, args.due, args.all, args.json, args.ics)
        if args.command == "followup":
            return followup_add_command(settings, args)
        if args.command == "contact":
            return contact_add_command(settings, args)
        if args.command == "db":
            return db_command(settings, args.action)
        return run_app(settings)
    except CrmError as failure:
        error(failure.msg)
        return failure.exit_code
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        # `tui-crm followups | head`: the reader is gone; stop quietly as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def config_command(action: str, path: Path | None, settings: Settings) -> int:
    """``tui-crm config path|show``."""
    if action == "path":
        print(path or paths.config_file())
    else:
        sys.stdout.write(settings.as_toml())
    return 0


def _database_errors(target: str, step: Callable[[], int]) -> int:
    """Run ``step`` turning driver errors (locked, not a database) into one-line errors."""
    from peewee import DatabaseError as PeeweeError

    from tui_crm.db.connection import translate_error

    try:
        return step()
    except PeeweeError as failure:
        raise translate_error(target, failure) from None


def open_checked(target: str, *, create: bool) -> object:
    """Open ``target`` and refuse databases that are too new, foreign or outdated."""
    from tui_crm.db import migrations
    from tui_crm.db.connection import describe, open_database

    database = open_database(target, create=create)
    version = migrations.current_version(database)
    if version == 0 and database.get_tables():
        database.close()
        raise DatabaseError(f"{describe(target)}: is not a tui-crm database (foreign tables)")
    migrations.check(database, describe(target))
    return database


def db_command(settings: Settings, action: str) -> int:
    """``tui-crm db upgrade|version``."""
    from tui_crm.db import migrations
    from tui_crm.db.connection import describe, open_database

    target = settings.database_url

    def step() -> int:
        database = open_database(target, create=False)
        before = migrations.current_version(database)
        if action == "version":
            print(f"{before} (this tui-crm writes {migrations.LATEST})")
            return 0
        migrations.check(database, describe(target)) if before > migrations.LATEST else None
        applied = migrations.migrate(database)
        if applied:
            print(f"{describe(target)}: upgraded from schema {before} to {applied[-1]}")
        else:
            print(f"{describe(target)}: schema {before} is current")
        return 0

    return _database_errors(target, step)


def _progress_bar(label: str) -> Callable[[int, int], None]:
    """A progress callback drawing a bar on stderr (silent when stderr is not a terminal)."""
    started = time.monotonic()
    if not sys.stderr.isatty():
        return lambda done, total: None

    def draw(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        rate = done / max(time.monotonic() - started, 1e-6)
        sys.stderr.write(
            f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({rate:,.0f}/s)"
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return draw


def build_demo(target: str, customers: int, seed: int, *, force: bool = False) -> str:
    """Create a demo database at ``target``; return a one-line summary.

    A SQLite demo is written to a temporary file beside the target and renamed into place,
    so an interrupted run leaves nothing half-written.
    """
    from tui_crm.db import migrations
    from tui_crm.db.connection import describe, open_database, sqlite_path

    if customers < 1:
        raise CrmError("--customers must be at least 1")
    path = sqlite_path(target)
    if path is not None and path.exists() and not force:
        raise DatabaseError(f"{path}: exists already; use --force to replace it")
    from tui_crm.services import demo

    progress = _progress_bar("demo")
    if path is None:
        database = open_database(target, create=False)
        if migrations.current_version(database) or database.get_tables():
            raise DatabaseError(f"{describe(target)}: demo data needs an empty database")
        migrations.migrate(database)
        summary = demo.generate(database, customers, seed, progress=progress)
        database.close()
    else:
        if not path.parent.is_dir():
            raise DatabaseError(f"{path}: the directory {path.parent} does not exist")
        handle, temporary = tempfile.mkstemp(prefix=".demo-", suffix=".sqlite", dir=path.parent)
        os.close(handle)
        os.unlink(temporary)
        try:
            database = open_database(temporary)
            migrations.migrate(database)
            summary = demo.generate(database, customers, seed, progress=progress)
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            database.close()
            os.replace(temporary, path)
        finally:
            for leftover in (temporary, temporary + "-wal", temporary + "-shm"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
    return (
        f"{describe(target)}: {summary.customers} customers, {summary.prospects} prospects, "
        f"{summary.documents} documents, {summary.follow_ups} follow-ups "
        f"in {summary.seconds:.1f} s"
    )


def demo_command(settings: Settings, customers: int, seed: int, force: bool) -> int:
    """``tui-crm demo --customers N --seed S``."""
    target = settings.database_url

    def step() -> int:
        print(build_demo(target, customers, seed, force=force))
        return 0

    return _database_errors(target, step)


def find_command(settings: Settings, query: str, limit: int, as_json: bool) -> int:
    """``tui-crm find QUERY``: the search of the start screen, for scripts; exit 1 on no match."""
    from tui_crm.db import queries
    from tui_crm.services import customers, phones

    if limit < 1:
        raise CrmError("--limit must be at least 1", title="find")
    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        rows = customers.search(query, limit=limit, region=settings.region)
        numbers = queries.party_phones([row.id for row in rows])
        if not rows:
            error(f"no customer or prospect matches {query!r}")
            return 1
        if as_json:
            import json

            print(
                json.dumps(
                    [
                        {
                            "number": row.number,
                            "name": row.name,
                            "kind": row.kind,
                            "city": row.city,
                            "phones": [e164 for _kind, e164 in numbers.get(row.id, [])],
                            "balance": f"{row.balance:.2f}",
                            "blocked": row.blocked,
                        }
                        for row in rows
                    ],
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return 0
        for row in rows:
            main = numbers.get(row.id, [("", "")])[0][1]
            flags = " BLOCKED" if row.blocked else ""
            print(
                f"{row.number:<9} {row.name[:40]:<40} {row.city[:20]:<20} "
                f"{phones.display(main, settings.region):<16} {row.kind}{flags}"
            )
        return 0

    return _database_errors(target, step)


def followups_command(
    settings: Settings, due: str, everyone: bool, as_json: bool, as_ics: bool
) -> int:
    """``tui-crm followups``: open follow-ups of the clerk (or everyone) as text, JSON or iCal."""
    from tui_crm.services import followups

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        owner = None if everyone else followups.resolve_clerk(settings.clerk)[0]
        rows = followups.iter_due(owner, due, region=settings.region)
        if as_ics:
            from tui_crm.services.calendar import export_ics

            sys.stdout.buffer.write(export_ics(rows, name=f"tui-crm {settings.clerk}"))
        elif as_json:
            import json

            print(
                json.dumps([followups.as_json(row) for row in rows], ensure_ascii=False, indent=2)
            )
        else:
            for row in rows:
                at = row.due_time.strftime("%H:%M") if row.due_time else "     "
                print(
                    f"{row.due_date.isoformat()} {at} {row.number:<9} {row.name[:30]:<30} "
                    f"{row.subject[:40]:<40} {row.owner}"
                )
        return 0

    return _database_errors(target, step)


def _json_value(value: object) -> object:
    """JSON for the values of the inquiry: dates in ISO, money as a string with two decimals."""
    from datetime import date, datetime, time
    from decimal import Decimal

    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def show_command(settings: Settings, number: str, as_json: bool) -> int:
    """``tui-crm show NUMBER``: the customer inquiry as text or JSON; exit 1 if unknown."""
    from tui_crm.db import queries
    from tui_crm.services import inquiry

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        clerk = queries.clerk_id(settings.clerk) or 0
        try:
            found = inquiry.load(number, clerk, region=settings.region)
        except inquiry.PartyNotFound as missing:
            error(missing.msg)
            return 1
        if as_json:
            import dataclasses
            import json

            print(
                json.dumps(
                    dataclasses.asdict(found), default=_json_value, ensure_ascii=False, indent=2
                )
            )
            return 0
        values, summary = found.values, found.summary
        names = (values.first_name, values.last_name)
        person = " ".join(p for p in (values.salutation, values.title, *names) if p)
        person = person if any(names) else ""
        lines = [
            f"{found.number}: {values.company or person}  ({found.kind}"
            f"{', BLOCKED' if values.blocked else ''})",
            *(line for line in (values.company and person, values.company2, values.street) if line),
            f"{values.country}-{values.postcode} {values.city}".strip(),
            *(f"{line.kind:<7} {line.display}" for line in found.phones),
            *(f"email   {line.address}" for line in found.emails),
            f"open items {summary.open_balance:.2f} (overdue {summary.overdue:.2f}, "
            f"dunning level {summary.dunning_level}), credit limit {summary.credit_limit:.2f}",
            f"revenue {summary.year} {summary.revenue_this_year:.2f}, "
            f"{summary.year - 1} {summary.revenue_last_year:.2f}",
            f"last contact {summary.last_contact or '-'}, next follow-up "
            f"{summary.next_follow_up or '-'} {summary.next_follow_up_subject}".rstrip(),
            *(
                f"contact person: {p.first_name} {p.last_name} {p.position}".rstrip()
                for p in found.persons
            ),
        ]
        print("\n".join(lines))
        return 0

    return _database_errors(target, step)


def callerid_command(settings: Settings, number: str, as_json: bool) -> int:
    """``tui-crm callerid NUMBER``: the matching customers; exit 1 when unknown or withheld."""
    from tui_crm.services.telephony.callerid import lookup_for_cli

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        answer = lookup_for_cli(number, settings, as_json=as_json)
        sys.stdout.write(answer.stdout)
        sys.stderr.write(answer.stderr)
        return answer.exit_code

    return _database_errors(target, step)


def call_command(settings: Settings, number_or_customer: str) -> int:
    """``tui-crm call NUMBER_OR_CUSTOMER``: dial through the configured backend and log it."""
    from tui_crm.services.telephony.journal import dial_target, place_call

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        clerk = _writing_clerk(settings)
        placed = place_call(dial_target(number_or_customer, settings), clerk, settings)
        print(placed.outcome.show or placed.outcome.message)
        return 0

    return _database_errors(target, step)


def _writing_clerk(settings: Settings) -> str:
    """The session clerk, created on first use as the app does."""
    from tui_crm.services.customers import ensure_clerk
    from tui_crm.services.transactions import writing

    with writing():
        ensure_clerk(settings.clerk)
    return settings.clerk


def followup_add_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm followup add NUMBER --due EXPR --subject TEXT``; prints the follow-up."""
    from tui_crm.services import followups

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        row = followups.add_by_number(
            args.number,
            args.due,
            args.subject,
            _writing_clerk(settings),
            owner=args.owner,
            at=args.time,
            note=args.note,
            region=settings.region,
        )
        print(f"{row.id} {row.due_date.isoformat()} {row.number} {row.subject} ({row.owner})")
        return 0

    return _database_errors(target, step)


def contact_add_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm contact add NUMBER --kind KIND --topic TEXT``; prints the contact."""
    from tui_crm.services import contacts

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        row = contacts.add_by_number(
            args.number,
            args.kind,
            args.topic,
            _writing_clerk(settings),
            agreements=args.agreements,
            duration_seconds=args.minutes * 60 if args.minutes is not None else None,
        )
        print(f"{row.id} {row.at.isoformat(sep=' ')} {args.number} {row.kind} {row.topic}")
        return 0

    return _database_errors(target, step)


def _ask_upgrade(failure: SchemaOutdated) -> bool:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    answer = input(f"{failure.msg}\nUpgrade now? [y/N] ")
    return answer.strip().lower() in ("y", "yes", "j", "ja")


def prepare_database(settings: Settings) -> int:
    """Open (creating on first start) the database and return the clerk's id."""
    from tui_crm.db import migrations
    from tui_crm.db.connection import sqlite_path
    from tui_crm.services.customers import ensure_clerk

    target = settings.database_url
    path = sqlite_path(target)
    if not settings.database and path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"tui-crm: creating a demo database at {path}", file=sys.stderr)
        build_demo(target, DEMO_CUSTOMERS, 1)
    try:
        database = open_checked(target, create=True)
    except SchemaOutdated as failure:
        if not _ask_upgrade(failure):
            raise
        from tui_crm.db.connection import open_database

        database = open_database(target)
        migrations.migrate(database)
    from peewee import Database

    assert isinstance(database, Database)
    if migrations.current_version(database) == 0:
        migrations.migrate(database)
    from tui_crm.services.transactions import writing

    with writing():
        return ensure_clerk(settings.clerk)


def run_app(settings: Settings) -> int:
    """Start the full-screen app."""
    clerk_id = _database_errors(settings.database_url, lambda: prepare_database(settings))
    # Results arrive from a worker just after the echo of the key; at Textual's default of
    # 60 frames a second they wait up to 17 ms for the next frame.
    os.environ.setdefault("TEXTUAL_FPS", "120")
    if settings.color_system == "none":
        os.environ["NO_COLOR"] = "1"
    elif settings.color_system != "auto":
        os.environ["TEXTUAL_COLOR_SYSTEM"] = settings.color_system
    from dataclasses import replace

    from tui_crm import terminal
    from tui_crm.app import CrmApp

    terminal.install()
    settings = replace(settings, theme=terminal.theme_for(settings.theme, os.environ))
    mouse, animations = remote_options(settings, os.environ)
    app = CrmApp(settings, clerk_id)
    if animations:
        app.animation_level = animations
    app.run(mouse=mouse)
    return 0


def remote_options(
    settings: Settings, environ: Mapping[str, str]
) -> tuple[bool, Literal["", "none"]]:
    """Whether to ask for mouse events, and the animation level ("": Textual's), here.

    Under sshd (or ``tui-crm serve-ssh``), where ``SSH_CONNECTION`` is set, mouse reporting
    is off unless ``mouse_over_ssh`` is on (every mouse move would cross the network) and
    animations are off (each of their frames would too), whatever ``TEXTUAL_ANIMATIONS`` says.
    """
    if not environ.get("SSH_CONNECTION"):
        return settings.mouse, ""
    return settings.mouse and settings.mouse_over_ssh, "none"
