"""Follow-up UI benchmark: the follow-up list's first painted page and the F11 dialog opening.

Usage::

    python bench/bench_followup_ui.py [--customers N] [--seed S] [--db FILE] [--runs R]
                                      [--warmup W] [--clerk LOGIN] [--timeout SECONDS]

The database is a ``tui-crm demo`` database of N customers (default 1,000,000, with about
250,000 open follow-ups), cached in ``bench/out/demo-<N>-seed<S>.sqlite``; ``--db FILE``
uses (or creates) that file instead. It must have schema 3 (``tui-crm --db FILE db upgrade``
adds the follow-up list's indexes); nothing is written to it except the clerk's login and
recently opened customers.

**List.** The real :class:`~tui_crm.app.CrmApp` runs headless (``App.run_test``, 120x36) as
``--clerk`` (default ``mkoch``, a demo clerk with a quarter of the follow-ups). Each run
presses F3 and stops the clock at the first frame the compositor hands to the display in
which the follow-up list shows its first page; the frame is also turned into terminal output
(``render_segments``), so the figure covers the key, compose, mount, CSS, the thread
worker's keyset query, layout and rendering. It is timed for my follow-ups and, after F7,
for everyone's. Esc closes the list between runs.

**F11.** With the list on screen and a follow-up selected, each run presses F11 and stops
the clock at the first painted frame of the dialog (the customer's name, the clerks and the
recent subjects arrive a moment later from a thread worker). Esc closes it between runs.
The app keeps the dialog mounted after its first use; ``followup_dialog_first_open`` is the
first F11 of the session, which composes it.

``--warmup`` runs (default 2) are not counted; the first one parses the screens' CSS.

Figures, one JSON line each on stdout: ``followup_list_first_paint_{mine,all}_{p50,p95,max}``
(ms, goal 100), ``followup_dialog_open_{p50,p95,max}`` (ms, goal 50),
``followup_dialog_first_open`` (ms) and
``followup_due_list_first_page_p95`` (the service alone, ms). Percentiles by nearest rank.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, ms, percentile

BENCH_OUT = Path(__file__).resolve().parent / "out"
"""Cache of the benchmark databases (git-ignored)."""

LIST_GOAL_MS = 100
"""The follow-up list must be painted with its first page within a tenth of a second."""

DIALOG_GOAL_MS = 50
"""The F11 dialog must be on the screen within 50 ms."""

SIZE = (120, 36)
"""Terminal size of the headless app."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_followup_ui: {message}", file=sys.stderr, flush=True)


def build_database(path: Path, customers: int, seed: int) -> None:
    """Create a ``tui-crm demo`` database of ``customers`` at ``path`` (minutes for 1M)."""
    beside = Path(sys.executable).parent / "tui-crm"
    command = str(beside) if beside.is_file() else shutil.which("tui-crm")
    if command is None:
        raise SystemExit("bench_followup_ui: tui-crm is not installed (pip install -e .)")
    path.parent.mkdir(parents=True, exist_ok=True)
    say(f"building a demo database of {customers:,} customers at {path} (may take minutes)")
    argv = [command, "--db", str(path), "demo", "--customers", str(customers), "--seed", str(seed)]
    if subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False).returncode != 0:
        raise SystemExit("bench_followup_ui: tui-crm demo failed")


def time_service(clerk: int, today: date, runs: int) -> list[float]:
    """Time ``followups.due_list`` for the list's first page, mine."""
    from tui_crm.screens.follow_up_list import FIRST_PAGE
    from tui_crm.services import followups

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        followups.due_list(clerk, "all", "", None, FIRST_PAGE + 1, today=today)
        times.append(time.perf_counter() - started)
    return times


async def time_paints(
    path: Path, login: str, clerk: int, runs: int, warmup: int, timeout: float
) -> tuple[list[float], list[float], list[float]]:
    """Press F3 and F11 in a headless app; time each to its painted frame.

    Returns:
        Seconds to the painted list (mine), the painted list (everyone's), and the painted
        F11 dialog, per counted run.
    """
    from textual.screen import Screen

    from tui_crm.app import CrmApp
    from tui_crm.config import Settings
    from tui_crm.screens.follow_up_list import FollowUpListScreen
    from tui_crm.screens.follow_up_modal import FollowUpModal

    class TimedApp(CrmApp):
        """CrmApp that notes the first frame for which ``ready(screen)`` holds."""

        ready: Callable[[Screen[Any]], bool] | None = None
        """What the awaited frame must show."""
        painted: asyncio.Event | None = None
        """Set at that frame."""
        painted_at = 0.0
        """When that frame was rendered."""

        def _display(self, screen: Screen[Any], renderable: Any) -> None:
            super()._display(screen, renderable)
            if (
                self.painted is not None
                and not self.painted.is_set()
                and renderable is not None
                and not self._batch_count
                and self.ready is not None
                and self.ready(screen)
            ):
                render = getattr(renderable, "render_segments", None)
                if render is not None:
                    render(self.console)
                self.painted_at = time.perf_counter()
                self.painted.set()

    def list_shown(screen: Screen[Any]) -> bool:
        return isinstance(screen, FollowUpListScreen) and bool(screen.follow_ups.rows)

    def dialog_shown(screen: Screen[Any]) -> bool:
        return isinstance(screen, FollowUpModal)

    app = TimedApp(Settings(database=str(path), clerk=login, language="en"), clerk)

    async def timed(pilot: Any, key: str, ready: Callable[[Screen[Any]], bool]) -> float:
        app.ready = ready
        app.painted = asyncio.Event()
        started = time.perf_counter()
        await pilot.press(key)
        await asyncio.wait_for(app.painted.wait(), timeout)
        app.painted = None
        return app.painted_at - started

    mine: list[float] = []
    everyone: list[float] = []
    dialog: list[float] = []
    first: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        gc.collect()
        gc.freeze()
        if os.environ.get("BENCH_NO_GC"):
            gc.disable()
        for index in range(runs + warmup):
            opened = await timed(pilot, "f3", list_shown)
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, FollowUpListScreen)
            before = screen.follow_ups.serial

            def everyone_shown(shown: Screen[Any], before: int = before) -> bool:
                return list_shown(shown) and shown.follow_ups.serial > before  # type: ignore[attr-defined]

            all_opened = await timed(pilot, "f7", everyone_shown)
            await app.workers.wait_for_complete()
            await pilot.pause()
            f11 = await timed(pilot, "f11", dialog_shown)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("escape", "escape")
            await app.workers.wait_for_complete()
            await pilot.pause()
            if index >= warmup:
                mine.append(opened)
                everyone.append(all_opened)
                dialog.append(f11)
            else:
                say(f"warm-up {index + 1}/{warmup}: list {ms(opened)} ms, F11 {ms(f11)} ms")
            if index == 0:
                first.append(f11)
    return mine, everyone, dialog + first


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, open the database, time the list and the dialog, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--db", type=Path, metavar="FILE", help="use (or create) this database")
    parser.add_argument("--runs", type=int, default=30, metavar="R", help="timed runs")
    parser.add_argument("--warmup", type=int, default=2, metavar="W", help="uncounted runs")
    parser.add_argument("--clerk", default="mkoch", metavar="LOGIN", help="whose list")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.customers < 1:
        parser.error("--runs and --customers must be at least 1")

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
        from tui_crm.db.models import FollowUp
        from tui_crm.errors import SchemaOutdated
        from tui_crm.services.customers import ensure_clerk

        database = open_database(path, create=False)
        try:
            check(database, str(path))
        except SchemaOutdated as error:
            raise SystemExit(f"bench_followup_ui: {error.msg}") from None
        with db.atomic():
            clerk = ensure_clerk(args.clerk)
        open_count = int(FollowUp.select().where(FollowUp.done_at.is_null()).count())
        service = time_service(clerk, date.today(), 50)
        say(f"{args.runs} runs after {args.warmup} warm-up runs, clerk {args.clerk}")
        mine, everyone, dialog = asyncio.run(
            time_paints(path, args.clerk, clerk, args.runs, args.warmup, args.timeout)
        )
        *dialog, first_dialog = dialog
        database.close()

    context = {
        "open_follow_ups": open_count,
        "database": str(path),
        "terminal": f"{SIZE[0]}x{SIZE[1]}",
        "runs": len(mine),
    }
    for name, values in (("mine", mine), ("all", everyone)):
        for share, label in ((0.5, "p50"), (0.95, "p95")):
            emit(
                f"followup_list_first_paint_{name}_{label}",
                ms(percentile(values, share)),
                "ms",
                LIST_GOAL_MS,
                **context,
            )
        emit(f"followup_list_first_paint_{name}_max", ms(max(values)), "ms", None, **context)
    emit("followup_dialog_open_p50", ms(percentile(dialog, 0.5)), "ms", DIALOG_GOAL_MS, **context)
    emit("followup_dialog_open_p95", ms(percentile(dialog, 0.95)), "ms", DIALOG_GOAL_MS, **context)
    emit("followup_dialog_open_max", ms(max(dialog)), "ms", None, **context)
    emit("followup_dialog_first_open", ms(first_dialog), "ms", None, **{**context, "runs": 1})
    emit(
        "followup_due_list_first_page_p95",
        ms(percentile(service, 0.95)),
        "ms",
        None,
        **{**context, "runs": len(service)},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
