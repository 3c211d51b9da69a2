"""Caller-ID lookup times on a big demo database: stored numbers in the formats a PBX sends.

Usage::

    python bench/bench_callerid.py [--db FILE] [--queries N] [--seed S] [--no-process]

Opens the database read-only (``mode=ro``: nothing is written), samples N stored phone
numbers at random (German ones, customers', prospects' and contact persons'), writes each
the way a caller ID or a clerk may give it, and times, per format:

- ``callerid_match_<format>``: :func:`~tui_crm.services.telephony.callerid.matches`, the
  caller lookup in the database (every reading of the number, index seeks only);
- ``callerid_card_<format>``: :func:`~tui_crm.services.telephony.callerid.caller_card`,
  the whole pop-up (lookup plus balance, dunning level, next follow-up, last contact).

The number plan is a PBX with outside line ``0`` (so ``007755883334`` is national), and for
the ``local`` format the number's own area code. ``unknown`` are valid numbers nobody has
(the lookup also tries the PBX base numbers). ``callerid_process`` runs the lookup as a
fresh Python process would: import, open, look up, print (``--no-process`` skips it); the
command itself is wired in ``cli.py``.

One JSON line per figure: p50, p95 and max in milliseconds; the goal is p95 <= 1 ms
(``callerid_process``: 150 ms). Each format is run once over its first ten numbers to warm
up, as a running app has its indexes in the cache.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import phonenumbers
from peewee import SqliteDatabase

from tui_crm.db.connection import db
from tui_crm.services.phones import NumberPlan
from tui_crm.services.telephony import callerid

PLAN = NumberPlan(region="DE", outside_line_prefix="0")
"""A PBX with outside line 0, no local area code."""

GOAL_MS = 1.0
"""p95 goal of a lookup in the database."""

PROCESS_GOAL_MS = 150.0
"""Goal of ``tui-crm callerid`` as a whole process."""


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def open_read_only(path: Path) -> SqliteDatabase:
    """Open ``path`` read-only and bind the models to it."""
    database = SqliteDatabase(
        f"file:{path}?mode=ro",
        uri=True,
        pragmas={"cache_size": -64_000, "temp_store": 2},
        check_same_thread=False,
    )
    database.connect()
    db.initialize(database)
    return database


def _national(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def _area_split(e164: str) -> tuple[str, str]:
    """``(area code, subscriber)`` of a German geographic number, else ``("", "")``."""
    number = phonenumbers.parse(e164, None)
    length = phonenumbers.length_of_geographical_area_code(number)
    national = str(number.national_number)
    return (national[:length], national[length:]) if length else ("", "")


FORMATS: dict[str, Callable[[str], str]] = {
    "e164": lambda e164: e164,
    "national": lambda e164: _national(phonenumbers.parse(e164, None)),
    "international_00": lambda e164: "00" + e164[1:],
    "outside_line": lambda e164: "0" + "0" + e164[3:],
    "no_plus": lambda e164: e164[1:],
    "din_brackets": lambda e164: "(0" + e164[3:6] + ") " + e164[6:],
}
"""How a stored ``+49…`` number is written in each format."""


def sample(database: SqliteDatabase, count: int, rng: random.Random) -> list[str]:
    """Stored German numbers of random phone rows."""
    top = database.execute_sql("SELECT MAX(id) FROM phone").fetchone()[0]
    found: list[str] = []
    while len(found) < count:
        picks = [rng.randint(1, top) for _ in range(count)]
        marks = ",".join("?" * len(picks))
        found += [
            str(row[0])
            for row in database.execute_sql(
                f"SELECT e164 FROM phone WHERE id IN ({marks}) AND e164 LIKE '+49%'", picks
            ).fetchall()
        ]
    rng.shuffle(found)
    return found[:count]


def unknown_numbers(database: SqliteDatabase, count: int, rng: random.Random) -> list[str]:
    """Valid German numbers no phone row has."""
    found: list[str] = []
    while len(found) < count:
        candidate = f"+49{rng.choice(['221', '30', '89', '40', '7755'])}{rng.randint(10**5, 10**7)}"
        number = phonenumbers.parse(candidate, None)
        if not phonenumbers.is_valid_number(number):
            continue
        stored = database.execute_sql("SELECT 1 FROM phone WHERE e164 = ?", (candidate,))
        if stored.fetchone() is None:
            found.append(candidate)
    return found


def time_calls(calls: Sequence[Callable[[], object]]) -> list[float]:
    """Milliseconds per call (after a warm-up run of the first ten)."""
    for call in calls[:10]:
        call()
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def figure(name: str, times: Sequence[float], parties: int, goal: float, **extra: object) -> None:
    """Print one JSON line."""
    print(
        json.dumps(
            {
                "figure": name,
                "unit": "ms",
                "value": round(percentile(times, 0.95), 3),
                "p50": round(percentile(times, 0.5), 3),
                "p95": round(percentile(times, 0.95), 3),
                "max": round(max(times), 3),
                "queries": len(times),
                "parties": parties,
                "goal": goal,
                **extra,
            }
        ),
        flush=True,
    )


PROCESS = """
import sys, time
started = time.perf_counter()
sys.modules.setdefault("psycopg2", None)  # as cli.main does for SQLite
from pathlib import Path
from peewee import SqliteDatabase
from tui_crm.db.connection import db
from tui_crm.services.phones import NumberPlan
from tui_crm.services.telephony.callerid import lookup_for_cli
database = SqliteDatabase(f"file:{sys.argv[1]}?mode=ro", uri=True)
database.connect()
db.initialize(database)
answer = lookup_for_cli(sys.argv[2], NumberPlan("DE", "0"))
sys.stdout.write(answer.stdout)
print(f"{(time.perf_counter() - started) * 1000:.3f}", file=sys.stderr)
"""


def process_times(path: Path, numbers: Sequence[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall time of whole processes, and the in-process part (imports, open, lookup)."""
    walls, inside = [], []
    for index in range(runs + 1):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", PROCESS, str(path), numbers[index % len(numbers)]],
            capture_output=True,
            text=True,
            check=True,
        )
        if index:  # the first run warms the OS cache
            walls.append((time.perf_counter() - started) * 1000)
            inside.append(float(result.stderr.strip().splitlines()[-1]))
    return walls, inside


def main(argv: Sequence[str] | None = None) -> int:
    """Time the lookups and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/big/demo-1m.sqlite"))
    parser.add_argument("--queries", type=int, default=1000, metavar="N")
    parser.add_argument("--seed", type=int, default=11, metavar="S")
    parser.add_argument("--process-runs", type=int, default=20, metavar="R")
    parser.add_argument("--no-process", action="store_true")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"no database at {args.db}; make one with tui-crm demo", file=sys.stderr)
        return 1
    database = open_read_only(args.db)
    parties = database.execute_sql("SELECT COUNT(*) FROM party").fetchone()[0]
    rng = random.Random(args.seed)
    stored = sample(database, args.queries, rng)
    found = 0
    for name, write in FORMATS.items():
        texts = [write(e164) for e164 in stored]
        match_times = time_calls([lambda t=t: callerid.matches(t, PLAN) for t in texts])
        card_times = time_calls([lambda t=t: callerid.caller_card(t, PLAN) for t in texts])
        found = sum(bool(callerid.matches(t, PLAN)) for t in texts[:100])
        figure(f"callerid_match_{name}", match_times, parties, GOAL_MS, found_of_100=found)
        figure(f"callerid_card_{name}", card_times, parties, GOAL_MS)
    local = [(e164, *_area_split(e164)) for e164 in stored]
    local = [(area, subscriber) for _e164, area, subscriber in local if area]
    plans = {area: NumberPlan("DE", "0", area) for area, _subscriber in local}
    match_times = time_calls([lambda a=a, s=s: callerid.matches(s, plans[a]) for a, s in local])
    card_times = time_calls([lambda a=a, s=s: callerid.caller_card(s, plans[a]) for a, s in local])
    figure("callerid_match_local", match_times, parties, GOAL_MS)
    figure("callerid_card_local", card_times, parties, GOAL_MS)
    strangers = unknown_numbers(database, min(args.queries, 300), rng)
    figure(
        "callerid_card_unknown",
        time_calls([lambda t=t: callerid.caller_card(t, PLAN) for t in strangers]),
        parties,
        GOAL_MS,
    )
    figure(
        "callerid_card_withheld",
        time_calls([lambda: callerid.caller_card("anonymous", PLAN)] * 100),
        parties,
        GOAL_MS,
    )
    database.close()
    if not args.no_process:
        walls, inside = process_times(args.db, stored, args.process_runs)
        figure("callerid_process", walls, parties, PROCESS_GOAL_MS)
        figure("callerid_process_inside", inside, parties, PROCESS_GOAL_MS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
