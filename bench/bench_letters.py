"""Letter and mail merge timings: 1,000 letters from the default letter template, and one
letter from the inquiry to the recorded file.

Usage::

    python bench/bench_letters.py [--customers N] [--seed S] [--db FILE] [--letters L]
                                  [--runs R] [--combined C]

The database is a ``tui-crm demo`` database of N customers (default 20,000), cached in
``bench/out/demo-<N>-seed<S>.sqlite``; ``--db FILE`` uses (or creates) that file. Letters and
mailings are recorded in a copy in the temp folder (SQLite's backup API), deleted afterwards
with the letters written:

- ``merge_letters``: L letters (default 1,000) from ``letter.docx``, one file per customer,
  rendered by the worker pool (both cores), files written and every letter recorded
  (goal 10 s for 1,000); ``merge_letters_one_process``: the same rendered in this process.
- ``letter_first``: the first letter of a fresh process (docxtpl imported, the template
  compiled); ``letter``: the next R (default 30) letters as the inquiry's Alt+B writes them:
  field values read, rendered, written, Letter and contact log recorded (goal 300 ms, p95).
- ``merge_combined``: C letters (default 100) into one document with docxcompose.

One JSON line per figure on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, ms, percentile

BENCH_OUT = Path(__file__).resolve().parent / "out"


def demo_database(customers: int, seed: int, path: Path | None) -> Path:
    """The cached demo database (built with ``tui-crm demo`` when missing)."""
    target = path or BENCH_OUT / f"demo-{customers}-seed{seed}.sqlite"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {target} ({customers} customers) …", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tui_crm",
                "--db",
                str(target),
                "demo",
                "--customers",
                str(customers),
                "--seed",
                str(seed),
            ],
            check=True,
            stdout=sys.stderr,
        )
    return target


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently (WAL included) with the backup API."""
    with sqlite3.connect(source) as reader, sqlite3.connect(target) as writer:
        reader.backup(writer, pages=65_536)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--combined", type=int, default=100)
    args = parser.parse_args(argv)
    source = demo_database(args.customers, args.seed, args.db)
    work = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    try:
        database_path = work / "crm.sqlite"
        copy_database(source, database_path)
        return run(args, database_path, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, database_path: Path, work: Path) -> int:
    """The figures on the copy in ``work``."""
    started = time.perf_counter()
    from tui_crm import i18n

    i18n.setup("de")
    from tui_crm.config import CompanySettings, Settings
    from tui_crm.db.connection import db, open_database
    from tui_crm.db.migrations import migrate
    from tui_crm.services import default_templates, letters, merge
    from tui_crm.services.customers import ensure_clerk

    database = open_database(str(database_path))
    migrate(database)
    with db.atomic():
        ensure_clerk("bench")
    settings = Settings(
        database=str(database_path),
        clerk="bench",
        templates_dir=str(work / "templates"),
        documents_dir=str(work / "documents"),
        company=CompanySettings(
            name="Muster GmbH",
            street="Hauptstr. 1",
            postcode="50667",
            city="Köln",
            phone="0221 4711",
        ),
    )
    default_templates.ensure_defaults(settings.templates_path)
    template = settings.templates_path / "letter.docx"
    ids = merge.selected_ids(merge.MergeFilters(kind="customer"))
    print(f"set-up {time.perf_counter() - started:.1f} s; {len(ids)} customers", file=sys.stderr)
    cpus = merge.worker_count()

    # One letter from the inquiry: the first in this process, then warm.
    first = time.perf_counter()
    letters.write_letter(ids[0], template, "bench", settings)
    emit("letter_first", ms(time.perf_counter() - first), "ms", 300)
    times = []
    for party in ids[1 : args.runs + 1]:
        begun = time.perf_counter()
        letters.write_letter(party, template, "bench", settings)
        times.append(time.perf_counter() - begun)
    emit(
        "letter",
        ms(percentile(times, 0.95)),
        "ms",
        300,
        p50=ms(percentile(times, 0.5)),
        max=ms(max(times)),
        runs=len(times),
    )

    chosen = ids[: args.letters]
    goal = 10.0 * len(chosen) / 1000
    for name, workers in (("merge_letters", cpus), ("merge_letters_one_process", 1)):
        out = work / name
        begun = time.perf_counter()
        result = merge.run(template, chosen, "bench", settings, out_dir=out, workers=workers)
        seconds = time.perf_counter() - begun
        assert result.written == len(chosen), result
        emit(
            name,
            round(seconds, 2),
            "s",
            goal,
            letters=result.written,
            per_letter_ms=ms(seconds / max(result.written, 1)),
            workers=workers if len(chosen) >= merge.POOL_FROM or workers == 1 else 1,
            cpus=os.cpu_count(),
        )

    combined = ids[: args.combined]
    begun = time.perf_counter()
    result = merge.run(
        template, combined, "bench", settings, combined=work / "combined" / "all.docx"
    )
    emit("merge_combined", round(time.perf_counter() - begun, 2), "s", None, letters=result.written)
    database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
