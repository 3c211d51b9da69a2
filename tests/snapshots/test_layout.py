"""Snapshots of the main layout: start screen, results, inquiry, help, the 16-colour theme
(results, start screen, inquiry), the follow-up list and the F11 dialog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import PEOPLE, add_party
from tests.ui.conftest import make_app
from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate

SIZE = (120, 36)


@pytest.fixture
def stable_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three-party database under a relative path, so the header is the same every run."""
    monkeypatch.chdir(tmp_path)
    database = open_database("crm.sqlite")
    migrate(database)
    for row in PEOPLE:
        add_party(*row)
    return Path("crm.sqlite")


def typing(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


def test_start_screen(snap_compare: Any, stable_db: Path) -> None:
    assert snap_compare(make_app(stable_db), terminal_size=SIZE, run_before=typing())


def test_search_results(snap_compare: Any, stable_db: Path) -> None:
    assert snap_compare(make_app(stable_db), terminal_size=SIZE, run_before=typing(*"1000"))


def test_inquiry(snap_compare: Any, stable_db: Path) -> None:
    assert snap_compare(
        make_app(stable_db), terminal_size=SIZE, run_before=typing(*"10001", "enter")
    )


def test_help(snap_compare: Any, stable_db: Path) -> None:
    assert snap_compare(make_app(stable_db), terminal_size=SIZE, run_before=typing("f1"))


def test_sixteen_colour_theme(snap_compare: Any, stable_db: Path) -> None:
    app = make_app(stable_db, theme="tui-crm-16")
    assert snap_compare(app, terminal_size=SIZE, run_before=typing(*"1000"))


def test_sixteen_colour_start_screen(snap_compare: Any, stable_db: Path) -> None:
    app = make_app(stable_db, theme="tui-crm-16")
    assert snap_compare(app, terminal_size=SIZE, run_before=typing())


def test_sixteen_colour_inquiry(snap_compare: Any, stable_db: Path) -> None:
    app = make_app(stable_db, theme="tui-crm-16")
    assert snap_compare(app, terminal_size=SIZE, run_before=typing(*"10001", "enter"))


def test_high_contrast_theme(snap_compare: Any, stable_db: Path) -> None:
    app = make_app(stable_db, theme="tui-crm-contrast")
    assert snap_compare(app, terminal_size=SIZE, run_before=typing(*"10001", "enter"))


SNAPSHOT_DAY = date(2026, 3, 4)
"""The fixed current day of the follow-up snapshots (a Wednesday)."""


@pytest.fixture
def follow_up_db(stable_db: Path) -> Path:
    """The three parties with follow-ups in every section of the list."""
    from tui_crm.db.models import Party
    from tui_crm.services import followups
    from tui_crm.services.customers import ensure_clerk
    from tui_crm.services.followups import FollowUpDraft

    ensure_clerk("alice")
    plan = [
        ("10001", -3, None, "Angebot nachfassen", 1),
        ("10002", 0, time(9, 30), "Rückruf [bold]wegen[/] Rechnung", 2),
        ("10003", 0, None, "Wartung fällig", 3),
        ("10001", 2, time(14, 0), "Termin vereinbaren", 2),
        ("10003", 30, None, "Jahresgespräch", 2),
    ]
    for number, days, at, subject, priority in plan:
        party = Party.get(Party.number == number)
        draft = FollowUpDraft(
            due_date=SNAPSHOT_DAY + timedelta(days=days),
            subject=subject,
            due_time=at,
            priority=priority,
        )
        followups.create(party.id, draft, "alice", today=SNAPSHOT_DAY)
    return stable_db


def test_follow_up_list(snap_compare: Any, follow_up_db: Path) -> None:
    app = make_app(follow_up_db)
    app.fixed_today = SNAPSHOT_DAY
    assert snap_compare(app, terminal_size=SIZE, run_before=typing("f3"))


def test_follow_up_dialog(snap_compare: Any, follow_up_db: Path) -> None:
    app = make_app(follow_up_db)
    app.fixed_today = SNAPSHOT_DAY
    assert snap_compare(
        app, terminal_size=SIZE, run_before=typing(*"10001", "f11", "ctrl+u", *"+2w")
    )
