"""Start-up benchmark: time from spawning ``tui-crm`` in a pty until its start screen has painted.

Usage::

    python bench/bench_startup.py [--customers N] [--runs R] [--db FILE] [--seed S]
                                  [--warmup W] [--timeout SECONDS]

The database is a ``tui-crm demo`` database of N customers (default 1,000,000), cached in
``bench/out/demo-<N>-seed<S>.sqlite`` (where ``bench_search.py`` looks for it too) and
reused by later runs; a cache older than the installed schema is upgraded with ``tui-crm
db upgrade``; delete it to build it again. ``--db FILE`` uses (or creates) that file
instead, and must have the installed schema. Building 1,000,000 customers takes minutes
and about 4 GB; progress goes to stderr.

Each run starts the installed ``tui-crm --db FILE`` on a fresh pseudo-terminal of 120x40
with ``TERM=xterm-256color``, reads everything it writes, and stops the clock when the
first frame of the start screen is on the terminal. Then it sends Ctrl+Q and waits for the
exit (killing the app after ``--timeout``).

**When is the first frame painted?** Escape sequences are stripped from the output seen so
far, and the frame counts as painted once the text holds both the search field's
placeholder and the footer's ``F1 Help``. Textual renders a frame in one ``write()``, so
those two texts arrive in the same burst as the rest of the frame. Textual's
synchronized-update markers (``ESC [ ? 2026 h/l``) cannot be used: it only sends them to a
terminal that has answered its DECRQM query, and this pty answers nothing.

Figures, one JSON line each on stdout: ``startup_first_paint_{median,p95,min,max}`` (ms,
goal 500; p95 by nearest rank), ``startup_quit_median`` (Ctrl+Q to exit, ms) and
``version_wall_median`` (``tui-crm --version``, ms). ``--warmup`` runs (default 1) start
the app first without being counted, so that every counted run finds the files in the OS
cache.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_OUT = Path(__file__).resolve().parent / "out"
"""Cache of the benchmark databases (git-ignored)."""

GOAL_MS = 500
"""The start screen must be painted within half a second."""

COLUMNS, ROWS = 120, 40
"""Terminal size of every run."""

TERM = "xterm-256color"
"""The terminal type the app is told."""

PLACEHOLDER = b"Search: number, name, city, street, email"
"""The search field's placeholder on the start screen."""

FOOTER = b"F1 Help"
"""A footer entry of the start screen."""

CTRL_Q = b"\x11"
"""Quit."""

ESCAPES = re.compile(
    rb"\x1b(?:"
    rb"\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, colours, modes
    rb"|\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, colours
    rb"|P[^\x1b]*\x1b\\"  # DCS
    rb"|[()][0-9A-Za-z]"  # character set selection
    rb"|[@-_=>78])"  # other two-byte escapes
)
"""Terminal escape sequences: CSI, OSC, DCS, charset selection and two-byte escapes."""


def emit(figure: str, value: float | None, unit: str, goal: float | None, **extra: Any) -> None:
    """Print one figure as a JSON line."""
    line: dict[str, Any] = {"figure": figure, "value": value, "unit": unit, "goal": goal}
    if goal is not None and value is not None:
        line["within_goal"] = value <= goal
    line.update(extra)
    print(json.dumps(line), flush=True)


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_startup: {message}", file=sys.stderr, flush=True)


def tui_crm_command() -> Path:
    """Return the installed ``tui-crm`` of this interpreter (else the one on PATH)."""
    beside = Path(sys.executable).parent / "tui-crm"
    if beside.is_file():
        return beside
    found = shutil.which("tui-crm")
    if found is None:
        raise SystemExit("bench_startup: tui-crm is not installed (pip install -e .)")
    return Path(found)


def app_environment(folder: Path) -> dict[str, str]:
    """The environment of every start: its own empty config and data folders, English UI."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TMUX", "TMUX_PANE", "COLORTERM", "TERM_PROGRAM", "TUI_CRM_CONFIG")
    }
    env.update(
        TERM=TERM,
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        TUI_CRM_CONFIG_DIR=str(folder / "config"),
        TUI_CRM_DATA_DIR=str(folder / "data"),
    )
    return env


def build_database(
    command: Path, path: Path, customers: int, seed: int, env: dict[str, str]
) -> None:
    """Create a ``tui-crm demo`` database of ``customers`` at ``path``.

    ``tui-crm demo`` writes a temporary file and renames it, so an interrupted build
    leaves no half-built cache behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    say(f"building a demo database of {customers:,} customers at {path} (may take minutes)")
    started = time.monotonic()
    argv = [str(command), "--db", str(path), "demo", "--customers", str(customers)]
    result = subprocess.run(
        [*argv, "--seed", str(seed)], env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"bench_startup: tui-crm demo failed with status {result.returncode}")
    summary = (result.stdout.strip().splitlines() or [""])[0]
    say(f"{summary} (built in {time.monotonic() - started:.0f} s)")


def upgrade_database(command: Path, path: Path, env: dict[str, str]) -> None:
    """Bring a cached database to the installed schema with ``tui-crm db upgrade``."""
    say(f"upgrading {path} to the installed schema")
    argv = [str(command), "--db", str(path), "db", "upgrade"]
    if subprocess.run(argv, env=env, stdout=sys.stderr, check=False).returncode != 0:
        raise SystemExit(f"bench_startup: cannot upgrade {path}; delete it to rebuild it")


def installed_schema() -> int:
    """The schema version the installed tui-crm writes."""
    from tui_crm.db.migrations import LATEST

    return int(LATEST)


def inspect_database(path: Path) -> tuple[int, int]:
    """Return the schema version of the database at ``path`` and its number of parties."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (version,) = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
        (parties,) = connection.execute("SELECT COUNT(*) FROM party").fetchone()
    finally:
        connection.close()
    return int(version or 0), int(parties)


@dataclass(frozen=True, slots=True)
class Run:
    """One start of the app."""

    first_paint_s: float
    """Seconds from spawning the process to the painted start screen."""
    quit_s: float
    """Seconds from sending Ctrl+Q to the process's exit."""
    exit_status: int
    """The exit status (negative: killed by that signal)."""


def painted(output: bytes) -> bool:
    """Whether ``output`` holds the painted start screen (see the module docstring)."""
    text = ESCAPES.sub(b"", output)
    return PLACEHOLDER in text and FOOTER in text


def read_some(fd: int, until: float) -> bytes | None:
    """Read what the app wrote, waiting until ``until`` at most; None at end of output."""
    ready, _, _ = select.select([fd], [], [], max(0.0, until - time.monotonic()))
    if not ready:
        return b""
    try:
        return os.read(fd, 65536) or None
    except OSError:  # EIO: the app has closed the terminal
        return None


def start_once(argv: Sequence[str], env: dict[str, str], timeout: float) -> Run:
    """Start the app in a new pty, time its first frame, quit it and wait for its exit."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size its terminal before the app can ask for it
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            os.execve(argv[0], list(argv), env)
        except BaseException as error:
            os.write(2, f"cannot start {argv[0]}: {error}\n".encode())
        os._exit(127)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while not painted(bytes(output)):
            chunk = read_some(fd, deadline)
            if chunk is None or time.monotonic() > deadline:
                tail = ESCAPES.sub(b"", bytes(output[-2000:])).decode("utf-8", "replace")
                raise RuntimeError(f"no start screen within {timeout:.0f} s; last output:\n{tail}")
            output += chunk
        first_paint = time.perf_counter() - started
        os.write(fd, CTRL_Q)
        quit_sent = time.perf_counter()
        deadline = time.monotonic() + timeout
        while read_some(fd, deadline) is not None and time.monotonic() < deadline:
            pass  # keep draining, or the app blocks writing its last frames
        status = wait_for_exit(pid, deadline)
        return Run(first_paint, time.perf_counter() - quit_sent, status)
    except BaseException:
        kill(pid)
        raise
    finally:
        os.close(fd)


def wait_for_exit(pid: int, deadline: float) -> int:
    """Wait for ``pid`` until ``deadline``, then kill it; return its exit status."""
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    kill(pid)
    raise RuntimeError("the app did not exit within the timeout after Ctrl+Q")


def kill(pid: int) -> None:
    """Kill ``pid`` and reap it (if it still runs)."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` 0.95 for p95)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded to 0.1 ms."""
    return round(seconds * 1000, 1)


def time_version(command: Path, env: dict[str, str], runs: int) -> list[float]:
    """Wall time of ``tui-crm --version``, ``runs`` times."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(command), "--version"], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, prepare the database, time the starts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--runs", type=int, default=10, metavar="R")
    parser.add_argument("--db", type=Path, metavar="FILE", help="use (or create) this database")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--warmup", type=int, default=1, metavar="W", help="uncounted starts")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.customers < 1:
        parser.error("--runs and --customers must be at least 1")

    command = tui_crm_command()
    with tempfile.TemporaryDirectory(prefix="tui-crm-bench-") as folder:
        env = app_environment(Path(folder))
        schema = installed_schema()
        path = args.db or BENCH_OUT / f"demo-{args.customers}-seed{args.seed}.sqlite"
        if path.exists():
            say(f"using {path}")
        else:
            build_database(command, path, args.customers, args.seed, env)
        version, parties = inspect_database(path)
        if version < schema and args.db is None:
            upgrade_database(command, path, env)
            version, parties = inspect_database(path)
        if version != schema:
            # The app would stop at its upgrade question, and the clock would time that.
            raise SystemExit(
                f"bench_startup: {path} has schema {version}, tui-crm writes {schema}; "
                f"run 'tui-crm --db {path} db upgrade' or give another --db"
            )
        app = [str(command), "--db", str(path), "--clerk", "bench"]
        for number in range(args.warmup):
            say(f"warm-up start {number + 1}/{args.warmup}")
            start_once(app, env, args.timeout)
        runs: list[Run] = []
        for number in range(args.runs):
            run = start_once(app, env, args.timeout)
            say(f"start {number + 1}/{args.runs}: first frame after {ms(run.first_paint_s)} ms")
            if run.exit_status != 0:
                say(f"tui-crm exited with status {run.exit_status}")
            runs.append(run)
        versions = time_version(command, env, args.runs)

    context = {
        "parties": parties,
        "runs": args.runs,
        "terminal": f"{TERM} {COLUMNS}x{ROWS}",
        "database": str(path),
    }
    paints = [run.first_paint_s for run in runs]
    emit("startup_first_paint_median", ms(statistics.median(paints)), "ms", GOAL_MS, **context)
    emit("startup_first_paint_p95", ms(percentile(paints, 0.95)), "ms", GOAL_MS, **context)
    emit("startup_first_paint_min", ms(min(paints)), "ms", GOAL_MS, **context)
    emit("startup_first_paint_max", ms(max(paints)), "ms", GOAL_MS, **context)
    quits = [run.quit_s for run in runs]
    failed = sum(run.exit_status != 0 for run in runs)
    emit(
        "startup_quit_median",
        ms(statistics.median(quits)),
        "ms",
        None,
        failed_exits=failed,
        **context,
    )
    emit(
        "version_wall_median",
        ms(statistics.median(versions)),
        "ms",
        None,
        min=ms(min(versions)),
        max=ms(max(versions)),
        runs=args.runs,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
