"""F11 as real terminals send it: a follow-up typed in tmux that ``tui-crm followups`` lists."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Customer, KeyBytes, StartApp, Terminal, TmuxPane

pytestmark = pytest.mark.e2e

F11_BYTES = ("1b", "5b", "32", "33", "7e")
"""``ESC [ 23 ~``: F11 in xterm, in PuTTY's default function-key mode and on the Linux
console alike; terminal-keys.tsv lists the PuTTY and console bytes only where they differ
from xterm's (F1-F5), so F11 falls back to this row."""

CTRL_N = ("0e",)
"""Ctrl+N, F11's alternate chord: one control byte in every terminal."""

TAB = ("09",)
"""The Tab key."""

ENTER = ("0d",)
"""The Enter key."""

CASES = (("xterm", "f11"), ("putty", "f11"), ("linux", "f11"), ("xterm", "ctrl+n"))
"""Terminal and key of each run."""


def result_line(screen: str, number: str) -> str:
    """The result-list row of party ``number`` (empty when not shown)."""
    token = re.compile(rf"(?<!\S){re.escape(number)}(?!\S)")
    return next((line for line in screen.splitlines() if token.search(line)), "")


def key_bytes(
    table: dict[tuple[str, str], KeyBytes], terminal: Terminal, key: str
) -> tuple[str, ...]:
    """The bytes ``terminal`` sends for ``key``: its own row of the table, else xterm's."""
    if key == "ctrl+n":
        return CTRL_N
    row = table.get((terminal.table, key)) or table.get(("xterm", key))
    if row is None:
        return F11_BYTES
    assert row.ok, f"{terminal.name} {key} does not reach Textual: {row.textual_key}"
    return row.hex_bytes


def tui_crm() -> str:
    """The installed command of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "tui-crm"
    found = str(beside) if beside.is_file() else shutil.which("tui-crm")
    if found is None:
        pytest.fail("the tui-crm command is not installed; run: pip install -e '.[test]'")
    return found


def listed(database: Path, env: dict[str, str], clerk: str) -> list[dict[str, object]]:
    """``tui-crm followups --json`` of ``clerk``."""
    result = subprocess.run(
        [tui_crm(), "--db", str(database), "--clerk", clerk, "followups", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=True,
    )
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


@pytest.mark.parametrize(
    ("terminal", "key"), CASES, indirect=["terminal"], ids=[f"{t}-{k}" for t, k in CASES]
)
def test_f11_creates_a_follow_up_that_the_command_line_lists(
    start_app: StartApp,
    terminal: Terminal,
    key: str,
    key_table: dict[tuple[str, str], KeyBytes],
    known_customers: dict[str, Customer],
    crm_db: Path,
    app_env: dict[str, str],
) -> None:
    number, first, last, _city = known_customers["search"]
    pane: TmuxPane = start_app(terminal, (120, 40))
    pane.send_text(last[:7].lower())
    pane.wait_for(lambda screen: result_line(screen, number) != "", "the search hit")

    pane.send_hex(key_bytes(key_table, terminal, key))
    pane.wait_for_text("New follow-up", f"{number}: {first} {last}")
    screen = pane.settled()
    assert "(tomorrow)" in screen, screen
    subject = f"E2E {terminal.name} {key}"
    # The due date in a week (resolved beside the field), Tab, Tab to the subject, Enter.
    pane.send_text("+1w")
    pane.wait_for_text("(in 7 days)")
    for _field in range(2):
        pane.send_hex(TAB)
        pane.settled(quiet=0.1)
    pane.send_text(subject)
    pane.wait_for_text(subject)
    pane.send_hex(ENTER)
    pane.wait_for_text("Follow-up saved")

    pane.press("f3")
    screen = pane.wait_for_text("Find: number, name, phone, subject", subject)
    assert "Traceback" not in screen
    assert pane.quit() == 0

    rows = listed(crm_db, app_env, "e2e")
    mine = [row for row in rows if row["subject"] == subject]
    assert len(mine) == 1, rows
    assert mine[0]["number"] == number
    assert mine[0]["owner"] == "e2e"
