"""Documents and open items benchmark: first pages, a 200-line document, the dunning proposal.

Usage::

    python bench/bench_documents.py [--customers N] [--seed S] [--db FILE] [--runs R]
                                    [--warmup W] [--timeout SECONDS] [--no-screens|--no-services]

The database is a ``tui-crm demo`` database of N customers (default 1,000,000), cached in
``bench/out/demo-<N>-seed<S>.sqlite``; ``--db FILE`` uses that file instead, which must be a
COPY of a demo (``cp /work/big/demo-1m.sqlite /tmp/copy``): the script upgrades its schema,
writes a 200-line invoice ``BENCH200`` (once, with its open item) and the clerk's login; the
dunning run is only proposed, never confirmed.

**Services.** Each query is timed ``--runs`` times after a warm-up: the open items' first page
(no filter, overdue, dunning level 4, one customer) and the totals of every unsettled item; the
documents' first page (everyone's newest first, invoices, a number prefix, by number, one
customer); loading the 200-line document (header, lines, totals, chain, open item); and the
dunning proposal for today and for today + 30 days (the demo's levels are exactly current
today, so few items are due; a month later every unsettled item moves on).

**Screens.** The real :class:`~tui_crm.app.CrmApp` runs headless (``App.run_test``, 120x36):
each run presses ``Alt+U`` (open items), ``Alt+B`` (documents) or opens the 200-line document,
and stops the clock at the first frame handed to the display that shows the first page (the
lines), rendered to terminal output: key, compose, mount, CSS, the worker's query, layout and
rendering. Esc closes the screen between runs.

Figures, one JSON line each: ``<name>_p50`` / ``_p95`` / ``_max`` in ms; goals: open items
first page 100 ms, 200-line document 100 ms, dunning proposal 3,000 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, ms, percentile

PAGE_GOAL_MS = 100
"""Open items' first page and a 200-line document: a tenth of a second."""

DUNNING_GOAL_MS = 3000
"""The dunning proposal at 1,000,000 customers."""

SIZE = (120, 36)
"""Terminal size of the headless app."""

BIG_NUMBER = "BENCH200"
"""The number of the 200-line invoice the script adds."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_documents: {message}", file=sys.stderr, flush=True)


BENCH_OUT = Path(__file__).resolve().parent / "out"
"""Cache of the benchmark databases (git-ignored)."""


def build_database(path: Path, customers: int, seed: int) -> None:
    """Create a ``tui-crm demo`` database of ``customers`` at ``path`` (minutes for 1M)."""
    import shutil
    import subprocess

    beside = Path(sys.executable).parent / "tui-crm"
    command = str(beside) if beside.is_file() else shutil.which("tui-crm")
    if command is None:
        raise SystemExit("bench_documents: tui-crm is not installed (pip install -e .)")
    path.parent.mkdir(parents=True, exist_ok=True)
    say(f"building a demo database of {customers:,} customers at {path} (may take minutes)")
    argv = [command, "--db", str(path), "demo", "--customers", str(customers), "--seed", str(seed)]
    if subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False).returncode != 0:
        raise SystemExit("bench_documents: tui-crm demo failed")


def big_document() -> int:
    """The id of the 200-line invoice, created (with an open item and a chain) if missing."""
    from tui_crm.db.connection import db
    from tui_crm.db.models import (
        Article,
        Document,
        DocumentLine,
        DocumentLink,
        OpenItem,
        Party,
    )
    from tui_crm.services import documents

    found = Document.select(Document.id).where(Document.number == BIG_NUMBER).first()
    if found is not None:
        return int(found.id)
    party = Party.select().where(Party.kind == "customer").order_by(Party.id).first()
    articles = list(Article.select().order_by(Article.id).limit(200))
    lines = []
    for position in range(1, 201):
        article = articles[position % len(articles)]
        quantity = Decimal(position % 7 + 1)
        discount = Decimal((0, 0, 5, 10)[position % 4])
        net = documents.line_net(quantity, article.price, discount)
        lines.append((position, article, quantity, discount, net))
    totals = documents.totals((net, article.vat_rate) for _p, article, _q, _d, net in lines)
    with db.atomic():
        order = Document.create(
            number=BIG_NUMBER + "A", kind="order", party=party, date=date.today(), status="done"
        )
        document = Document.create(
            number=BIG_NUMBER,
            kind="invoice",
            party=party,
            date=date.today(),
            due_date=date.today() + timedelta(days=14),
            net_total=totals.net,
            vat_total=totals.vat,
            gross_total=totals.gross,
        )
        DocumentLink.create(source=order, target=document)
        DocumentLine.insert_many(
            [
                {
                    "document": document.id,
                    "position": position,
                    "article": article.id,
                    "text": article.name,
                    "quantity": quantity,
                    "unit": article.unit,
                    "unit_price": article.price,
                    "discount_percent": discount,
                    "vat_rate": article.vat_rate,
                    "net": net,
                }
                for position, article, quantity, discount, net in lines
            ]
        ).execute()
        OpenItem.create(
            document=document, party=party, amount=totals.gross, due_date=document.due_date
        )
    say(f"added the 200-line invoice {BIG_NUMBER} (id {document.id})")
    return int(document.id)


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Seconds of ``runs`` calls after one uncounted call."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def service_figures(document_id: int, runs: int) -> dict[str, list[float]]:
    """Time the services behind the screens."""
    from tui_crm.config import DEFAULT_DUNNING_LEVELS
    from tui_crm.db.models import Document, OpenItem
    from tui_crm.screens.documents import FIRST_PAGE as DOCUMENT_PAGE
    from tui_crm.screens.open_items import FIRST_PAGE as ITEM_PAGE
    from tui_crm.services import documents, dunning, open_items
    from tui_crm.services.documents import DocumentFilter
    from tui_crm.services.open_items import OpenItemFilter

    today = date.today()
    party = int(
        OpenItem.select(OpenItem.party).where(OpenItem.closed_at.is_null()).first().party_id
    )
    heavy = int(Document.select(Document.party).where(Document.kind == "invoice").first().party_id)

    def items(filters: OpenItemFilter) -> Callable[[], object]:
        return lambda: open_items.list_open_items(filters, today, None, ITEM_PAGE + 1)

    def docs(filters: DocumentFilter) -> Callable[[], object]:
        return lambda: documents.list_documents(filters, None, DOCUMENT_PAGE + 1)

    figures = {
        "open_items_first_page": items(OpenItemFilter()),
        "open_items_first_page_overdue": items(OpenItemFilter(overdue=True)),
        "open_items_first_page_level4": items(OpenItemFilter(dunning_level=4)),
        "open_items_first_page_customer": items(OpenItemFilter(party_id=party)),
        "open_items_first_page_clerk": items(OpenItemFilter(clerk_id=2)),
        "open_items_totals_clerk": lambda: open_items.totals(OpenItemFilter(clerk_id=2), today),
        "open_items_totals_all": lambda: open_items.totals(OpenItemFilter(), today),
        "documents_first_page": docs(DocumentFilter()),
        "documents_first_page_invoices": docs(DocumentFilter(kind="invoice")),
        "documents_first_page_number_prefix": docs(DocumentFilter(number="RE12", sort="number")),
        "documents_first_page_customer": docs(DocumentFilter(party_id=heavy)),
        "document_200_lines_load": lambda: documents.load(document_id),
    }
    result = {name: timed(call, runs) for name, call in figures.items()}
    proposal_runs = max(3, runs // 10)
    for name, day in (
        ("dunning_proposal_today", today),
        ("dunning_proposal_in_30_days", today + timedelta(days=30)),
    ):
        count = len(dunning.propose(DEFAULT_DUNNING_LEVELS, day))
        say(f"{name}: {count:,} items proposed")
        result[name] = timed(
            lambda day=day: dunning.propose(DEFAULT_DUNNING_LEVELS, day), proposal_runs
        )
    return result


async def screen_figures(
    path: Path, clerk: int, document_id: int, runs: int, warmup: int, timeout: float
) -> dict[str, list[float]]:
    """Time Alt+U, Alt+B and the 200-line document to their first painted frame."""
    from textual.screen import Screen

    from tui_crm.app import CrmApp
    from tui_crm.config import Settings
    from tui_crm.screens.document import DocumentScreen
    from tui_crm.screens.documents import DocumentsScreen
    from tui_crm.screens.open_items import OpenItemsScreen
    from tui_crm.widgets.document_list import DocumentLineList, DocumentList
    from tui_crm.widgets.open_item_list import OpenItemList

    class TimedApp(CrmApp):
        """CrmApp that notes the first frame for which ``ready(screen)`` holds."""

        ready: Callable[[Screen[Any]], bool] | None = None
        painted: asyncio.Event | None = None
        painted_at = 0.0

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

    def shows(kind: type, widget: type) -> Callable[[Screen[Any]], bool]:
        def ready(screen: Screen[Any]) -> bool:
            return isinstance(screen, kind) and bool(screen.query_one(widget).rows)

        return ready

    app = TimedApp(Settings(database=str(path), clerk="admin", language="en"), clerk)
    results: dict[str, list[float]] = {
        "open_items_screen_first_page": [],
        "documents_screen_first_page": [],
        "document_200_lines_screen": [],
    }

    async def measure(
        pilot: Any, start: Callable[[], Any], ready: Callable[[Screen[Any]], bool]
    ) -> float:
        app.ready = ready
        app.painted = asyncio.Event()
        started = time.perf_counter()
        await start()
        await asyncio.wait_for(app.painted.wait(), timeout)
        app.painted = None
        took = app.painted_at - started
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return took

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        gc.collect()
        gc.freeze()
        for index in range(runs + warmup):
            took = {
                "open_items_screen_first_page": await measure(
                    pilot, lambda: pilot.press("alt+u"), shows(OpenItemsScreen, OpenItemList)
                ),
                "documents_screen_first_page": await measure(
                    pilot, lambda: pilot.press("alt+g"), shows(DocumentsScreen, DocumentList)
                ),
                "document_200_lines_screen": await measure(
                    pilot,
                    lambda: app.push_screen(DocumentScreen(document_id)),
                    shows(DocumentScreen, DocumentLineList),
                ),
            }
            if index >= warmup:
                for name, value in took.items():
                    results[name].append(value)
            else:
                say(
                    f"warm-up {index + 1}/{warmup}: "
                    + ", ".join(f"{k} {ms(v)} ms" for k, v in took.items())
                )
    return results


GOALS = {
    "open_items_first_page": PAGE_GOAL_MS,
    "open_items_screen_first_page": PAGE_GOAL_MS,
    "document_200_lines_load": PAGE_GOAL_MS,
    "document_200_lines_screen": PAGE_GOAL_MS,
    "dunning_proposal_today": DUNNING_GOAL_MS,
    "dunning_proposal_in_30_days": DUNNING_GOAL_MS,
}
"""The goals of the figures that have one."""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, time the services and the screens, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--db", type=Path, metavar="FILE", help="a COPY of a demo database")
    parser.add_argument("--runs", type=int, default=20, metavar="R", help="timed runs")
    parser.add_argument("--warmup", type=int, default=2, metavar="W", help="uncounted runs")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    parser.add_argument("--no-screens", action="store_true", help="time the services only")
    parser.add_argument("--no-services", action="store_true", help="time the screens only")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.customers < 1:
        parser.error("--runs and --customers must be at least 1")
    if args.db is not None and not args.db.exists():
        parser.error(f"{args.db} does not exist")
    path = args.db or BENCH_OUT / f"demo-{args.customers}-seed{args.seed}.sqlite"
    if not path.exists():
        build_database(path, args.customers, args.seed)
    say(f"using {path}")

    with tempfile.TemporaryDirectory(prefix="tui-crm-bench-") as folder:
        os.environ.update(
            TUI_CRM_CONFIG_DIR=str(Path(folder) / "config"),
            TUI_CRM_DATA_DIR=str(Path(folder) / "data"),
            TEXTUAL_CURSOR_BLINK="0",
        )
        from tui_crm import i18n

        i18n.setup("en")
        from tui_crm.db.connection import db, open_database
        from tui_crm.db.migrations import migrate
        from tui_crm.services.customers import ensure_clerk

        database = open_database(path, create=False)
        applied = migrate(database)
        if applied:
            say(f"upgraded {path} to schema {applied[-1]}")
        with db.atomic():
            clerk = ensure_clerk("admin")
        document_id = big_document()
        figures = {} if args.no_services else service_figures(document_id, args.runs)
        if not args.no_screens:
            figures.update(
                asyncio.run(
                    screen_figures(
                        args.db, clerk, document_id, args.runs, args.warmup, args.timeout
                    )
                )
            )
        database.close()

    for name, values in figures.items():
        goal = GOALS.get(name)
        for share, label in ((0.5, "p50"), (0.95, "p95")):
            emit(
                f"{name}_{label}",
                ms(percentile(values, share)),
                "ms",
                goal if label == "p95" else None,
            )
        emit(f"{name}_max", ms(max(values)), "ms", None, runs=len(values))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
