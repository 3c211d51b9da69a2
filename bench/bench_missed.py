"""The missed-call list on a big demo database: first page and further pages.

Usage::

    python bench/bench_missed.py --db FILE [--unknown N] [--runs R]

WRITES to the database: it upgrades it to the current schema if needed and, when
``unknown_call`` is empty, adds N missed calls of unknown and withheld numbers spread over
the last two years (the demo has only customers' missed calls). Run it on a copy.

Figures (p50/p95/max in ms over R runs, goal p95 <= 50 ms):

- ``missed_first_page``: :func:`~tui_crm.services.telephony.journal.missed_calls` with 61
  rows, as the screen's first paint reads it (both halves, the merge, the call-back check);
- ``missed_next_page``: the 201 rows after a position deep in the list (keyset paging).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from tui_crm.db import migrations
from tui_crm.db.connection import open_database
from tui_crm.db.models import UnknownCall
from tui_crm.services.telephony import journal

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, ms, percentile

GOAL_MS = 50.0
"""p95 goal of a page."""


def add_unknown(count: int, seed: int) -> None:
    """``count`` missed calls of unknown (4 in 5) and withheld numbers, in one transaction."""
    rng = random.Random(seed)
    now = datetime.now().replace(microsecond=0)
    rows = []
    for _ in range(count):
        withheld = rng.random() < 0.2
        number = "" if withheld else f"089{rng.randrange(1_000_000, 9_999_999)}"
        rows.append(
            {
                "at": now - timedelta(seconds=rng.randrange(0, 2 * 365 * 86400)),
                "number": number,
                "phone_e164": "" if withheld else "+4989" + number[3:],
                "withheld": withheld,
            }
        )
    database = UnknownCall._meta.database
    with database.atomic():
        for start in range(0, len(rows), 5000):
            UnknownCall.insert_many(rows[start : start + 5000]).execute()


def main() -> int:
    """Upgrade, fill, time."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="a COPY of a big demo database")
    parser.add_argument("--unknown", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    database = open_database(args.db)
    migrations.migrate(database)
    if not UnknownCall.select().exists():
        add_unknown(args.unknown, args.seed)
    journal.missed_calls(limit=61)  # warm the cache as a running app has it
    first, deep = [], []
    rows = journal.missed_calls(limit=2000)
    positions = [row.key for row in rows[100::20]]
    for run in range(args.runs):
        started = time.perf_counter()
        journal.missed_calls(limit=61)
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        journal.missed_calls(after=positions[run % len(positions)], limit=201)
        deep.append(time.perf_counter() - started)
    missed = journal.missed_calls(limit=1)
    for figure, values in (("missed_first_page", first), ("missed_next_page", deep)):
        emit(
            figure,
            ms(percentile(values, 0.95)),
            "ms",
            GOAL_MS,
            p50=ms(percentile(values, 0.5)),
            max=ms(max(values)),
            runs=args.runs,
            newest=missed[0].at.isoformat() if missed else None,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
