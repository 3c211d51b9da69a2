"""Run the benchmarks: every ``bench/bench_*.py`` (or those named), one JSON line per figure.

Usage::

    python bench/run.py [NAME ...] [--OPTION [VALUE] ...]

NAME picks a script: ``startup``, ``bench_startup`` and ``bench/bench_startup.py`` are the
same. Without names every ``bench_*.py`` runs, in name order. Options such as
``--customers 2000`` are passed on to each script whose ``--help`` lists them, so one
command line can drive scripts that take different options. A bare word after an option
is its value unless it names a script.

Every JSON line a script prints is printed again with ``"bench": <name>`` added; anything
else a script writes on stdout goes to stderr, as do its progress messages. The exit
status is 1 when a script failed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
"""The folder of the benchmark scripts."""

OPTION = re.compile(r"--[A-Za-z0-9][-A-Za-z0-9_]*")
"""A long option as ``--help`` lists it."""


@dataclass(frozen=True, slots=True)
class Option:
    """One option from the command line, to pass on."""

    name: str
    """``--customers``."""
    words: tuple[str, ...]
    """The option as typed: ``("--customers", "2000")`` or ``("--customers=2000",)``."""


@dataclass(slots=True)
class Plan:
    """What to run: the scripts and the options for them."""

    scripts: list[Path] = field(default_factory=list)
    """The benchmark scripts, in order."""
    options: list[Option] = field(default_factory=list)
    """Options to pass on."""


def all_scripts() -> list[Path]:
    """Every benchmark script, in name order."""
    return sorted(BENCH_DIR.glob("bench_*.py"))


def find_script(name: str) -> Path | None:
    """Return the script ``name`` names (``startup``, ``bench_startup(.py)`` or a path)."""
    stem = Path(name).name.removesuffix(".py")
    if not stem.startswith("bench_"):
        stem = f"bench_{stem}"
    path = BENCH_DIR / f"{stem}.py"
    return path if path.is_file() else None


def plan(argv: Sequence[str]) -> Plan:
    """Split the command line into scripts and options.

    Raises:
        SystemExit: A bare word neither names a script nor follows an option.
    """
    result = Plan()
    words = list(argv)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            value: tuple[str, ...] = ()
            if "=" not in word and index < len(words):
                following = words[index]
                if not following.startswith("--") and find_script(following) is None:
                    value = (following,)
                    index += 1
            result.options.append(Option(name, (word, *value)))
            continue
        script = find_script(word)
        if script is None:
            raise SystemExit(f"bench/run.py: no benchmark named {word!r}")
        result.scripts.append(script)
    if not result.scripts:
        result.scripts = all_scripts()
    return result


def accepted_options(script: Path) -> set[str]:
    """The long options ``script --help`` lists."""
    shown = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return set(OPTION.findall(shown.stdout))


def run_script(script: Path, options: Sequence[Option]) -> int:
    """Run ``script`` with the options it accepts; re-print its figures; return its status."""
    accepted = accepted_options(script)
    passed = [word for option in options if option.name in accepted for word in option.words]
    skipped = sorted({option.name for option in options if option.name not in accepted})
    name = script.stem.removeprefix("bench_")
    if skipped:
        print(f"bench/run.py: {name} takes no {', '.join(skipped)}", file=sys.stderr)
    print(f"bench/run.py: running {script.name} {' '.join(passed)}".rstrip(), file=sys.stderr)
    process = subprocess.Popen(
        [sys.executable, str(script), *passed], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        try:
            figure = json.loads(line)
        except json.JSONDecodeError:
            figure = None
        if isinstance(figure, dict):
            print(json.dumps({"bench": name, **figure}), flush=True)
        else:
            sys.stderr.write(line)
    status = process.wait()
    if status != 0:
        print(f"bench/run.py: {script.name} failed with status {status}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the planned scripts one after another; 1 when any failed."""
    todo = plan(sys.argv[1:] if argv is None else argv)
    statuses = [run_script(script, todo.options) for script in todo.scripts]
    return 1 if any(statuses) else 0


if __name__ == "__main__":
    sys.exit(main())
