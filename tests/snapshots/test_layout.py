"""Snapshots of the main layout: start screen, results, inquiry, help, and the 16-colour theme."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


def test_high_contrast_theme(snap_compare: Any, stable_db: Path) -> None:
    app = make_app(stable_db, theme="tui-crm-contrast")
    assert snap_compare(app, terminal_size=SIZE, run_before=typing(*"10001", "enter"))
