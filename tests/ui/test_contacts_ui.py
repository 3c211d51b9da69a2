"""Log contact and the inquiry's contact log, follow-up and full history tabs, with the keys."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Label

from tests.ui.conftest import make_app
from tui_crm.app import CrmApp
from tui_crm.db.connection import db
from tui_crm.db.models import ContactLog, Document, FollowUp, Party
from tui_crm.screens.contact_modal import ContactModal
from tui_crm.screens.follow_up_list import FollowUpListScreen
from tui_crm.screens.follow_up_modal import FollowUpModal
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.services import contacts, followups
from tui_crm.services.customers import ensure_clerk
from tui_crm.services.followups import FollowUpDraft
from tui_crm.widgets.contact_list import ContactList
from tui_crm.widgets.follow_up_list import FollowUpList
from tui_crm.widgets.history_list import HistoryList
from tui_crm.widgets.live_field import LiveField
from tui_crm.widgets.paged_list import Heading
from tui_crm.widgets.party_tabs import PartyTabs

TODAY = date(2026, 3, 4)
"""The fixed current day of these tests (a Wednesday)."""

SIZE = (120, 36)


@pytest.fixture
def today_app(app: CrmApp) -> CrmApp:
    """The three-party app with the current day fixed."""
    app.fixed_today = TODAY
    return app


async def settle(app: CrmApp) -> None:
    for _ in range(2):
        await app.workers.wait_for_complete()
        await app.animator.wait_until_complete()
    await app.workers.wait_for_complete()


def party(number: str) -> Party:
    return Party.get(Party.number == number)


async def open_inquiry(app: CrmApp, pilot: object, number: str) -> InquiryScreen:
    await pilot.press(*number, "enter")  # type: ignore[attr-defined]
    await settle(app)
    screen = app.screen
    assert isinstance(screen, InquiryScreen)
    return screen


async def test_log_contact_from_the_inquiry_updates_last_contact_and_count(
    today_app: CrmApp,
) -> None:
    app = today_app
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inquiry(app, pilot, "10001")
        for key in ("alt+k", "ctrl+l"):
            await pilot.press(key)
            await settle(app)
            assert isinstance(app.screen, ContactModal), key
            assert "Hans Müller" in str(app.screen.query_one("#dialog-title", Label).render())
            await pilot.press("escape")
            assert app.screen is screen
        await pilot.press("alt+k")
        await settle(app)
        dialog = app.screen
        assert isinstance(dialog, ContactModal)
        assert app.focused is dialog.query_one("#topic", Input)
        await pilot.press(*"Preisanfrage", "tab", *"Angebot bis Freitag")
        dialog.query_one("#field-duration", LiveField).input.focus()
        await pilot.press(*"12")
        assert not dialog.query_one("#with-follow-up", Checkbox).value
        await pilot.press("f10")
        await settle(app)
        assert app.screen is screen
        assert any("Contact logged" in notice.message for notice in app._notifications)
        # The contact log tab shows it (Alt+7, or F7 from the bank data tab).
        await pilot.press("alt+7")
        await settle(app)
        await pilot.pause()
        log = screen.query_one(ContactList)
        assert [(row.topic, row.agreements) for row in log.rows] == [
            ("Preisanfrage", "Angebot bis Freitag")
        ]
    stored = ContactLog.get()
    assert (stored.kind, stored.duration_seconds, stored.clerk.login) == ("phone_out", 720, "alice")
    assert party("10001").contact_count == 1
    assert party("10001").last_contact_at is not None


async def test_log_contact_with_a_follow_up_in_the_same_dialog(today_app: CrmApp) -> None:
    app = today_app
    async with app.run_test(size=SIZE) as pilot:
        await open_inquiry(app, pilot, "10002")
        await pilot.press("alt+k")
        await settle(app)
        dialog = app.screen
        assert isinstance(dialog, ContactModal)
        dialog.query_one("#kind").value = "visit"  # type: ignore[attr-defined]
        await pilot.press(*"Beratung")
        dialog.query_one("#field-follow-up-due", LiveField).input.focus()
        await pilot.press("ctrl+u", *"+2w")
        assert dialog.query_one("#with-follow-up", Checkbox).value
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
    contact = ContactLog.get()
    follow_up = FollowUp.get()
    assert (contact.kind, contact.topic) == ("visit", "Beratung")
    assert contact.follow_up_id == follow_up.id
    assert (follow_up.subject, follow_up.due_date) == ("Beratung", TODAY + timedelta(days=14))


async def test_contact_day_and_time_as_clerks_type_them(today_app: CrmApp) -> None:
    app = today_app
    async with app.run_test(size=SIZE) as pilot:
        await open_inquiry(app, pilot, "10003")
        await pilot.press("alt+k")
        await settle(app)
        dialog = app.screen
        assert isinstance(dialog, ContactModal)
        day = dialog.query_one("#field-day", LiveField)
        day.input.focus()
        await pilot.press("ctrl+u", *"+1")
        assert day.has_class("-invalid")
        assert day.error == "A contact cannot be in the future."
        await pilot.press("f10")
        await settle(app)
        assert app.screen is dialog
        for text, expected in (("gestern", date(2026, 3, 3)), ("-1w", date(2026, 2, 25))):
            await pilot.press("ctrl+u", *text)
            assert day.value() == expected, text
        await pilot.press("ctrl+u", *"2.3.", "tab", "ctrl+u", *"1415")
        assert day.value() == date(2026, 3, 2)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
    assert ContactLog.get().at == datetime(2026, 3, 2, 14, 15)


async def test_log_contact_from_a_follow_up(today_app: CrmApp) -> None:
    app = today_app
    followups.create(
        party("10003").id, FollowUpDraft(due_date=TODAY, subject="Rückruf"), "alice", today=TODAY
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        assert isinstance(app.screen, FollowUpListScreen)
        await pilot.press("alt+k")
        await settle(app)
        assert isinstance(app.screen, ContactModal)
        assert app.screen.number == "10003"
        await pilot.press(*"Erreicht", "enter")
        await settle(app)
        assert isinstance(app.screen, FollowUpListScreen)
    assert ContactLog.get().party_id == party("10003").id


@pytest.fixture
def busy(db_path: Path) -> Path:
    """Müller with 250 contacts, follow-ups open and done, and two invoices."""
    from tests.conftest import add_party

    add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    with db.atomic():
        clerk = ensure_clerk("alice")
        customer = party("10001")
        ContactLog.insert_many(
            [
                {
                    "party": customer.id,
                    "at": datetime(2025, 1, 1, 9, 0) + timedelta(hours=index),
                    "kind": "phone_in" if index % 2 else "email",
                    "topic": f"Kontakt {index}",
                    "clerk": clerk,
                }
                for index in range(250)
            ]
        ).execute()
        Party.update(contact_count=250).where(Party.id == customer.id).execute()
        for index in range(2):
            Document.create(
                number=f"RE{index}",
                kind="invoice",
                party=customer,
                date=date(2026, 2, 1 + index),
                net_total=Decimal("100"),
                gross_total=Decimal("119"),
            )
    followups.create(
        customer.id, FollowUpDraft(due_date=TODAY, subject="Offen"), "alice", today=TODAY
    )
    done = followups.create(
        customer.id, FollowUpDraft(due_date=TODAY, subject="Erledigt"), "alice", today=TODAY
    )
    followups.done(done.id, "alice", today=TODAY)
    return db_path


async def test_inquiry_tabs_contact_log_follow_ups_and_history(busy: Path) -> None:
    app = make_app(busy)
    app.fixed_today = TODAY
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inquiry(app, pilot, "10001")
        tabs = screen.query_one(PartyTabs)
        # F7 walks through every tab; the new ones sit before the notes, then the
        # documents and the correspondence.
        names = []
        for _ in range(13):
            await pilot.press("f7")
            names.append(tabs.active_name)
        assert names == [
            "other",
            "personal",
            "contacts",
            "bank",
            "log",
            "follow_ups",
            "history",
            "account",
            "sales",
            "notes",
            "documents",
            "correspondence",
            "main",
        ]
        await pilot.press("alt+7")
        await settle(app)
        await pilot.pause()
        log = screen.query_one(ContactList)
        assert len(log.rows) == 100, "the first page only"
        assert log.rows[0].topic == "Kontakt 249"
        await pilot.press("end")
        await settle(app)
        await pilot.pause()
        await settle(app)
        assert len(log.rows) == 200
        await pilot.press("alt+8")
        await settle(app)
        await pilot.pause()
        party_follow_ups = screen.query_one(FollowUpList)
        headings = [line.key for line in party_follow_ups.lines if isinstance(line, Heading)]
        assert headings == ["today", "done"]
        assert [row.subject for row in party_follow_ups.rows] == ["Offen", "Erledigt"]
        # Enter on the open follow-up changes it.
        party_follow_ups.focus()
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, FollowUpModal)
        assert app.screen.row is not None
        await pilot.press("escape")
        await pilot.press("alt+9")
        await settle(app)
        await pilot.pause()
        history = screen.query_one(HistoryList)
        assert len(history.rows) == 100
        kinds = {row.kind for row in history.rows}
        assert {"follow_up", "follow_up_done", "document"} <= kinds
        # Alt+Y: one kind at a time.
        await pilot.press("alt+y")
        await settle(app)
        await pilot.pause()
        assert screen.history_kind == "contact"
        assert {row.kind for row in history.rows} == {"contact"}
        assert "Contact" in str(screen.query_one("#history-kind", Label).render())
        for _ in range(3):
            await pilot.press("alt+y")
        await settle(app)
        await pilot.pause()
        assert screen.history_kind == "document"
        assert [row.title for row in history.rows] == ["RE1", "RE0"]


async def test_a_contact_logged_elsewhere_shows_in_the_open_tab(busy: Path) -> None:
    app = make_app(busy)
    app.fixed_today = TODAY
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inquiry(app, pilot, "10001")
        await pilot.press("alt+7")
        await settle(app)
        await pilot.pause()
        contacts.log_contact(
            party("10001").id,
            "visit",
            datetime(2026, 3, 4, 8, 0),
            "Neu von nebenan",
            "",
            None,
            "alice",
            today=TODAY,
        )
        await pilot.pause(1.5)
        await settle(app)
        await pilot.pause()
        assert screen.query_one(ContactList).rows[0].topic == "Neu von nebenan"
        assert screen.data is not None
        assert screen.data.contact_count == 251
        assert time(8, 0) == screen.query_one(ContactList).rows[0].at.time()
