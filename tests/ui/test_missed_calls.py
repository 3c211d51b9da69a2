"""The missed-call list (Alt+V): customers' and unknown or withheld numbers, newest first."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from textual.widgets import Input

from tests.fakes.argv_recorder import recorder
from tests.ui.conftest import make_app
from tests.ui.test_calls import SIZE, settle, wait_for
from tui_crm.config import TelephonySettings
from tui_crm.db.models import ContactLog, Party
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.missed_calls import MissedCallsScreen
from tui_crm.screens.new_party import NewPartyScreen
from tui_crm.screens.start import StartScreen
from tui_crm.services.customers import ensure_clerk
from tui_crm.services.telephony import journal
from tui_crm.widgets.phone_field import PhoneField


def missed(people: Path) -> None:
    """Müller at 9:00 (called back at 9:30), an unknown number at 10:00, withheld at 11:00."""
    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0)
    journal.record_missed("0221 123456", day, "DE")
    müller = Party.get(Party.number == "10001")
    ensure_clerk("alice")
    journal.log_incoming(
        müller.id, "+49221123456", "alice", at=day.replace(minute=30), duration_seconds=60
    )
    journal.record_missed("030 987654", day.replace(hour=9, minute=45), "DE")
    journal.record_missed("089 123456", day.replace(hour=10), "DE")
    journal.record_missed("", day.replace(hour=11), "DE")


def lines(screen: MissedCallsScreen) -> list[str]:
    widget = screen.missed
    return [widget.line_text(row) for row in widget.rows]


async def test_alt_v_lists_missed_calls_and_enter_opens_the_customer(people: Path) -> None:
    missed(people)
    app = make_app(people)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+v")
        await wait_for(pilot, lambda: isinstance(app.screen, MissedCallsScreen))
        screen = app.screen
        assert isinstance(screen, MissedCallsScreen)
        await wait_for(pilot, lambda: len(screen.missed.rows) == 4)
        shown = lines(screen)
        assert "Withheld number" in shown[0]
        assert "089 123456" in shown[1]
        assert "Unknown caller" in shown[1]
        # A markup name stays literal; not called back yet.
        assert "[bold]X[/]" in shown[2]
        assert "open" in shown[2]
        assert "Hans Müller" in shown[3]
        assert "10001" in shown[3]
        assert "open" not in shown[3]  # called back at 9:30
        # F12 is offered for the unknown number, not for the withheld one.
        assert app.context_phone() == ""
        await pilot.press("down")
        assert app.context_phone() == "+4989123456"
        await pilot.press("down", "down")
        assert app.context_party() == (Party.get(Party.number == "10001").id, "10001")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InquiryScreen))
        assert app.screen.number == "10001"


async def test_an_unknown_number_goes_to_the_search_or_becomes_a_prospect(people: Path) -> None:
    missed(people)
    app = make_app(people)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+v")
        await wait_for(pilot, lambda: isinstance(app.screen, MissedCallsScreen))
        screen = app.screen
        assert isinstance(screen, MissedCallsScreen)
        await wait_for(pilot, lambda: len(screen.missed.rows) == 4)
        await pilot.press("enter")  # withheld: nothing to open
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("down", "alt+i")
        await wait_for(pilot, lambda: isinstance(app.screen, NewPartyScreen))
        await pilot.pause()
        new = app.screen
        assert isinstance(new, NewPartyScreen)
        assert new.kind == "prospect"
        assert new.query_one("#field-phone-0", PhoneField).input.value == "089 123456"
        await pilot.press("escape")  # the filled-in number is an unsaved change: asks
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen))
        assert app.screen.query_one("#search", Input).value == "089 123456"


async def test_f12_calls_an_unknown_number_back(people: Path, tmp_path: Path) -> None:
    missed(people)
    script, argv = recorder(tmp_path)
    app = make_app(
        people, telephony=TelephonySettings(backend="command", command=(str(script), "{e164}"))
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+v")
        await wait_for(pilot, lambda: isinstance(app.screen, MissedCallsScreen))
        screen = app.screen
        assert isinstance(screen, MissedCallsScreen)
        await wait_for(pilot, lambda: len(screen.missed.rows) == 4)
        await pilot.press("down", "f12")
        await wait_for(pilot, argv.exists)
        await settle(app, pilot)
        assert json.loads(argv.read_text()) == ["+4989123456"]
        # A number of nobody is dialled, not logged.
        assert ContactLog.select().where(ContactLog.kind == "phone_out").count() == 0
