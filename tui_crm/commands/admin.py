"""Administration: ``clerk``, ``audit``, ``backup``, ``restore``, ``check`` and ``db copy``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_crm.config import Settings

ROLE_NAMES = ("inquiry", "clerk", "accounting", "admin")
"""The roles (as :data:`tui_crm.db.models.ROLES`; repeated so the parser imports no models)."""


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the administration subcommands, and ``copy`` to ``tui-crm db``."""
    clerk = commands.add_parser("clerk", parents=[common], help="clerks and roles (admins)")
    actions = clerk.add_subparsers(dest="clerk_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=[common], help="add a clerk with a role")
    add.add_argument("login")
    add.add_argument("--role", choices=ROLE_NAMES, default="clerk")
    add.add_argument("--name", default="", metavar="TEXT", help="full name")
    listing = actions.add_parser("list", parents=[common], help="list the clerks")
    listing.add_argument("--json", action="store_true", help="print JSON")
    role = actions.add_parser("role", parents=[common], help="give a clerk another role")
    role.add_argument("login")
    role.add_argument("role", choices=ROLE_NAMES)
    clerk.set_defaults(run=clerk_command)

    audit = commands.add_parser("audit", parents=[common], help="print the audit log")
    audit.add_argument("--customer", metavar="NUMBER", help="only this customer's changes")
    audit.add_argument("--since", metavar="DATE", help="from this day on (24.12.2026 or ISO)")
    audit.add_argument("--json", action="store_true", help="print JSON")
    audit.set_defaults(run=audit_command)

    backup = commands.add_parser(
        "backup", parents=[common], help="consistent copy of the database while clerks work"
    )
    backup.add_argument("out", type=Path, help="backup file, or a folder for dated copies")
    backup.add_argument("--keep", type=int, metavar="N", help="keep the newest N in the folder")
    backup.set_defaults(run=backup_command)

    restore = commands.add_parser(
        "restore", parents=[common], help="check a backup, then put it in place of the database"
    )
    restore.add_argument("file", type=Path, help="a backup written by tui-crm backup")
    restore.set_defaults(run=restore_command)

    check = commands.add_parser(
        "check", parents=[common], help="integrity and foreign-key check (exit 1 on problems)"
    )
    check.set_defaults(run=check_command)

    database = commands.choices["db"]
    for action in database._actions:
        if action.dest == "action" and action.choices is not None:
            action.choices = (*action.choices, "copy")
    database.add_argument("source", nargs="?", help="copy: the SQLite file")
    database.add_argument("destination", nargs="?", help="copy: the postgresql:// URL")
    database.set_defaults(run=db_command)


def clerk_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm clerk add|list|role``."""
    from tui_crm.cli import _database_errors, open_checked
    from tui_crm.services import clerks

    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        if args.clerk_action == "list":
            rows = clerks.list_clerks()
            if args.json:
                import dataclasses
                import json

                print(json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False))
                return 0
            for row in rows:
                state = "" if row.active else " (inactive)"
                print(f"{row.login:<16} {row.role:<10} {row.name}{state}")
            return 0
        if args.clerk_action == "add":
            row = clerks.add_clerk(args.login, args.role, settings.clerk, name=args.name)
        else:
            row = clerks.set_role(args.login, args.role, settings.clerk)
        print(f"{row.login} {row.role}")
        return 0

    return _database_errors(target, step)


def audit_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm audit [--customer N] [--since DATE] [--json]``."""
    from tui_crm.cli import _database_errors, open_checked
    from tui_crm.services import audit, validation

    since = validation.day(args.since) if args.since else None
    target = settings.database_url

    def step() -> int:
        open_checked(target, create=False)
        rows = audit.entries(customer=args.customer, since=since)
        if args.json:
            import json

            print("[", end="")
            for index, row in enumerate(rows):
                print("," if index else "", json.dumps(row.as_json(), ensure_ascii=False))
            print("]")
            return 0
        for row in rows:
            change = f"{'' if row.old is None else row.old} → {'' if row.new is None else row.new}"
            print(
                f"{row.at.isoformat(sep=' ')} {row.clerk:<10} {row.number or '-':<9} "
                f"{row.table}#{row.row_id} {row.field}: {change}"
            )
        return 0

    return _database_errors(target, step)


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm backup OUT [--keep N]``."""
    from tui_crm.services import maintenance

    result = maintenance.backup(settings.database_url, args.out, keep=args.keep)
    print(f"{result.path}: {result.size:,} bytes ({result.tool})")
    for path in result.removed:
        print(f"removed {path}")
    return 0


def restore_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm restore FILE``."""
    from tui_crm.services import maintenance

    result = maintenance.restore(args.file, settings.database_url)
    kept = f"; the previous database is {result.kept}" if result.kept else ""
    print(f"{result.path}: restored from {args.file} (schema {result.version}){kept}")
    return 0


def check_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm check``: exit 1 when a problem is found."""
    from tui_crm.cli import error
    from tui_crm.db.connection import describe
    from tui_crm.services import maintenance

    problems = maintenance.check(settings.database_url)
    for problem in problems:
        error(problem)
    if problems:
        return 1
    print(f"{describe(settings.database_url)}: ok")
    return 0


def db_command(settings: Settings, args: argparse.Namespace) -> int:
    """``tui-crm db upgrade|version|copy SQLITE_PATH POSTGRES_URL``."""
    from tui_crm.cli import db_command as upgrade_or_version
    from tui_crm.errors import CrmError

    if args.action != "copy":
        if args.source or args.destination:
            raise CrmError(f"db {args.action} takes no paths (it works on --db)")
        return upgrade_or_version(settings, args.action)
    if not args.source or not args.destination:
        raise CrmError("usage: tui-crm db copy SQLITE_PATH POSTGRES_URL")
    if "psycopg2" in sys.modules and sys.modules["psycopg2"] is None:
        # main() hides the driver when --db is SQLite; the target of a copy is PostgreSQL.
        del sys.modules["psycopg2"]
    from tui_crm.cli import _database_errors
    from tui_crm.services import maintenance

    def progress(table: str, rows: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{table}: {rows:,}\033[K")
            sys.stderr.flush()

    def step() -> int:
        result = maintenance.copy_to(Path(args.source), args.destination, progress=progress)
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
        total = sum(result.counts.values())
        for table, rows in result.counts.items():
            print(f"{table:<16} {rows:>10,}")
        print(f"{total:,} rows copied, counts checked, in {result.seconds:.1f} s")
        return 0

    return _database_errors(args.destination, step)
