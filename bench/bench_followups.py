"""Follow-up, contact, call-suggestion and history timings on a big demo database.

Usage::

    python bench/bench_followups.py [--customers N] [--seed S] [--db FILE] [--runs R]
                                    [--saves N] [--events N] [--today YYYY-MM-DD]

The database is a ``tui-crm demo`` database of N customers (default 1,000,000, which has
about 380,000 follow-ups, 250,000 of them open), cached in
``bench/out/demo-<N>-seed<S>.sqlite``; ``--db FILE`` uses (or creates) that file instead.

Reads run on that file and change nothing. Writes run on a copy in the temp folder, made
with SQLite's backup API and deleted afterwards, committing each save as the app does:

- ``followups_due_first_page_{mine,all}``: the first 200 rows of the due list (goal 100 ms);
  ``followups_due_page_in_today``: a page in the middle of today's rows;
  ``followups_section_counts_{mine,all}``; ``followups_search``: a name typed into the
  list's search; ``followups_change_marker``: one poll.
- ``followups_save``: ``followups.create`` committed, ``--saves`` times (goal p95 20 ms);
  ``followups_done_with_contact``; ``contacts_log_save``.
- ``call_suggestions_first_page`` (goal 200 ms) and ``call_suggestions_first_contacted_page``
  (the first page after the never-contacted parties).
- ``history_first_page``: the full history of one customer given ``--events`` (default
  5,000) events in the copy (goal 100 ms); ``history_deep_page`` ten pages in.

One JSON line per figure on stdout (``value`` is the p95 in ms, with p50, max and the
goal); progress on stderr. Percentiles by nearest rank.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tui_crm import i18n
from tui_crm.db.connection import open_database
from tui_crm.services import contacts, followups, history
from tui_crm.services.contacts import ContactDraft
from tui_crm.services.followups import FollowUpDraft

BENCH_OUT = Path(__file__).resolve().parent / "out"
"""Cache of the benchmark databases (git-ignored)."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_followups: {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` 0.95 for p95)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def emit(figure: str, times: list[float], goal: float | None, **extra: Any) -> None:
    """Print one figure: p95 as the value, with p50, max and the goal."""
    p95 = round(percentile(times, 0.95), 2)
    line: dict[str, Any] = {
        "figure": figure,
        "value": p95,
        "unit": "ms",
        "p50": round(percentile(times, 0.5), 2),
        "p95": p95,
        "max": round(max(times), 2),
        "runs": len(times),
        "goal": goal,
    }
    if goal is not None:
        line["within_goal"] = p95 <= goal
    line.update(extra)
    print(json.dumps(line), flush=True)


def timed(run: Callable[[int], object], count: int, warmup: int = 2) -> list[float]:
    """Milliseconds of ``run(i)`` for ``i`` in ``range(count)``, after ``warmup`` runs."""
    for index in range(warmup):
        run(index)
    times = []
    for index in range(count):
        started = time.perf_counter()
        run(index)
        times.append((time.perf_counter() - started) * 1000)
    return times


def build_database(path: Path, customers: int, seed: int) -> None:
    """Create a ``tui-crm demo`` database of ``customers`` at ``path`` (minutes for 1M)."""
    beside = Path(sys.executable).parent / "tui-crm"
    command = str(beside) if beside.is_file() else shutil.which("tui-crm")
    if command is None:
        raise SystemExit("bench_followups: tui-crm is not installed (pip install -e .)")
    path.parent.mkdir(parents=True, exist_ok=True)
    say(f"building a demo database of {customers:,} customers at {path} (may take minutes)")
    argv = [command, "--db", str(path), "demo", "--customers", str(customers), "--seed", str(seed)]
    if subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False).returncode != 0:
        raise SystemExit("bench_followups: tui-crm demo failed")


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently (WAL included) with the backup API."""
    say(f"copying {source} for the write figures")
    started = time.monotonic()
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    with writer:
        reader.backup(writer, pages=65_536)
    writer.execute("PRAGMA journal_mode=wal")
    reader.close()
    writer.close()
    say(f"copied in {time.monotonic() - started:.0f} s")


def read_figures(database: Any, runs: int, today: date, rng: random.Random) -> None:
    """The figures that only read."""
    execute = database.execute_sql
    owners = [row[0] for row in execute("SELECT id FROM clerk ORDER BY id").fetchall()]
    open_count = execute("SELECT COUNT(*) FROM follow_up WHERE done_at IS NULL").fetchone()[0]
    say(f"{open_count:,} open follow-ups, {len(owners)} clerks")
    emit(
        "followups_due_first_page_mine",
        timed(lambda i: followups.due_list(owners[i % len(owners)], "all", today=today), runs),
        100,
        open_follow_ups=open_count,
    )
    emit(
        "followups_due_first_page_all",
        timed(lambda _i: followups.due_list(None, "all", today=today), runs),
        100,
        open_follow_ups=open_count,
    )
    middle = followups.due_list(None, "today", limit=100, today=today)
    after = middle[-1].key if middle else None
    emit(
        "followups_due_page_in_today",
        timed(lambda _i: followups.due_list(None, "all", after=after, today=today), runs),
        100,
    )
    emit(
        "followups_section_counts_mine",
        timed(lambda i: followups.section_counts(owners[i % len(owners)], today), runs),
        100,
    )
    emit(
        "followups_section_counts_all",
        timed(lambda _i: followups.section_counts(None, today), runs),
        100,
    )
    names = [
        row[0][:5]
        for row in execute(
            "SELECT last_name FROM party WHERE last_name <> '' AND id % 997 = 0 LIMIT 200"
        ).fetchall()
    ]
    rng.shuffle(names)
    emit(
        "followups_search",
        timed(lambda i: followups.due_list(None, "all", names[i % len(names)], today=today), runs),
        None,
        note="a name prefix typed into the list's search, everyone's list",
    )
    emit("followups_change_marker", timed(lambda _i: followups.change_marker(database), runs), None)
    emit(
        "call_suggestions_first_page",
        timed(lambda _i: contacts.call_suggestions(today), runs),
        200,
    )
    never = contacts.call_suggestions(today, limit=1_000_000)
    last_never = [row for row in never if row.due_at is None]
    start = last_never[-1].key if last_never else None
    emit(
        "call_suggestions_first_contacted_page",
        timed(lambda _i: contacts.call_suggestions(today, start), runs),
        200,
        suggestions=len(never),
        never_contacted=len(last_never),
    )


def add_events(database: Any, party: int, count: int, clerk: int) -> None:
    """Give ``party`` ``count`` events spread over five years, committed in one go."""
    rng = random.Random(5)
    start = datetime(2021, 1, 1)
    moments = sorted(start + timedelta(minutes=rng.randrange(0, 5 * 525_600)) for _ in range(count))
    execute = database.execute_sql
    with database.atomic():
        for index, at in enumerate(moments):
            share = index % 10
            if share < 4:
                execute(
                    "INSERT INTO contact_log (party_id, at, kind, topic, agreements, "
                    "phone_e164, clerk_id) VALUES (?, ?, 'phone_out', 'Bench', '', '', ?)",
                    (party, at, clerk),
                )
            elif share < 6:
                execute(
                    "INSERT INTO follow_up (party_id, due_date, subject, note, owner_id, "
                    "priority, recurrence, done_at, created_at, created_by_id, version) "
                    "VALUES (?, ?, 'Bench', '', ?, 2, '', ?, ?, ?, 1)",
                    (party, at.date(), clerk, at if share == 5 else None, at, clerk),
                )
            elif share < 8:
                execute(
                    "INSERT INTO document (number, kind, party_id, date, status, reference, "
                    "notes, net_total, vat_total, gross_total, created_at, version) "
                    "VALUES (?, 'order', ?, ?, 'done', '', '', 0, 0, 11900, ?, 1)",
                    (f"BENCH-{party}-{index}", party, at.date(), at),
                )
            elif share < 9:
                execute(
                    "INSERT INTO letter (party_id, template, subject, path, clerk_id, created_at) "
                    "VALUES (?, 'bench.docx', 'Bench', '/tmp/bench.docx', ?, ?)",
                    (party, clerk, at),
                )
            else:
                execute(
                    "INSERT INTO audit_log (table_name, row_id, party_id, field, old_value, "
                    "new_value, clerk, at) VALUES ('party', ?, ?, 'notes', 'a', 'b', 'bench', ?)",
                    (party, party, at),
                )


def write_figures(database: Any, saves: int, events: int, today: date, rng: random.Random) -> None:
    """The figures that write, on the copy."""
    execute = database.execute_sql
    top = execute("SELECT MAX(id) FROM party").fetchone()[0]
    clerk = execute("SELECT id FROM clerk ORDER BY id LIMIT 1").fetchone()[0]
    parties = [rng.randint(1, top) for _ in range(saves + 10)]
    subjects = ["Rückruf", "Angebot nachfassen", "Termin bestätigen", "Zahlung prüfen"]

    def save(index: int) -> None:
        followups.create(
            parties[index],
            FollowUpDraft(
                today + timedelta(days=index % 30),
                subjects[index % len(subjects)],
                priority=1 + index % 3,
                recurrence="2w" if index % 10 == 0 else "",
                days_after_contact=14 if index % 10 == 5 else None,
            ),
            clerk,
            today=today,
        )

    emit("followups_save", timed(save, saves, warmup=5), 20, saves=saves)
    created = [
        row[0]
        for row in execute(
            "SELECT id FROM follow_up WHERE done_at IS NULL ORDER BY id DESC LIMIT ?", (saves,)
        ).fetchall()
    ]

    def finish(index: int) -> None:
        followups.done(
            created[index],
            clerk,
            ContactDraft("phone_out", "Bench", duration_seconds=60),
            today=today,
        )

    emit("followups_done_with_contact", timed(finish, len(created), warmup=0), 20)

    def log(index: int) -> None:
        contacts.log_contact(parties[index], "phone_in", None, "Bench", "", 90, clerk, today=today)

    emit("contacts_log_save", timed(log, saves), 20, saves=saves)
    party = execute(
        "SELECT party_id FROM contact_log GROUP BY party_id ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    say(f"adding {events:,} events to party {party}")
    add_events(database, party, events, clerk)
    total = len(history.history(party, limit=100_000))
    emit(
        "history_first_page",
        timed(lambda _i: history.history(party), 50),
        100,
        events=total,
    )
    before = None
    for _page in range(10):
        page = history.history(party, before=before)
        before = page[-1].key
    emit("history_deep_page", timed(lambda _i: history.history(party, before=before), 50), 100)
    emit(
        "history_first_page_contacts_only",
        timed(lambda _i: history.history(party, {"contact"}), 50),
        100,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Time everything and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--db", type=Path, default=None, metavar="FILE")
    parser.add_argument("--runs", type=int, default=50, metavar="R")
    parser.add_argument("--saves", type=int, default=200, metavar="N")
    parser.add_argument("--events", type=int, default=5000, metavar="N")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    i18n.setup("en")
    path = args.db or BENCH_OUT / f"demo-{args.customers}-seed{args.seed}.sqlite"
    if not path.exists():
        build_database(path, args.customers, args.seed)
    rng = random.Random(args.seed)
    database = open_database(path, create=False)
    read_figures(database, args.runs, args.today, rng)
    database.close()
    with tempfile.TemporaryDirectory(prefix="bench-followups-") as folder:
        copy = Path(folder) / "copy.sqlite"
        copy_database(path, copy)
        database = open_database(copy, create=False)
        try:
            write_figures(database, args.saves, args.events, args.today, rng)
        finally:
            database.close()
            followups.close_watchers()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
