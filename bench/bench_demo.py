"""Benchmark of ``tui-crm demo``: generate N customers into a temp SQLite file, print JSON lines.

Usage: ``python bench/bench_demo.py [--customers N] [--seed S] [--keep DIR]``. Every figure is
one JSON object per line on stdout; progress goes to stderr. The goal is 100,000 customers
with their documents in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate
from tui_crm.services import demo

GOAL_SECONDS = 60
"""Target for 100,000 customers."""

TODAY = date(2025, 6, 2)
"""A fixed day, so that every run writes the same data."""


def emit(figure: str, **values: Any) -> None:
    """Print one figure as a JSON line."""
    print(json.dumps({"figure": figure, **values}), flush=True)


def show_progress(done: int, total: int) -> None:
    """Progress on stderr, overwritten in place."""
    sys.stderr.write(f"\r{done:,}/{total:,}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run(customers: int, seed: int, folder: Path) -> None:
    """Generate the demo in ``folder`` and print its figures."""
    path = folder / "crm.sqlite"
    if path.exists():
        raise SystemExit(f"{path} exists; --keep needs a folder without a crm.sqlite")
    database = open_database(path)
    migrate(database)
    started = time.perf_counter()
    summary = demo.generate(database, customers, seed, today=TODAY, progress=show_progress)
    seconds = time.perf_counter() - started
    tables = [
        name
        for (name,) in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    rows = sum(
        database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables
    )
    database.close()
    emit(
        "demo_generation",
        customers=customers,
        seconds=round(seconds, 2),
        customers_per_s=round(customers / seconds) if seconds else None,
        goal_seconds=GOAL_SECONDS,
        within_goal=seconds < GOAL_SECONDS * customers / 100_000,
    )
    emit("demo_rows", customers=customers, rows=rows, rows_per_s=round(rows / seconds))
    emit(
        "demo_counts",
        customers=summary.customers,
        prospects=summary.prospects,
        contact_persons=summary.contact_persons,
        phones=summary.phones,
        documents=summary.documents,
        document_lines=summary.document_lines,
        open_items=summary.open_items,
        follow_ups=summary.follow_ups,
        contacts=summary.contacts,
    )
    size = sum(file.stat().st_size for file in folder.glob("crm.sqlite*"))
    emit("demo_db_size", customers=customers, bytes=size, mib=round(size / 2**20, 1))
    # ru_maxrss is KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    emit("demo_peak_rss", customers=customers, mib=round(peak / 1024, 1))


def main() -> None:
    """Parse the arguments and run the benchmark in a temp dir (or ``--keep DIR``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=100_000, metavar="N")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the database here")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.customers, args.seed, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="tui-crm-bench-") as folder:
        run(args.customers, args.seed, Path(folder))


if __name__ == "__main__":
    main()
