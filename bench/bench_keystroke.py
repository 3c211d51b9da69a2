"""Keystroke in the search field to the repainted result list, through a pty.

Usage::

    python bench/bench_keystroke.py [--db FILE] [--queries N] [--seed S]

Starts the installed ``tui-crm`` on the database in a pseudo-terminal of 120x40 (as a clerk's
terminal would run it), waits for the start screen, then types names and name + city queries
taken from the database one key at a time. For each key it measures the time from writing the
byte to the frame that shows the new result count ("N found" / "No match", drawn together with
the first page of hits), then waits for the output to go quiet before the next key. Esc clears
the field between queries. Prints p50, p95 and max in milliseconds (goal: p95 <= 50 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import (
    ESCAPES,
    app_environment,
    emit,
    kill,
    painted,
    read_some,
    tui_crm_command,
)
from common import percentile

COLUMNS, ROWS = 120, 40
RESULT_MARKERS = (b"found", b"No match")
QUIET_S = 0.05
"""Output silence that ends a keystroke's frames."""


def sample_queries(path: Path, count: int, seed: int) -> list[str]:
    """Names and name + city pairs of random parties, as a clerk would type them."""
    rng = random.Random(seed)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (top,) = connection.execute("SELECT MAX(id) FROM party").fetchone()
        queries = []
        for index in range(count):
            row = connection.execute(
                "SELECT last_name, company, city FROM party WHERE id = ?",
                (rng.randint(1, top),),
            ).fetchone()
            if row is None:
                continue
            name = (row[0] or row[1]).split()[0][:6]
            queries.append(f"{name} {row[2][:3]}" if index % 2 else name)
        return queries
    finally:
        connection.close()


def spawn(argv: Sequence[str], env: dict[str, str]) -> tuple[int, int]:
    """Start the app in a pty of COLUMNS x ROWS; return (pid, fd)."""
    import fcntl
    import pty
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            os.execve(argv[0], list(argv), env)
        finally:
            os._exit(127)
    return pid, fd


def drain(fd: int, quiet: float = QUIET_S) -> bytes:
    """Read until the app has written nothing for ``quiet`` seconds."""
    output = bytearray()
    while True:
        chunk = read_some(fd, time.monotonic() + quiet)
        if not chunk:
            return bytes(output)
        output += chunk


ECHOES: list[float] = []
"""Seconds from each key to the app's first output (the echo in the field)."""


def keystroke(fd: int, key: bytes, timeout: float = 10.0) -> float:
    """Write ``key`` and return the seconds until a frame with the result count arrives."""
    started = time.perf_counter()
    os.write(fd, key)
    seen = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = read_some(fd, deadline)
        if chunk is None:
            raise RuntimeError("the app exited")
        if not seen and chunk:
            ECHOES.append(time.perf_counter() - started)
        seen += chunk
        text = ESCAPES.sub(b"", bytes(seen))
        if any(marker in text for marker in RESULT_MARKERS):
            elapsed = time.perf_counter() - started
            drain(fd)
            return elapsed
    raise RuntimeError(f"no result list after {key!r} within {timeout} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Type the queries and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/demo-1000000-seed1.sqlite"))
    parser.add_argument("--queries", type=int, default=30, metavar="N")
    parser.add_argument("--seed", type=int, default=11, metavar="S")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"no database at {args.db}; run bench/bench_startup.py first", file=sys.stderr)
        return 1
    queries = sample_queries(args.db, args.queries, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        env = app_environment(Path(folder))
        pid, fd = spawn([str(tui_crm_command()), "--db", str(args.db)], env)
        try:
            output = bytearray()
            deadline = time.monotonic() + 30
            while not painted(bytes(output)) and time.monotonic() < deadline:
                output += read_some(fd, deadline) or b""
            drain(fd, 0.3)
            times = []
            for query in queries:
                for char in query:
                    times.append(keystroke(fd, char.encode()) * 1000)
                os.write(fd, b"\x1b")
                drain(fd, 0.2)
        finally:
            kill(pid)
            os.close(fd)
    (parties,) = (
        sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        .execute("SELECT COUNT(*) FROM party")
        .fetchone()
    )
    emit(
        "keystroke_to_results_ms",
        round(percentile(times, 0.95), 1),
        "ms",
        50,
        p50=round(percentile(times, 0.5), 1),
        p95=round(percentile(times, 0.95), 1),
        max=round(max(times), 1),
        keystrokes=len(times),
        parties=parties,
        terminal=f"{COLUMNS}x{ROWS}",
    )
    echoes = [seconds * 1000 for seconds in ECHOES]
    emit(
        "keystroke_to_first_output_ms",
        round(percentile(echoes, 0.95), 1),
        "ms",
        None,
        p50=round(percentile(echoes, 0.5), 1),
        max=round(max(echoes), 1),
        keystrokes=len(echoes),
        note="the field's echo: Textual's own floor for any repaint",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
