"""``tui-crm serve-ssh``: an SSH server giving every authorised key's clerk their own app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_crm.config import Settings

DEFAULT_MAX_SESSIONS = 20
"""Apps that may run at once unless ``--max-sessions`` says otherwise."""

DEFAULT_IDLE_TIMEOUT = 1800
"""Seconds without a key after which a session ends unless ``--idle-timeout`` says otherwise."""


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``serve-ssh``."""
    parser = commands.add_parser(
        "serve-ssh",
        parents=[common],
        help="SSH server: each authorised key logs a clerk into their own tui-crm",
        description=(
            "An SSH server that needs no shell accounts: each key in --authorized-keys names a "
            'clerk (tui-crm-clerk="LOGIN" before the key, or the key comment up to an @), and '
            "every login runs its own tui-crm in its own terminal. Public-key logins only."
        ),
    )
    parser.add_argument("--port", type=int, required=True, metavar="PORT", help="TCP port")
    parser.add_argument(
        "--address", default="", metavar="ADDR", help="address to listen on (default: all)"
    )
    parser.add_argument(
        "--host-key",
        type=Path,
        required=True,
        metavar="FILE",
        help="the server's private key (an Ed25519 key is generated if the file is missing)",
    )
    parser.add_argument(
        "--authorized-keys",
        type=Path,
        required=True,
        metavar="FILE",
        help="public keys that may log in, one per line, each naming its clerk",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"apps running at once (default {DEFAULT_MAX_SESSIONS})",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help=(
            "end a session after this many seconds without a key; 0: never "
            f"(default {DEFAULT_IDLE_TIMEOUT})"
        ),
    )
    parser.set_defaults(run=run)


def app_command(settings: Settings, config: Path | None, clerk: str) -> Sequence[str]:
    """The command line of one session's app."""
    argv = [sys.executable, "-m", "tui_crm", "--db", settings.database_url, "--clerk", clerk]
    if config is not None:
        argv += ["--config", str(config.resolve())]
    return argv


def log(message: str) -> None:
    """One line on stderr (the journal when run by systemd)."""
    print(f"tui-crm serve-ssh: {message}", file=sys.stderr, flush=True)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Check the options and the database, then serve until SIGTERM or Ctrl+C."""
    import asyncio

    from tui_crm.cli import _database_errors, open_checked
    from tui_crm.errors import CrmError

    if not 0 <= args.port <= 65535:
        raise CrmError(f"--port must be from 0 to 65535, not {args.port}")
    if args.max_sessions < 1:
        raise CrmError(f"--max-sessions must be at least 1, not {args.max_sessions}")
    if args.idle_timeout < 0:
        raise CrmError(f"--idle-timeout must be 0 or more seconds, not {args.idle_timeout:g}")
    target = settings.database_url

    def check() -> int:
        open_checked(target, create=False)
        return 0

    # Refuse to start on a database the apps could not open (missing, foreign, outdated).
    _database_errors(target, check)
    from tui_crm.services import ssh_server

    config = getattr(args, "config", None)
    asyncio.run(
        ssh_server.serve(
            address=args.address,
            port=args.port,
            host_key=args.host_key,
            authorized_keys=args.authorized_keys,
            app_argv=lambda clerk: app_command(settings, config, clerk),
            max_sessions=args.max_sessions,
            idle_timeout=args.idle_timeout,
            log=log,
        )
    )
    return 0
