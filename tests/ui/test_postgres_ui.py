"""The app on PostgreSQL: search with folding, the inquiry, an edit saved with its audit row."""

from __future__ import annotations

import pytest

from tests.conftest import PEOPLE, add_party
from tests.ui.conftest import make_app
from tui_crm.db.connection import open_database
from tui_crm.db.models import AuditLog, Party
from tui_crm.screens.edit_party import EditPartyScreen
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.widgets.form_field import FormField
from tui_crm.widgets.party_tabs import PartyTabs

pytestmark = pytest.mark.postgres


async def test_search_open_edit_and_save_on_postgres(pg_migrated_url: str) -> None:
    open_database(pg_migrated_url)
    for row in PEOPLE:
        add_party(*row)
    app = make_app(pg_migrated_url)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.sub_title.startswith("alice (clerk) · postgresql://127.0.0.1:5432/")
        await pilot.press(*"mül köl")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, InquiryScreen)
        await pilot.press("f4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, EditPartyScreen)
        field = screen.query_one("#field-city", FormField)
        tab = next(a for a in field.ancestors if a.id and a.id.startswith("tab-"))
        screen.query_one(PartyTabs).active = str(tab.id)
        await pilot.pause()
        field.input.focus()
        field.input.value = ""
        await pilot.press(*"Bonn", "f10")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, InquiryScreen)
    assert Party.get(Party.number == "10001").city == "Bonn"
    audit = AuditLog.get()
    assert (audit.field, audit.old_value, audit.new_value, audit.clerk) == (
        "city",
        "Köln",
        "Bonn",
        "alice",
    )
