"""The command line: the TUI and the one-shot commands (no Textual import unless needed)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

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

    config = commands.add_parser(
        "config", parents=[common], help="show the config file or the effective settings"
    )
    config.add_argument("action", choices=("path", "show"))

    database = commands.add_parser("db", parents=[common], help="database maintenance")
    database.add_argument("action", choices=("upgrade", "version"))
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
        if args.command == "config":
            return config_command(args.action, config, settings)
        if args.command == "demo":
            return demo_command(settings, args.customers, args.seed, args.force)
        if args.command == "find":
            return find_command(settings, " ".join(args.query), args.limit, args.json)
        if args.command == "db":
            return db_command(settings, args.action)
        return run_app(settings)
    except CrmError as failure:
        error(failure.msg)
        return failure.exit_code
    except KeyboardInterrupt:
        error("interrupted")
        return 130


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
    with database.atomic():
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
    from tui_crm.app import CrmApp

    CrmApp(settings, clerk_id).run(mouse=settings.mouse)
    return 0
