"""End-to-end harness: the installed ``tui-crm`` in tmux, fed the bytes real terminals send.

Everything the tests need comes as fixtures (``start_app``, ``terminal``, ``tmux_panes`` …),
so the test modules import nothing from here and work under any pytest import mode.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

KEY_TABLES = (
    Path(__file__).resolve().parents[3] / "shared" / "terminal-keys.tsv",
    Path(__file__).resolve().with_name("terminal-keys.tsv"),
)
"""Where the terminal key table is looked for: CI's ``../shared`` first, then the copy here."""

PLACEHOLDER = "Search: number, name, city, street, email"
"""The search field's placeholder: with the footer, it shows the start screen has painted."""

FOOTER = "F1 Help"
"""A footer entry of the start screen."""

DEADLINE_S = 10.0
"""How long a wait for the screen gives the app before the test fails."""

POLL_S = 0.05
"""Pause between two reads of the screen while waiting."""

SETTLE_S = 0.3
"""How long a screen must stay unchanged to count as settled."""

ESC = ("1b",)
"""The Esc key: one byte in every terminal."""

CTRL_Q = ("11",)
"""Ctrl+Q (quit): one control byte in every terminal."""

EXIT_MARK = "tui-crm-e2e: exit status"
"""What the wrapper shell prints, with the status, when the command has ended."""

EXIT_LINE = re.compile(rf"^{re.escape(EXIT_MARK)} (\d+)$", re.MULTILINE)
"""The wrapper's line on the screen."""

CLERK = "e2e"
"""Clerk login the app runs as; the header shows it."""

Customer = tuple[str, str, str, str]
"""``(number, first name, last name, city)``."""

SEARCH_PARTY: Customer = ("990001", "Quirinus", "Zwackelmann", "Tuiburg")
"""A customer only the tests add, with a name no demo data has."""

MARKUP_PARTY: Customer = ("990002", "", "[bold]X[/]", "Markupstadt")
"""A customer whose name is Rich markup; it must show literally."""

DEMO_CUSTOMERS = 200
"""Size of the demo data around the two test customers."""


@dataclass(frozen=True, slots=True)
class Terminal:
    """A terminal emulator as the app sees it: its ``TERM`` and the bytes its keys send."""

    name: str
    """Short name for test ids."""
    term: str
    """The ``TERM`` value the emulator sets by default."""
    table: str
    """The ``terminal`` column of terminal-keys.tsv holding its key bytes."""


XTERM = Terminal("xterm", "xterm-256color", "xterm")
"""xterm (and the many emulators that copy it)."""

PUTTY = Terminal("putty", "xterm", "putty-tilde")
"""PuTTY in its default function-key mode (``ESC [ n ~``), which sets ``TERM=xterm``."""

LINUX = Terminal("linux", "linux", "linux")
"""The Linux text console."""

RXVT = Terminal("rxvt", "rxvt-unicode-256color", "rxvt")
"""rxvt-unicode: ``ESC [ n ~`` F-keys like PuTTY, its own Home/End and Ctrl+arrows."""

TMUX = Terminal("tmux", "screen", "tmux")
"""An app inside tmux with tmux's default ``TERM=screen``: tmux sends xterm's key bytes."""

TERMINALS = (XTERM, PUTTY, LINUX, RXVT, TMUX)
"""Every emulated terminal."""


@dataclass(frozen=True, slots=True)
class KeyBytes:
    """One row of terminal-keys.tsv."""

    hex_bytes: tuple[str, ...]
    """The bytes as hex pairs, ready for ``tmux send-keys -H``."""
    textual_key: str
    """The key Textual 8.2.8 decodes from them."""
    ok: bool
    """Whether the key reaches the app as the key pressed."""


KeyTable = Mapping[tuple[str, str], KeyBytes]
"""Key bytes by ``(terminal, physical key)``."""


def key_table_path() -> Path:
    """Return the terminal key table: ``../shared`` beside the checkout, else the copy here."""
    for path in KEY_TABLES:
        if path.is_file():
            return path
    raise FileNotFoundError(f"terminal-keys.tsv not found in {[str(p) for p in KEY_TABLES]}")


def load_key_table(path: Path | None = None) -> dict[tuple[str, str], KeyBytes]:
    """Parse terminal-keys.tsv into ``{(terminal, physical key): KeyBytes}``."""
    with (path or key_table_path()).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if not rows:
        raise ValueError("terminal-keys.tsv has no rows")
    textual_column = next(name for name in rows[0] if name.startswith("textual"))
    return {
        (row["terminal"], row["physical_key"]): KeyBytes(
            hex_bytes=tuple(row["tmux_send_keys_-H"].split()),
            textual_key=row[textual_column],
            ok=row["status"] == "OK",
        )
        for row in rows
    }


def tui_crm_command() -> Path:
    """Return the installed ``tui-crm`` console script of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "tui-crm"
    if beside.is_file():
        return beside
    found = shutil.which("tui-crm")
    if found is None:
        pytest.fail("the tui-crm command is not installed; run: pip install -e '.[test]'")
    return Path(found)


def utf8_environment(base: Mapping[str, str]) -> dict[str, str]:
    """Copy ``base`` with an English UTF-8 locale and no trace of an enclosing tmux."""
    env = {key: value for key, value in base.items() if key not in ("TMUX", "TMUX_PANE")}
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("LANGUAGE", None)
    env.pop("TUI_CRM_CONFIG", None)
    return env


class ScreenTimeout(AssertionError):
    """The screen did not reach the expected state before the deadline."""


class TmuxPane:
    """One tmux server of its own with one pane of a fixed size running one command.

    Args:
        tmux: The tmux executable.
        config_dir: Folder for the server's config file.
        width: Pane columns.
        height: Pane rows.
    """

    def __init__(self, tmux: str, config_dir: Path, width: int, height: int) -> None:
        self.tmux = tmux
        """The tmux executable."""
        self.socket = f"tui-crm-e2e-{os.getpid()}-{uuid.uuid4().hex[:10]}"
        """The server's own socket name (``tmux -L``), so tests never share a server."""
        self.width = width
        """Pane columns."""
        self.height = height
        """Pane rows."""
        self.config = config_dir / f"{self.socket}.conf"
        """No status line (the pane gets every row); a dead pane stays, to be read."""
        self.config.write_text(
            "set -g status off\nset -g remain-on-exit on\nset -g history-limit 1000\n",
            encoding="utf-8",
        )
        self.started = False
        """Whether the server runs."""
        self.terminal = XTERM
        """The terminal emulated (set by :meth:`start`)."""
        self.keys: KeyTable = {}
        """The key table :meth:`press` reads (set by :meth:`start`)."""
        self.socket_path: Path | None = None
        """The server's socket file (known once it runs)."""

    def tmux_run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one tmux command against this server."""
        result = subprocess.run(
            [self.tmux, "-u", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=utf8_environment(os.environ),
            timeout=DEADLINE_S,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def start(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        terminal: Terminal,
        keys: KeyTable,
        cwd: Path,
    ) -> None:
        """Start ``argv`` in the pane the way ``terminal`` runs it, with ``env`` added.

        The variables are set by ``env`` inside the pane, because tmux gives the command
        its own ``TERM`` and ``TMUX``; variables that would tell the app it runs in another
        terminal are removed.
        """
        self.terminal = terminal
        self.keys = keys
        unset = ("TMUX", "TMUX_PANE", "COLORTERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION")
        # A shell runs the command, then prints its exit status into the pane and stays.
        command = ["sh", "-c", f'"$@"; echo "{EXIT_MARK} $?"; exec sleep 3600', "sh"]
        command += ["env", *(part for name in unset for part in ("-u", name))]
        command += [f"{key}={value}" for key, value in env.items()]
        command += [f"TERM={terminal.term}", *argv]
        size = ("-x", str(self.width), "-y", str(self.height))
        self.tmux_run("new-session", "-d", "-s", "e2e", *size, "-c", str(cwd), *command)
        self.started = True
        socket = self.tmux_run("display-message", "-p", "#{socket_path}").stdout.strip()
        self.socket_path = Path(socket) if socket else None

    def send_hex(self, hex_bytes: Sequence[str]) -> None:
        """Send raw bytes (hex pairs) to the pane, as a terminal writes them for a key."""
        self.tmux_run("send-keys", "-t", "e2e", "-H", *hex_bytes)

    def send_text(self, text: str) -> None:
        """Type ``text``: its UTF-8 bytes, as a terminal sends them."""
        self.send_hex([f"{byte:02x}" for byte in text.encode("utf-8")])

    def press(self, key: str) -> None:
        """Send the bytes the pane's terminal writes for ``key`` (from terminal-keys.tsv)."""
        row = self.keys[(self.terminal.table, key)]
        assert row.ok, f"{self.terminal.name} {key} does not reach Textual: {row.textual_key}"
        self.send_hex(row.hex_bytes)

    def press_escape(self) -> None:
        """Send the Esc key."""
        self.send_hex(ESC)

    def quit(self) -> int:
        """Send Ctrl+Q and return the exit status once the app has ended."""
        self.send_hex(CTRL_Q)
        return self.wait_for_exit()

    def screen(self) -> str:
        """Return the visible screen as text, one line per row."""
        return self.tmux_run("capture-pane", "-p", "-t", "e2e").stdout

    def exit_status(self, screen: str | None = None) -> int | None:
        """Return the command's exit status once it has ended, else None.

        The status is read from the line the wrapper shell prints after the command: tmux's
        own ``pane_dead_status`` is unreliable, as tmux 3.3 may mark a pane dead and never
        reap its process.
        """
        found = EXIT_LINE.search(self.screen() if screen is None else screen)
        return int(found.group(1)) if found else None

    def wait_for(self, ready: Callable[[str], bool], what: str, timeout: float = DEADLINE_S) -> str:
        """Poll the screen until ``ready(screen)`` holds and return that screen.

        Raises:
            ScreenTimeout: Not ready within ``timeout`` seconds, or the command ended; the
                message shows the last screen.
        """
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if ready(screen):
                return screen
            status = self.exit_status(screen)
            if status is not None or time.monotonic() > deadline:
                ended = f" (the command ended, exit status {status})" if status is not None else ""
                raise ScreenTimeout(
                    f"waited up to {timeout:.0f} s for {what}{ended}\n"
                    f"--- {self.terminal.name} {self.width}x{self.height} ---\n{screen}"
                )
            time.sleep(POLL_S)

    def wait_for_text(self, *texts: str, timeout: float = DEADLINE_S) -> str:
        """Wait until every one of ``texts`` is on the screen."""
        return self.wait_for(
            lambda screen: all(text in screen for text in texts), repr(texts), timeout
        )

    def settled(self, quiet: float = SETTLE_S, timeout: float = DEADLINE_S) -> str:
        """Return the screen once it has not changed for ``quiet`` seconds.

        For checks of a final layout: a table may paint a first frame before its columns
        have their final widths. After ``timeout`` the last screen is returned as it is.
        """
        deadline = time.monotonic() + timeout
        screen = self.screen()
        since = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(POLL_S)
            current = self.screen()
            if current != screen:
                screen, since = current, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return screen

    def wait_for_start_screen(self, gone: str = "") -> str:
        """Wait for the search placeholder and the footer (and for ``gone`` to have gone)."""
        return self.wait_for(
            lambda screen: (
                PLACEHOLDER in screen and FOOTER in screen and not (gone and gone in screen)
            ),
            "the start screen" + (f" without {gone!r}" if gone else ""),
        )

    def wait_for_exit(self, timeout: float = DEADLINE_S) -> int:
        """Wait for the command to end and return its exit status."""
        deadline = time.monotonic() + timeout
        while (status := self.exit_status()) is None:
            if time.monotonic() > deadline:
                raise ScreenTimeout(f"still running after {timeout:.0f} s\n{self.screen()}")
            time.sleep(POLL_S)
        return status

    def kill(self) -> None:
        """Stop the server and everything running in it."""
        if self.started:
            self.tmux_run("kill-server", check=False)
            self.started = False
        # kill-server leaves the socket file behind.
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)
        self.config.unlink(missing_ok=True)


def add_customers(path: Path, customers: Sequence[Customer]) -> None:
    """Add ``customers`` to the tui-crm database at ``path`` and to its search index.

    The models are bound through the module-wide proxy; it is pointed back at whatever it
    held before, so other tests in this process keep their database.
    """
    from tui_crm.db.connection import db, open_database
    from tui_crm.db.models import Party
    from tui_crm.db.text import search_key

    previous = db.obj
    database = open_database(path, create=False)
    try:
        with database.atomic():
            ids = [
                Party.create(
                    number=number,
                    first_name=first,
                    last_name=last,
                    city=city,
                    search_key=search_key(number, first, last, city),
                ).id
                for number, first, last, city in customers
            ]
            if importlib.util.find_spec("tui_crm.db.search_index") is not None:
                from tui_crm.db import search_index

                search_index.reindex_parties(database, ids)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.close()
        db.initialize(previous)


def create_empty_database(path: Path) -> None:
    """Create a migrated tui-crm database without data at ``path``."""
    from tui_crm.db.connection import db, open_database
    from tui_crm.db.migrations import migrate

    previous = db.obj
    database = open_database(path)
    try:
        migrate(database)
    finally:
        database.close()
        db.initialize(previous)


def make_database(path: Path, env: Mapping[str, str]) -> None:
    """Create the test database: ``tui-crm demo`` data plus the two test customers.

    Where ``tui-crm demo`` fails, the database holds only the test customers and a
    warning says why.
    """
    argv = [str(tui_crm_command()), "--db", str(path), "demo", "--seed", "1"]
    demo = subprocess.run(
        [*argv, "--customers", str(DEMO_CUSTOMERS)],
        capture_output=True,
        text=True,
        env={**utf8_environment(os.environ), **env},
        timeout=120,
        check=False,
    )
    if demo.returncode != 0:
        last = (demo.stderr.strip().splitlines() or ["no output"])[-1]
        warnings.warn(f"tui-crm demo failed, using an empty database: {last}", stacklevel=1)
        path.unlink(missing_ok=True)
        create_empty_database(path)
    add_customers(path, [SEARCH_PARTY, MARKUP_PARTY])


@pytest.fixture(scope="session")
def tmux() -> str:
    """The tmux executable; the e2e tests skip where it is not installed."""
    found = shutil.which("tmux")
    if found is None:
        pytest.skip("tmux is not installed: the e2e tests drive tui-crm inside tmux")
    return found


@pytest.fixture(scope="session")
def key_table() -> dict[tuple[str, str], KeyBytes]:
    """The parsed terminal-keys.tsv."""
    return load_key_table()


@pytest.fixture
def terminal(request: pytest.FixtureRequest) -> Terminal:
    """The emulated terminal: parametrize indirectly by name; xterm when not parametrized."""
    name = getattr(request, "param", XTERM.name)
    return next(item for item in TERMINALS if item.name == name)


@pytest.fixture
def tmux_panes(tmux: str, tmp_path: Path) -> Iterator[Callable[[int, int], TmuxPane]]:
    """A factory of tmux panes of a given size; every server is killed afterwards."""
    panes: list[TmuxPane] = []

    def make(width: int, height: int) -> TmuxPane:
        pane = TmuxPane(tmux, tmp_path, width, height)
        panes.append(pane)
        return pane

    yield make
    for pane in panes:
        pane.kill()


def app_variables(folder: Path) -> dict[str, str]:
    """Variables that give the app config and data folders under ``folder`` and English UI."""
    config = folder / "app-config"
    data = folder / "app-data"
    config.mkdir(exist_ok=True)
    data.mkdir(exist_ok=True)
    return {
        "TUI_CRM_CONFIG_DIR": str(config),
        "TUI_CRM_DATA_DIR": str(data),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    """Variables for the app: its own config and data folders, English UI."""
    return app_variables(tmp_path)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test database, built once per session; tests work on copies."""
    folder = tmp_path_factory.mktemp("template-db")
    path = folder / "crm.sqlite"
    make_database(path, app_variables(folder))
    return path


@pytest.fixture
def crm_db(template_db: Path, tmp_path: Path) -> Path:
    """A private copy of the session's test database."""
    path = tmp_path / "crm.sqlite"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture(scope="session")
def known_customers() -> dict[str, Customer]:
    """The customers every test database holds, by role (``search``, ``markup``)."""
    return {"search": SEARCH_PARTY, "markup": MARKUP_PARTY}


StartApp = Callable[..., TmuxPane]
"""``start_app(terminal, (width, height), command=…, db=…, cwd=…) -> TmuxPane``."""


@pytest.fixture
def start_app(
    tmux_panes: Callable[[int, int], TmuxPane],
    key_table: dict[tuple[str, str], KeyBytes],
    app_env: dict[str, str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> StartApp:
    """Start tui-crm in a pane and wait until the start screen has painted.

    By default it runs this interpreter's ``tui-crm`` on a copy of the test database,
    with the test's temp folder as working directory.
    """

    def start(
        terminal: Terminal,
        size: tuple[int, int],
        *,
        command: Path | None = None,
        db: Path | None = None,
        cwd: Path | None = None,
    ) -> TmuxPane:
        database = db if db is not None else request.getfixturevalue("crm_db")
        pane = tmux_panes(*size)
        argv = [str(command or tui_crm_command()), "--db", str(database), "--clerk", CLERK]
        pane.start(argv, env=app_env, terminal=terminal, keys=key_table, cwd=cwd or tmp_path)
        screen = pane.wait_for_start_screen()
        lines = screen.splitlines()
        assert f"tui-crm — {CLERK} (clerk) · " in lines[0], screen
        assert len(lines) <= size[1], f"more rows than the pane has:\n{screen}"
        return pane

    return start
