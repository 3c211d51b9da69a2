"""Inquiry benchmark: from pushing the customer inquiry to its first painted frame with data.

Usage::

    python bench/bench_inquiry.py [--customers N] [--seed S] [--db FILE] [--runs R]
                                  [--loads L] [--warmup W] [--timeout SECONDS]

The database is a ``tui-crm demo`` database of N customers (default 1,000,000), cached in
``bench/out/demo-<N>-seed<S>.sqlite`` and reused by later runs; ``--db FILE`` uses (or
creates) that file instead. Building a large one takes minutes; progress goes to stderr.

**Paint.** The real :class:`~tui_crm.app.CrmApp` runs headless (``App.run_test``, 120x36)
with its start screen; each run pushes an :class:`~tui_crm.screens.inquiry.InquiryScreen` for
a random customer and stops the clock at the first frame the compositor hands to the display
after the party's data is on the screen. Headless Textual skips the terminal write, so the
frame is also turned into terminal output (``render_segments``) before the clock stops: the
figure covers compose, mount, CSS, the thread worker's queries, layout and rendering, and
leaves out only the ``write()`` to a terminal. ``--warmup`` runs (default 2) are not counted;
the very first one parses the inquiry's CSS. Alt+Down (next customer of a result list) is
timed the same way. The slowest runs are Python's full garbage collections of the app's
objects; ``--gc-freeze`` shows the figures with ``gc.freeze()`` called after start-up.

**Service.** ``inquiry.load`` on ``--loads`` (default 200) random customers, timed one by one
on the open database.

Figures, one JSON line each on stdout: ``inquiry_first_paint_{p50,p95,max}``,
``inquiry_next_paint_{p50,p95}`` (ms, goal 100), ``inquiry_load_{p50,p95,max}`` (ms) and
``inquiry_queries`` (queries per load). Percentiles by nearest rank.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, ms, percentile

BENCH_OUT = Path(__file__).resolve().parent / "out"
"""Cache of the benchmark databases (git-ignored)."""

GOAL_MS = 100
"""The inquiry must be painted with its data within a tenth of a second."""

SIZE = (120, 36)
"""Terminal size of the headless app."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_inquiry: {message}", file=sys.stderr, flush=True)


def build_database(path: Path, customers: int, seed: int) -> None:
    """Create a ``tui-crm demo`` database of ``customers`` at ``path`` (minutes for 1M)."""
    beside = Path(sys.executable).parent / "tui-crm"
    command = str(beside) if beside.is_file() else shutil.which("tui-crm")
    if command is None:
        raise SystemExit("bench_inquiry: tui-crm is not installed (pip install -e .)")
    path.parent.mkdir(parents=True, exist_ok=True)
    say(f"building a demo database of {customers:,} customers at {path} (may take minutes)")
    started = time.monotonic()
    argv = [command, "--db", str(path), "demo", "--customers", str(customers), "--seed", str(seed)]
    result = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"bench_inquiry: tui-crm demo failed with status {result.returncode}")
    say(f"{result.stdout.strip()} (built in {time.monotonic() - started:.0f} s)")


def sample_numbers(count: int, seed: int) -> list[str]:
    """``count`` random party numbers (customers and prospects), drawn by id."""
    from tui_crm.db.models import Party

    highest = int(Party.select(Party.id).order_by(Party.id.desc()).limit(1).scalar() or 0)
    if not highest:
        raise SystemExit("bench_inquiry: the database has no customers")
    rng = random.Random(seed)
    ids = [rng.randint(1, highest) for _ in range(count)]
    numbers = dict(Party.select(Party.id, Party.number).where(Party.id.in_(ids)).tuples())
    return [numbers[i] for i in ids if i in numbers]


def time_loads(numbers: list[str], clerk: int) -> tuple[list[float], int]:
    """Time ``inquiry.load`` for each number; return the times and the queries per load."""
    from playhouse.test_utils import count_queries

    from tui_crm.services import inquiry

    times = []
    for number in numbers:
        started = time.perf_counter()
        inquiry.load(number, clerk)
        times.append(time.perf_counter() - started)
    with count_queries() as counter:
        inquiry.load(numbers[0], clerk)
    return times, counter.count


async def time_paints(
    path: Path, numbers: list[str], clerk: int, warmup: int, timeout: float, freeze: bool
) -> tuple[list[float], list[float]]:
    """Push the inquiry for each number in a headless app; time it to the painted frame.

    Returns:
        Seconds to the first painted frame with data per counted run, and the same for
        Alt+Down to the next number.
    """
    from textual.screen import Screen

    from tui_crm.app import CrmApp
    from tui_crm.config import Settings
    from tui_crm.screens.inquiry import InquiryScreen

    class TimedApp(CrmApp):
        """CrmApp that notes when a frame of the inquiry with the expected party is shown."""

        expected = ""
        """The number whose data the next frame must show."""
        painted: asyncio.Event | None = None
        """Set at that frame."""
        painted_at = 0.0
        """When that frame was rendered."""

        def _display(self, screen: Screen[Any], renderable: Any) -> None:
            super()._display(screen, renderable)
            data = getattr(screen, "data", None)
            if (
                self.painted is not None
                and not self.painted.is_set()
                and renderable is not None
                and not self._batch_count
                and isinstance(screen, InquiryScreen)
                and data is not None
                and data.number == self.expected
            ):
                render = getattr(renderable, "render_segments", None)
                if render is not None:
                    render(self.console)
                self.painted_at = time.perf_counter()
                self.painted.set()

    settings = Settings(database=str(path), clerk="bench", language="en")
    app = TimedApp(settings, clerk)
    opens: list[float] = []
    nexts: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        if freeze:
            gc.collect()
            gc.freeze()
        for index, number in enumerate(numbers):
            following = numbers[(index + 1) % len(numbers)]
            app.expected = number
            app.painted = asyncio.Event()
            started = time.perf_counter()
            app.push_screen(InquiryScreen(number, (number, following)))
            await asyncio.wait_for(app.painted.wait(), timeout)
            opened = app.painted_at - started
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.expected = following
            app.painted = asyncio.Event()
            started = time.perf_counter()
            await pilot.press("alt+down")
            await asyncio.wait_for(app.painted.wait(), timeout)
            stepped = app.painted_at - started
            await app.workers.wait_for_complete()
            app.pop_screen()
            await pilot.pause()
            if index >= warmup:
                opens.append(opened)
                nexts.append(stepped)
            else:
                say(f"warm-up {index + 1}/{warmup}: {ms(opened)} ms")
    return opens, nexts


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, prepare the database, time the loads and paints, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--db", type=Path, metavar="FILE", help="use (or create) this database")
    parser.add_argument("--runs", type=int, default=30, metavar="R", help="inquiries painted")
    parser.add_argument("--loads", type=int, default=200, metavar="L", help="service loads")
    parser.add_argument("--warmup", type=int, default=2, metavar="W", help="uncounted paints")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once the app has started (moves start-up objects out of the GC)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.loads < 1 or args.customers < 1:
        parser.error("--runs, --loads and --customers must be at least 1")

    path = args.db or BENCH_OUT / f"demo-{args.customers}-seed{args.seed}.sqlite"
    if path.exists():
        say(f"using {path}")
    else:
        build_database(path, args.customers, args.seed)

    with tempfile.TemporaryDirectory(prefix="tui-crm-bench-") as folder:
        os.environ.update(
            TUI_CRM_CONFIG_DIR=str(Path(folder) / "config"),
            TUI_CRM_DATA_DIR=str(Path(folder) / "data"),
            TEXTUAL_CURSOR_BLINK="0",
        )
        from tui_crm import i18n

        i18n.setup("en")
        from tui_crm.db.connection import db, open_database
        from tui_crm.db.migrations import check
        from tui_crm.db.models import Party
        from tui_crm.errors import SchemaOutdated
        from tui_crm.services.customers import ensure_clerk

        database = open_database(path, create=False)
        try:
            check(database, str(path))
        except SchemaOutdated as error:
            # A newer schema only adds what other screens need; say so and go on.
            say(f"{error.msg} (the inquiry runs on it as it is)")
        with db.atomic():
            clerk = ensure_clerk("bench")
        parties = int(Party.select().count())
        numbers = sample_numbers(args.loads, args.seed)
        say(f"{len(numbers)} service loads")
        loads, queries = time_loads(numbers, clerk)
        painted = sample_numbers(args.runs + args.warmup + 1, args.seed + 1)
        say(f"{args.runs} painted inquiries after {args.warmup} warm-up runs")
        opens, nexts = asyncio.run(
            time_paints(
                path,
                painted[: args.runs + args.warmup],
                clerk,
                args.warmup,
                args.timeout,
                args.gc_freeze,
            )
        )
        database.close()

    context = {"parties": parties, "database": str(path), "terminal": f"{SIZE[0]}x{SIZE[1]}"}
    paint = {**context, "runs": len(opens), "gc_freeze": args.gc_freeze}
    emit("inquiry_first_paint_p50", ms(percentile(opens, 0.5)), "ms", GOAL_MS, **paint)
    emit("inquiry_first_paint_p95", ms(percentile(opens, 0.95)), "ms", GOAL_MS, **paint)
    emit("inquiry_first_paint_max", ms(max(opens)), "ms", GOAL_MS, **paint)
    emit("inquiry_next_paint_p50", ms(percentile(nexts, 0.5)), "ms", GOAL_MS, **paint)
    emit("inquiry_next_paint_p95", ms(percentile(nexts, 0.95)), "ms", GOAL_MS, **paint)
    service = {**context, "loads": len(loads)}
    emit("inquiry_load_p50", ms(percentile(loads, 0.5)), "ms", None, **service)
    emit("inquiry_load_p95", ms(percentile(loads, 0.95)), "ms", None, **service)
    emit("inquiry_load_max", ms(max(loads)), "ms", None, **service)
    emit("inquiry_queries", queries, "queries", None, **context)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
