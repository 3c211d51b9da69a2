"""Saves of 8 clerks at once: p95 of a save on SQLite (goal 50 ms, no failed save), and the
same workload on PostgreSQL beside it.

Usage::

    python bench/bench_concurrency.py [--customers N] [--seed S] [--db FILE]
                                      [--writers W] [--saves N] [--pause-ms MS]
                                      [--pg URL | --no-pg]

The database is a ``tui-crm demo`` database of N customers (default 100,000), cached in
``bench/out/demo-<N>-seed<S>.sqlite`` (``--db FILE`` uses or creates that file). It is never
written: the writers work on a copy in the temp folder (SQLite backup API), and for
PostgreSQL on a fresh database on the server of ``--pg`` (default the test server at
127.0.0.1) filled with ``tui-crm db copy`` and dropped afterwards.

W writer processes (default 8) start together and each makes ``--saves`` saves (default
300) as clerks do, each one committed: 60 % a customer edited in the edit mode
(``editing.save`` of the notes, read first, on 2,000 customers shared by all writers),
20 % a follow-up created, 20 % a contact logged. A save is timed from the call to its
commit. Between two saves a writer waits a random 0 to 2 x ``--pause-ms`` (default 0: every
writer saves back to back, the worst case; a clerk at the counter saves far less often).
A conflict (another writer saved the same customer in between) is counted, not failed;
any other exception is a failed save.

Figures (JSON lines): ``concurrent_save_sqlite`` and ``concurrent_save_postgresql``:
``value`` is the p95 in ms, with p50, max, saves, conflicts and failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, ms, percentile

BENCH_OUT = Path(__file__).resolve().parent / "out"
"""Cache of the benchmark databases (git-ignored)."""

POOL = 2000
"""Customers the writers share (picked at random: some overlap, as at a real counter)."""

PG_SERVER = os.environ.get("TUI_CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
"""The PostgreSQL server used unless ``--pg`` names another."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_concurrency: {message}", file=sys.stderr, flush=True)


def worker(target: str, index: int, saves: int, start_at: float, seed: int, pause: float) -> None:
    """One clerk process: wait for the common start, save, print the timings as JSON."""
    from tui_crm.db.connection import open_database
    from tui_crm.db.models import Clerk, Party
    from tui_crm.services import contacts, editing, followups
    from tui_crm.services.followups import FollowUpDraft

    open_database(target)
    login = f"bench{index}"
    query = Party.select(Party.id).order_by(Party.id).limit(POOL)
    ids = [int(row[0]) for row in cast(list[Any], query.tuples())]
    assert Clerk.select().where(Clerk.login == login).exists()
    rng = random.Random(seed * 100 + index)
    times: list[float] = []
    conflicts = failed = 0
    errors: list[str] = []
    time.sleep(max(0.0, start_at - time.time()))
    for step in range(saves):
        time.sleep(rng.uniform(0, 2 * pause))
        party = rng.choice(ids)
        kind = rng.random()
        try:
            if kind < 0.6:
                stored = editing.snapshot(party)
                mine = replace(stored.values, notes=f"{login} {step}")
                started = time.perf_counter()
                try:
                    editing.save(party, stored.values, stored.version, mine, login)
                except editing.ConflictError:
                    conflicts += 1
            elif kind < 0.8:
                draft = FollowUpDraft(date.today() + timedelta(days=rng.randint(1, 60)), "Bench")
                started = time.perf_counter()
                followups.create(party, draft, login)
            else:
                started = time.perf_counter()
                contacts.log_contact(party, "phone_out", None, "Bench", "", 60, login)
            times.append(time.perf_counter() - started)
        except Exception as error:
            failed += 1
            errors.append(f"{type(error).__name__}: {error}")
    print(json.dumps({"times": times, "conflicts": conflicts, "failed": failed, "errors": errors}))


def run_writers(target: str, writers: int, saves: int, seed: int, pause: float) -> dict[str, Any]:
    """Start the writer processes together; return the pooled figures."""
    start_at = time.time() + 3.0  # every process imported and connected by then
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                str(index),
                "--target",
                target,
                "--saves",
                str(saves),
                "--start-at",
                str(start_at),
                "--seed",
                str(seed),
                "--pause-ms",
                str(pause * 1000),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(writers)
    ]
    times: list[float] = []
    conflicts = failed = 0
    errors: list[str] = []
    began = time.time()
    for process in processes:
        out, _ = process.communicate(timeout=1200)
        if process.returncode != 0:
            failed += saves
            errors.append(f"writer exited with {process.returncode}")
            continue
        result = json.loads(out.strip().splitlines()[-1])
        times += result["times"]
        conflicts += result["conflicts"]
        failed += result["failed"]
        errors += result["errors"]
    elapsed = max(time.time() - max(began, start_at), 1e-9)
    return {
        "value": ms(percentile(times, 0.95)) if times else None,
        "saves_per_second": round(len(times) / elapsed, 1),
        "p50": ms(percentile(times, 0.5)) if times else None,
        "max": ms(max(times)) if times else None,
        "saves": len(times),
        "conflicts": conflicts,
        "failed": failed,
        "errors": sorted(set(errors))[:5],
    }


def add_clerks(target: str, writers: int) -> None:
    """The writers' clerks (role clerk)."""
    from tui_crm.db.connection import open_database
    from tui_crm.db.models import Clerk

    database = open_database(target)
    with database.atomic():
        for index in range(writers):
            Clerk.get_or_create(login=f"bench{index}", defaults={"role": "clerk"})
    database.close()


def main() -> None:
    """Build or reuse the demo database, run the writers on SQLite, then on PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="the demo database to use (or create)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--saves", type=int, default=300, help="saves per writer")
    parser.add_argument("--pause-ms", type=float, default=0.0, help="mean pause between saves")
    parser.add_argument("--pg", default=PG_SERVER, help="PostgreSQL server URL (any database)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    pause = args.pause_ms / 1000
    if args.worker is not None:
        worker(args.target, args.worker, args.saves, args.start_at, args.seed, pause)
        return

    source = args.db or BENCH_OUT / f"demo-{args.customers}-seed{args.seed}.sqlite"
    if not source.exists():
        source.parent.mkdir(parents=True, exist_ok=True)
        say(f"building a demo database of {args.customers:,} customers at {source}")
        command = [sys.executable, "-m", "tui_crm", "--db", str(source), "demo"]
        command += ["--customers", str(args.customers), "--seed", str(args.seed)]
        subprocess.run(command, check=True)
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as folder:
        copy = Path(folder) / "crm.sqlite"
        reader, writer = sqlite3.connect(source), sqlite3.connect(copy)
        reader.backup(writer)
        writer.close()
        reader.close()
        add_clerks(str(copy), args.writers)
        say(f"{args.writers} writers x {args.saves} saves on SQLite")
        figures = run_writers(str(copy), args.writers, args.saves, args.seed, pause)
        emit(
            "concurrent_save_sqlite",
            figures.pop("value"),
            "ms",
            50.0,
            pause_ms=args.pause_ms,
            **figures,
        )
        if args.no_pg:
            return
        try:
            import psycopg2
        except ImportError:
            say("psycopg2 is not installed: no PostgreSQL figure")
            return
        try:
            admin = psycopg2.connect(args.pg, connect_timeout=3)
        except psycopg2.OperationalError as error:
            say(f"no PostgreSQL server answers at {args.pg}: {error}")
            return
        admin.autocommit = True
        name = f"tuicrm_bench_{uuid.uuid4().hex[:8]}"
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = args.pg.rsplit("/", 1)[0] + "/" + name
        try:
            from tui_crm.services.maintenance import copy_to

            say(f"copying the database to {name} (tui-crm db copy)")
            copy_to(copy, url)
            say(f"{args.writers} writers x {args.saves} saves on PostgreSQL")
            figures = run_writers(url, args.writers, args.saves, args.seed, pause)
            emit(
                "concurrent_save_postgresql",
                figures.pop("value"),
                "ms",
                None,
                pause_ms=args.pause_ms,
                **figures,
            )
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
