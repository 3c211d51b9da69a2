"""Sales benchmark: a customer's sales and account sheet tabs, the company sales, the reports.

Usage::

    python bench/bench_sales.py --db FILE [--customers N] [--runs R] [--warmup W]

``FILE`` is a ``tui-crm demo`` database at the current schema: copy the shared one and
upgrade the copy (the app writes "recently opened", and version 6 adds the covering
indexes), e.g. ``cp /work/big/demo-1m.sqlite /tmp/s.sqlite && tui-crm --db /tmp/s.sqlite
db upgrade``. The script refuses an outdated schema instead of writing to it.

**Service.** ``sales.customer_sales`` and the account sheet's first page (totals per year
and 200 entries) on ``--customers`` random customers plus the five with the most documents;
company sales per month over five years (the first run on a cold process, then warm);
the first page of lapsed customers and of customers above a revenue.

**Paint.** The real app runs headless (120x36) with the inquiry of a customer on its main
tab; the clock runs from switching to the sales (then the account sheet) tab until the first
frame with that customer's figures is rendered to terminal output.

Figures, one JSON line each: ``sales_service_{p50,p95,max}``, ``account_first_page_{p50,p95,
max}``, ``sales_tab_paint_{p50,p95}``, ``account_tab_paint_{p50,p95}`` (ms, goal 100),
``notes_tab_paint_{p50,p95}`` (a tab filled beforehand, for comparison),
``company_months_5y_{cold,warm}`` (ms, goal 2000), ``report_lapsed_first_page``,
``report_revenue_first_page`` (ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, ms, percentile

GOAL_TAB_MS = 100
"""A customer's sales tab must be painted within a tenth of a second."""

GOAL_COMPANY_MS = 2000
"""Company sales per month over five years within two seconds."""

SIZE = (120, 36)
"""Terminal size of the headless app."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_sales: {message}", file=sys.stderr, flush=True)


def timed(work: Callable[[], object]) -> float:
    """Seconds ``work`` takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def account_first_page(party_id: int) -> None:
    """What the account sheet tab reads: the totals per year and the first page."""
    from tui_crm.services import account

    account.years(party_id)
    account.entries(party_id, None, account.PAGE + 1)


def sample(count: int, seed: int) -> list[tuple[int, str]]:
    """``count`` random customers (id, number) and the five with the most documents."""
    from tui_crm.db.connection import db

    highest = int(db.execute_sql("SELECT MAX(id) FROM party").fetchone()[0] or 0)
    rng = random.Random(seed)
    ids = {rng.randint(1, highest) for _ in range(count * 2)}
    marks = ", ".join("?" * len(ids))
    rows = db.execute_sql(
        f"SELECT id, number FROM party WHERE kind = 'customer' AND id IN ({marks})",
        tuple(ids),
    ).fetchall()[:count]
    heavy = db.execute_sql(
        "SELECT p.id, p.number FROM (SELECT party_id, COUNT(*) AS n FROM document "
        "GROUP BY party_id ORDER BY n DESC LIMIT 5) t JOIN party p ON p.id = t.party_id"
    ).fetchall()
    return [(int(i), str(n)) for i, n in [*rows, *heavy]]


async def time_tabs(
    path: Path, customers: list[tuple[int, str]], clerk: int, warmup: int
) -> tuple[list[float], list[float], list[float]]:
    """Switch to the notes (for comparison: already filled), the sales and the account sheet
    tab of each customer; time each to its first frame with the customer's figures."""
    from textual.screen import Screen

    from tui_crm.app import CrmApp
    from tui_crm.config import Settings
    from tui_crm.screens.inquiry import InquiryScreen
    from tui_crm.widgets.account_list import AccountList
    from tui_crm.widgets.account_sheet import AccountSheet
    from tui_crm.widgets.party_tabs import PartyTabs
    from tui_crm.widgets.sales_panel import SalesPanel

    class TimedApp(CrmApp):
        """CrmApp noting the first frame after ``ready()`` says the figures are there."""

        ready: Callable[[], bool] | None = None
        """Whether the frame shows what is awaited."""
        painted: asyncio.Event | None = None
        """Set at that frame."""
        painted_at = 0.0
        """When that frame was rendered."""

        def _display(self, screen: Screen[Any], renderable: Any) -> None:
            super()._display(screen, renderable)
            ready = self.ready
            if (
                self.painted is not None
                and not self.painted.is_set()
                and renderable is not None
                and not self._batch_count
                and ready is not None
                and ready()
            ):
                render = getattr(renderable, "render_segments", None)
                if render is not None:
                    render(self.console)
                self.painted_at = time.perf_counter()
                self.painted.set()

    def checks(screen: Any, tabs: Any, party_id: int) -> list[tuple[str, Callable[[], bool]]]:
        """The tabs switched to, each with the test that its frame shows the customer."""

        def sales_shown() -> bool:
            panels = screen.query(SalesPanel)
            return bool(panels) and panels.first().party_id == party_id

        def account_shown() -> bool:
            sheets = screen.query(AccountSheet)
            return (
                bool(sheets)
                and sheets.first().party_id == party_id
                and screen.query_one(AccountList).loaded
            )

        return [
            ("notes", lambda: bool(tabs.active == "tab-notes")),
            ("sales", sales_shown),
            ("account", account_shown),
        ]

    app = TimedApp(Settings(database=str(path), clerk="bench", language="en"), clerk)
    static_times: list[float] = []
    sales_times: list[float] = []
    account_times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        for index, (party_id, number) in enumerate(customers):
            await app.push_screen(InquiryScreen(number, (number,)))
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            tabs = screen.query_one(PartyTabs)
            measured = []
            for name, check in checks(screen, tabs, party_id):
                app.ready = check
                app.painted = asyncio.Event()
                started = time.perf_counter()
                tabs.show_tab(name)
                await asyncio.wait_for(app.painted.wait(), 30)
                measured.append(app.painted_at - started)
                app.ready = None
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert isinstance(screen, InquiryScreen)
            app.pop_screen()
            await pilot.pause()
            if index >= warmup:
                static_times.append(measured[0])
                sales_times.append(measured[1])
                account_times.append(measured[2])
    return static_times, sales_times, account_times


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, time the services and the tabs, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, required=True, metavar="FILE")
    parser.add_argument("--customers", type=int, default=100, metavar="N")
    parser.add_argument("--runs", type=int, default=20, metavar="R", help="tabs painted")
    parser.add_argument("--warmup", type=int, default=2, metavar="W")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    args = parser.parse_args(argv)

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
        from tui_crm.errors import CrmError
        from tui_crm.services import reports, sales
        from tui_crm.services.customers import ensure_clerk

        database = open_database(args.db, create=False)
        try:
            check(database, str(args.db))
        except CrmError as error:
            raise SystemExit(
                f"bench_sales: {error.msg} (on a copy, never the shared file)"
            ) from None
        parties = int(db.execute_sql("SELECT COUNT(*) FROM party").fetchone()[0])
        context = {"parties": parties, "database": str(args.db)}
        today = date.today()

        company = reports.company_default(today, 5)
        cold = timed(lambda: reports.company(company))
        warm = [timed(lambda: reports.company(company)) for _ in range(3)]
        emit("company_months_5y_cold", ms(cold), "ms", GOAL_COMPANY_MS, **context)
        emit("company_months_5y_warm", ms(min(warm)), "ms", GOAL_COMPANY_MS, **context)
        lapsed = reports.Lapsed(
            today.replace(year=today.year - 1), today.replace(year=today.year - 1)
        )
        emit(
            "report_lapsed_first_page",
            ms(timed(lambda: reports.lapsed(lapsed))),
            "ms",
            None,
            **context,
        )
        above = reports.AboveRevenue(date(today.year, 1, 1), Decimal("1000"))
        emit(
            "report_revenue_first_page",
            ms(timed(lambda: reports.above_revenue(above))),
            "ms",
            None,
            **context,
        )

        customers = sample(args.customers, args.seed)
        say(f"{len(customers)} customers (the last five have the most documents)")
        service = [timed(partial(sales.customer_sales, i, n, today)) for i, n in customers]
        first_page = [timed(partial(account_first_page, i)) for i, _n in customers]
        counted = {**context, "customers": len(customers)}
        for name, values in (("sales_service", service), ("account_first_page", first_page)):
            emit(f"{name}_p50", ms(percentile(values, 0.5)), "ms", GOAL_TAB_MS, **counted)
            emit(f"{name}_p95", ms(percentile(values, 0.95)), "ms", GOAL_TAB_MS, **counted)
            emit(f"{name}_max", ms(max(values)), "ms", GOAL_TAB_MS, **counted)

        with db.atomic():
            clerk = ensure_clerk("bench")
        count = args.runs + args.warmup
        painted = [*customers[: max(0, count - 5)], *customers[-5:]][:count]
        say(f"{args.runs} tabs painted after {args.warmup} warm-up runs")
        static_paints, sales_paints, account_paints = asyncio.run(
            time_tabs(args.db, painted, clerk, args.warmup)
        )
        database.close()
    paint = {**context, "runs": len(sales_paints), "terminal": f"{SIZE[0]}x{SIZE[1]}"}
    for name, values in (
        ("notes_tab_paint", static_paints),
        ("sales_tab_paint", sales_paints),
        ("account_tab_paint", account_paints),
    ):
        goal = None if name == "notes_tab_paint" else GOAL_TAB_MS
        emit(f"{name}_p50", ms(percentile(values, 0.5)), "ms", goal, **paint)
        emit(f"{name}_p95", ms(percentile(values, 0.95)), "ms", goal, **paint)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
