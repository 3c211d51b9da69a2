"""The virtual result list: 10,000 hits, rows loaded only for what is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import make_app
from tui_crm.db import search_index
from tui_crm.db.connection import db
from tui_crm.db.models import Party
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.start import FIRST_PAGE, FULL_LIST_DELAY
from tui_crm.services.customers import MAX_HITS
from tui_crm.widgets.result_list import ResultList


@pytest.fixture
def many(db_path: Path) -> Path:
    """12,000 parties named Meier in Hamburg, numbers 100000 up."""
    rows = [
        {"number": str(100000 + i), "last_name": "Meier", "first_name": f"P{i}", "city": "Hamburg"}
        for i in range(12_000)
    ]
    with db.atomic():
        for start in range(0, len(rows), 200):
            Party.insert_many(rows[start : start + 200]).execute()
    search_index.rebuild(db.obj)
    return db_path


async def test_ten_thousand_hits_load_only_visible_rows(many: Path) -> None:
    app = make_app(many)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"meier")
        await app.workers.wait_for_complete()
        await pilot.pause()
        hits = app.screen.query_one("#results", ResultList)
        assert len(hits.ids) == FIRST_PAGE, "while typing, only the first page is fetched"
        assert "60+" in str(app.screen.query_one("#result-count").render())
        await pilot.pause(FULL_LIST_DELAY + 0.1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(hits.ids) == MAX_HITS
        assert "10,000+" in str(app.screen.query_one("#result-count").render())
        assert len(hits.rows) <= 100
        await pilot.press("down", "end")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert hits.cursor == MAX_HITS - 1
        assert hits.current is not None
        assert len(hits.rows) <= 200, "only the window around the cursor is loaded"
        for _ in range(3):
            await pilot.press("pageup")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert hits.current is not None
        number = hits.current.number
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, InquiryScreen)
        assert app.screen.number == number
