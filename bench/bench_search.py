"""Search query times on a big demo database: name prefix, several words, phone, number.

Usage::

    python bench/bench_search.py [--db FILE] [--queries N] [--seed S]

Samples real names, cities, phone numbers and customer numbers from the database, writes
each the way a clerk would type it, and times ``customers.search_ids`` (the first page of ids,
what the list shows first) and ``customers.search`` (ids plus the rows of that page). Prints
one JSON line per figure with p50, p95 and max in milliseconds; the goal is p95 <= 2 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tui_crm.db.connection import open_database
from tui_crm.services import customers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentile

FIRST_PAGE = 60
"""Ids the start screen asks for before its first paint."""


def sample(database: object, count: int, rng: random.Random) -> dict[str, list[str]]:
    """Typed queries per category, from rows picked at random."""
    execute = database.execute_sql  # type: ignore[attr-defined]
    top = execute("SELECT MAX(id) FROM party").fetchone()[0]
    picks = [rng.randint(1, top) for _ in range(count)]
    marks = ",".join("?" * len(picks))
    parties = execute(
        f"SELECT id, number, last_name, company, city FROM party WHERE id IN ({marks})", picks
    ).fetchall()
    phones = execute(
        f"SELECT e164 FROM phone WHERE party_id IN ({marks}) AND e164 LIKE '+49%'", picks
    ).fetchall()
    names = [(last or company).split()[0] for _id, _n, last, company, _c in parties]
    formats: list[Callable[[str], str]] = [
        lambda e: "0" + e[3:6] + " " + e[6:],
        lambda e: "+49 " + e[3:6] + " " + e[6:],
        lambda e: e[3:6] + "-" + e[6:],
        lambda e: e[-6:],
    ]
    return {
        "name_prefix": [name[:4] for name in names],
        "several_words": [
            f"{name[:4]} {city[:3]}"
            for name, (_i, _n, _l, _co, city) in zip(names, parties, strict=False)
        ],
        "phone_any_format": [formats[i % 4](e164) for i, (e164,) in enumerate(phones)][:count],
        "customer_number": [
            number if i % 2 else number[:4] for i, (_id, number, *_r) in enumerate(parties)
        ],
    }


def time_queries(run: Callable[[str], object], queries: list[str]) -> list[float]:
    """Milliseconds per query (each run once after one warm-up pass over the first ten)."""
    for query in queries[:10]:
        run(query)
    times = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    """Time the searches and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/demo-1000000-seed1.sqlite"))
    parser.add_argument("--queries", type=int, default=300, metavar="N")
    parser.add_argument("--seed", type=int, default=7, metavar="S")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"no database at {args.db}; make one with tui-crm demo", file=sys.stderr)
        return 1
    database = open_database(args.db, create=False)
    parties = database.execute_sql("SELECT COUNT(*) FROM party").fetchone()[0]
    rng = random.Random(args.seed)
    for category, queries in sample(database, args.queries, rng).items():
        for step, run in (
            ("ids", lambda q: customers.search_ids(q, limit=FIRST_PAGE)),
            ("ids_and_rows", lambda q: customers.search(q, limit=FIRST_PAGE)),
        ):
            times = time_queries(run, queries)
            print(
                json.dumps(
                    {
                        "figure": f"search_{category}_{step}",
                        "unit": "ms",
                        "value": round(percentile(times, 0.95), 3),
                        "p50": round(percentile(times, 0.5), 3),
                        "p95": round(percentile(times, 0.95), 3),
                        "max": round(max(times), 3),
                        "queries": len(times),
                        "parties": parties,
                        "goal": 2.0,
                    }
                ),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
