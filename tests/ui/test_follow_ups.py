"""Follow-ups with the real keys: F11 from every screen with a customer, every date
expression in the dialog, the list (sections, owners, search, pages), done, postpone, edit,
delete, recurrence, call suggestions, changes of another process, due notices."""

from __future__ import annotations

import os
import subprocess
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Label

from tests.conftest import PEOPLE, add_party
from tui_crm.app import CrmApp
from tui_crm.db.connection import db, open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import Clerk, ContactLog, FollowUp, Party
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.follow_up_list import DoneModal, FollowUpListScreen, PostponeModal
from tui_crm.screens.follow_up_modal import FollowUpModal
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.start import StartScreen
from tui_crm.screens.suggestions import SnoozeModal, SuggestionsScreen
from tui_crm.services import dates, followups
from tui_crm.services.customers import ensure_clerk
from tui_crm.services.followups import FollowUpDraft
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.follow_up_list import FollowUpList
from tui_crm.widgets.live_field import LiveField
from tui_crm.widgets.paged_list import Heading
from tui_crm.widgets.party_table import PartyTable
from tui_crm.widgets.suggestion_list import SuggestionList

TODAY = date(2026, 3, 4)
"""A Wednesday: the fixed current day of these tests."""

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


def party_id(number: str) -> int:
    return int(Party.get(Party.number == number).id)


def add_follow_up(number: str, due: date, subject: str, clerk: str = "alice", **extra: object):
    draft = FollowUpDraft(due_date=due, subject=subject, **extra)  # type: ignore[arg-type]
    return followups.create(party_id(number), draft, clerk, today=TODAY)


async def ready(app: CrmApp, pilot: object, dialog: FollowUpModal) -> None:
    """Wait until the dialog's later fields and its choices for its customer are there."""
    for _ in range(100):
        brief = dialog.brief
        if dialog.complete and brief is not None and brief.id == dialog.party_id:
            await settle(app)
            return
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    raise AssertionError("the dialog did not load its choices")


async def open_dialog(app: CrmApp, pilot: object, key: str = "f11") -> FollowUpModal:
    await pilot.press(key)  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, FollowUpModal), key
    await ready(app, pilot, screen)
    return screen


async def type_into(pilot: object, text: str) -> None:
    """Clear the focused input (End, Ctrl+U) and type ``text``."""
    await pilot.press("end", "ctrl+u", *text)  # type: ignore[attr-defined]


async def test_f11_and_ctrl_n_open_the_dialog_from_every_screen_with_a_customer(
    today_app: CrmApp,
) -> None:
    app = today_app
    add_follow_up("10001", TODAY, "Rückruf")
    Party.update(contact_interval_days=30).where(Party.number == "10002").execute()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        # The start screen with an empty search field has no customer: F11 is greyed out.
        assert app.check_action("follow_up", ()) is None
        await pilot.press("f11")
        assert isinstance(app.screen, StartScreen)

        # A highlighted search hit.
        await pilot.press(*"10003")
        await settle(app)
        for key in ("f11", "ctrl+n"):
            dialog = await open_dialog(app, pilot, key)
            assert dialog.number == "10003"
            await pilot.press("escape")
            assert isinstance(app.screen, StartScreen)

        # The inquiry.
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        dialog = await open_dialog(app, pilot)
        assert dialog.number == "10003"
        assert "Straßenbau Weiß GmbH" in str(dialog.query_one("#dialog-title", Label).render())
        await pilot.press("escape", "escape", "escape")
        await settle(app)

        # My follow-ups and the call suggestions on the start screen, and a recent customer.
        assert isinstance(app.screen, StartScreen)
        await pilot.press("down")
        assert isinstance(app.focused, FollowUpList)
        dialog = await open_dialog(app, pilot)
        assert dialog.number == "10001"
        await pilot.press("escape", "tab")
        assert isinstance(app.focused, SuggestionList)
        dialog = await open_dialog(app, pilot)
        assert dialog.number == "10002"
        await pilot.press("escape")
        app.screen.query_one("#recent", PartyTable).focus()
        dialog = await open_dialog(app, pilot)
        assert dialog.number == "10003"
        await pilot.press("escape")

        # The follow-up list and the call suggestions screens.
        await pilot.press("f3")
        await settle(app)
        assert isinstance(app.screen, FollowUpListScreen)
        dialog = await open_dialog(app, pilot, "ctrl+n")
        assert dialog.number == "10001"
        await pilot.press("escape", "escape", "alt+a")
        await settle(app)
        assert isinstance(app.screen, SuggestionsScreen)
        dialog = await open_dialog(app, pilot)
        assert dialog.number == "10002"


async def test_the_dialog_is_kept_and_starts_afresh_for_the_next_customer(
    today_app: CrmApp,
) -> None:
    app = today_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"10001")
        await settle(app)
        first = await open_dialog(app, pilot)
        await type_into(pilot, "+2w")
        await pilot.press("tab", "tab", *"Angebot", "tab", "right")
        first.query_one("#priority", CycleField).value = 1
        await pilot.press("escape", "escape", *"10002")
        await settle(app)
        second = await open_dialog(app, pilot)
        assert second is first, "F11 shows the mounted dialog again"
        assert second.number == "10002"
        title = str(second.query_one("#dialog-title", Label).render())
        assert "10002: Eva [bold]X[/]" in title
        assert second.query_one("#field-due", LiveField).input.value == "+1"
        assert second.query_one("#subject", Input).value == ""
        assert second.query_one("#priority", CycleField).value == 2
        assert app.focused is second.query_one("#field-due", LiveField).input
        await pilot.press(*"mo", "tab", "tab", *"Rückruf", "enter")
        await settle(app)
    stored = FollowUp.get()
    assert (stored.party_id, stored.subject, stored.priority) == (party_id("10002"), "Rückruf", 2)


EXPRESSIONS = {
    "+3": date(2026, 3, 7),
    "+2w": date(2026, 3, 18),
    "+1m": date(2026, 4, 4),
    "3d": date(2026, 3, 7),
    "t": TODAY,
    "heute": TODAY,
    "today": TODAY,
    "morgen": date(2026, 3, 5),
    "mo": date(2026, 3, 9),
    "di": date(2026, 3, 10),
    "mi": date(2026, 3, 11),
    "do": date(2026, 3, 5),
    "fr": date(2026, 3, 6),
    "sa": date(2026, 3, 7),
    "so": date(2026, 3, 8),
    "mon": date(2026, 3, 9),
    "tue": date(2026, 3, 10),
    "wed": date(2026, 3, 11),
    "thu": date(2026, 3, 5),
    "fri": date(2026, 3, 6),
    "sat": date(2026, 3, 7),
    "sun": date(2026, 3, 8),
    "24.12.": date(2026, 12, 24),
    "1.3.": date(2027, 3, 1),
    "24.12.2026": date(2026, 12, 24),
    "24.12.26": date(2026, 12, 24),
    "2026-12-24": date(2026, 12, 24),
}
"""What clerks type into the due date, and the day it means on Wednesday 4 March 2026."""

INVALID = ("+3x", "31.02.", "-3", "xyz", "12", "32.1.", "+999999")
"""Due dates that must be refused with a message, never an exception."""


async def test_every_date_expression_shows_its_date_and_bad_ones_a_message(
    today_app: CrmApp,
) -> None:
    app = today_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"10001")
        await settle(app)
        dialog = await open_dialog(app, pilot)
        due = dialog.query_one("#field-due", LiveField)
        assert app.focused is due.input
        preview = due.query_one(".live-preview", Label)
        assert str(preview.render()) == dates.describe(TODAY + timedelta(days=1), TODAY)
        for number, (text, expected) in enumerate(EXPRESSIONS.items()):
            if number % 4 == 0:
                await type_into(pilot, text)
            else:
                # Typing each one key by key takes a second; the field sees the same change.
                due.input.value = text
                await pilot.pause()
            assert due.value() == expected, text
            assert str(preview.render()) == dates.describe(expected, TODAY), text
            assert not due.has_class("-invalid"), text
        for text in INVALID:
            await type_into(pilot, text)
            assert due.has_class("-invalid"), text
            assert str(preview.render()) == due.error
            assert due.error, text
        # Saving with a bad date keeps the dialog open with the message; nothing is written.
        await pilot.press("tab", "tab", *"Angebot")
        await pilot.press("f10")
        await settle(app)
        assert app.screen is dialog
        assert str(dialog.query_one("#dialog-error", Label).render()) == due.error
        assert FollowUp.select().count() == 0
        # A good one saves, and Enter works as well as F10.
        due.input.focus()
        await type_into(pilot, "mo")
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, StartScreen)
        stored = FollowUp.get()
        assert (stored.due_date, stored.subject, stored.owner.login) == (
            date(2026, 3, 9),
            "Angebot",
            "alice",
        )
        assert any("Angebot" in notice.message for notice in app._notifications)


async def test_dialog_saves_time_note_priority_owner_person_and_recurrence(
    today_app: CrmApp,
) -> None:
    app = today_app
    with db.atomic():
        bob = ensure_clerk("bob")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"10002")
        await settle(app)
        dialog = await open_dialog(app, pilot)
        await type_into(pilot, "+1w")
        await pilot.press("tab", *"930", "tab", *"Wartung", "tab", "tab", *"Filter", "tab")
        assert str(dialog.query_one("#field-time .live-preview", Label).render()) == "09:30"
        dialog.query_one("#owner").value = bob  # type: ignore[attr-defined]
        dialog.query_one("#priority").value = 1  # type: ignore[attr-defined]
        dialog.query_one("#field-recurrence", LiveField).input.focus()
        await pilot.press(*"2w")
        recurrence = dialog.query_one("#field-recurrence .live-preview", Label)
        assert str(recurrence.render()) == "every 2 weeks"
        await pilot.press("f10")
        await settle(app)
        assert isinstance(app.screen, StartScreen)
    stored = FollowUp.get()
    assert (stored.due_date, stored.due_time, stored.subject, stored.note) == (
        date(2026, 3, 11),
        time(9, 30),
        "Wartung",
        "Filter",
    )
    assert (stored.owner_id, stored.priority, stored.recurrence) == (bob, 1, "2w")


async def test_relative_follow_up_counts_from_the_last_contact(today_app: CrmApp) -> None:
    app = today_app
    Party.update(last_contact_at=datetime(2026, 2, 20, 10, 0)).where(
        Party.number == "10001"
    ).execute()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"10001")
        await settle(app)
        dialog = await open_dialog(app, pilot)
        await pilot.press("tab", "tab", *"Nachfassen")
        after = dialog.query_one("#field-after-contact", LiveField)
        recurrence = dialog.query_one("#field-recurrence", LiveField)
        recurrence.input.focus()
        await pilot.press(*"1m")
        after.input.focus()
        await pilot.press(*"30")
        assert str(after.query_one(".live-preview", Label).render()) == dates.describe(
            date(2026, 3, 22), TODAY
        )
        await pilot.press("f10")
        await settle(app)
        assert app.screen is dialog, "relative and recurring at once is refused"
        assert "either relative" in str(dialog.query_one("#dialog-error", Label).render())
        recurrence.input.focus()
        await type_into(pilot, "")
        await pilot.press("f10")
        await settle(app)
        assert isinstance(app.screen, StartScreen)
    stored = FollowUp.get()
    assert (stored.due_date, stored.days_after_contact, stored.recurrence) == (
        date(2026, 3, 22),
        30,
        "",
    )


async def test_list_sections_counts_owners_search_and_open(today_app: CrmApp) -> None:
    app = today_app
    with db.atomic():
        ensure_clerk("bob")
    add_follow_up("10001", TODAY - timedelta(days=3), "Overdue call")
    add_follow_up("10002", TODAY, "Today call", due_time=time(14, 0))
    add_follow_up("10003", TODAY + timedelta(days=2), "Upcoming visit")
    add_follow_up("10001", TODAY + timedelta(days=40), "Later letter")
    add_follow_up("10003", TODAY, "Bob's call", owner=int(Clerk.get(Clerk.login == "bob").id))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, FollowUpListScreen)
        listed = screen.follow_ups
        headings = [line.text for line in listed.lines if isinstance(line, Heading)]
        assert headings == ["── Overdue · 1 ", "── Today · 1 ", "── Upcoming · 1 ", "── Later · 1 "]
        assert [row.subject for row in listed.rows] == [
            "Overdue call",
            "Today call",
            "Upcoming visit",
            "Later letter",
        ]
        counts = str(screen.query_one("#section-counts", Label).render())
        assert "Overdue 1" in counts
        assert "4 open" in counts
        await pilot.press("f7")
        await settle(app)
        assert len(listed.rows) == 5
        assert "Bob's call" in [row.subject for row in listed.rows]
        await pilot.press("alt+o")
        await settle(app)
        assert len(listed.rows) == 4
        # Search within the list: a customer's name, then a subject.
        await pilot.press("alt+f", *"müller")
        await pilot.pause(0.3)
        await settle(app)
        assert {row.number for row in listed.rows} == {"10001"}
        await pilot.press("ctrl+u", *"visit")
        await pilot.pause(0.3)
        await settle(app)
        assert [row.subject for row in listed.rows] == ["Upcoming visit"]
        await pilot.press("down", "enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert app.screen.number == "10003"


async def test_done_with_a_contact_creates_the_next_recurring_one(today_app: CrmApp) -> None:
    app = today_app
    add_follow_up("10001", TODAY, "Wartung", recurrence="2w")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        await pilot.press("f8")
        await settle(app)
        dialog = app.screen
        assert isinstance(dialog, DoneModal)
        assert "every 2 weeks" in str(dialog.query_one("#done-recurrence", Label).render())
        dialog.query_one("#agreements", Input).focus()
        await pilot.press(*"Filter getauscht")
        assert dialog.query_one("#log-contact", Checkbox).value
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, FollowUpListScreen)
        rows = app.screen.follow_ups.rows
        assert [(row.subject, row.due_date) for row in rows] == [("Wartung", date(2026, 3, 18))]
    done = FollowUp.get(FollowUp.done_at.is_null(False))
    assert done.due_date == TODAY
    contact = ContactLog.get()
    assert (contact.topic, contact.agreements, contact.follow_up_id) == (
        "Wartung",
        "Filter getauscht",
        done.id,
    )
    party = Party.get(Party.number == "10001")
    assert party.contact_count == 1
    assert party.last_contact_at is not None


async def test_done_without_a_contact_is_f8_and_enter(today_app: CrmApp) -> None:
    app = today_app
    add_follow_up("10002", TODAY, "Rückruf")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        await pilot.press("alt+d")
        await settle(app)
        assert isinstance(app.screen, DoneModal)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, FollowUpListScreen)
        assert app.screen.follow_ups.rows == []
    assert FollowUp.get().done_at is not None
    assert ContactLog.select().count() == 0


async def test_postpone_by_a_day_a_week_and_to_a_date(today_app: CrmApp) -> None:
    app = today_app
    overdue = add_follow_up("10001", TODAY - timedelta(days=5), "Rückruf")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        await pilot.press("f6")
        await settle(app)
        assert isinstance(app.screen, PostponeModal)
        await pilot.press("enter")
        await settle(app)
        assert FollowUp.get_by_id(overdue.id).due_date == TODAY + timedelta(days=1)
        await pilot.press("alt+p")
        await settle(app)
        await pilot.press("tab", "tab", "enter")
        await settle(app)
        assert FollowUp.get_by_id(overdue.id).due_date == TODAY + timedelta(days=8)
        await pilot.press("f6")
        await settle(app)
        await type_into(pilot, "24.12.")
        await pilot.press("enter")
        await settle(app)
        assert FollowUp.get_by_id(overdue.id).due_date == date(2026, 12, 24)
        assert isinstance(app.screen, FollowUpListScreen)
        assert app.screen.follow_ups.rows[0].due_date == date(2026, 12, 24)


async def test_edit_and_delete_after_asking(today_app: CrmApp) -> None:
    app = today_app
    add_follow_up("10001", TODAY, "Rückruf", note="alt")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        await pilot.press("f4")
        await settle(app)
        dialog = app.screen
        assert isinstance(dialog, FollowUpModal)
        assert dialog.query_one("#subject", Input).value == "Rückruf"
        dialog.query_one("#subject", Input).focus()
        await type_into(pilot, "Rückruf wegen Angebot")
        await pilot.press("ctrl+s")
        await settle(app)
        assert FollowUp.get().subject == "Rückruf wegen Angebot"
        assert FollowUp.get().version == 2
        await pilot.press("delete")
        await settle(app)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert FollowUp.select().count() == 1
        await pilot.press("delete")
        await settle(app)
        await pilot.press("y")
        await settle(app)
        assert FollowUp.select().count() == 0
        assert isinstance(app.screen, FollowUpListScreen)
        assert app.screen.follow_ups.rows == []


async def test_a_change_meanwhile_is_refused_with_a_message(today_app: CrmApp) -> None:
    app = today_app
    row = add_follow_up("10001", TODAY, "Rückruf")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        followups.postpone(row.id, TODAY + timedelta(days=3), "alice")
        await pilot.press("f8")
        await settle(app)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, DoneModal), "the dialog stays open with the reason"
        assert "meanwhile" in str(app.screen.query_one("#dialog-error", Label).render())
    assert FollowUp.get().done_at is None


@pytest.fixture
def many_follow_ups(db_path: Path) -> Path:
    """1,000 open follow-ups of alice for one party."""
    party = add_party("20001", "Viel", "Arbeit", "", "Ulm", "+497311111", "0731 1111")
    with db.atomic():
        clerk = ensure_clerk("alice")
        rows = [
            {
                "party": party.id,
                "due_date": TODAY + timedelta(days=index % 90),
                "subject": f"Nr. {index}",
                "owner": clerk,
                "created_at": datetime(2026, 1, 1),
                "created_by": clerk,
            }
            for index in range(1000)
        ]
        for start in range(0, len(rows), 200):
            FollowUp.insert_many(rows[start : start + 200]).execute()
    return db_path


async def test_the_list_fetches_keyset_pages_never_everything(many_follow_ups: Path) -> None:
    from tests.ui.conftest import make_app
    from tui_crm.screens import follow_up_list

    app = make_app(many_follow_ups)
    app.fixed_today = TODAY
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        listed = app.screen.query_one(FollowUpList)
        assert len(listed.rows) == follow_up_list.FIRST_PAGE
        assert listed.more
        await pilot.press("end")
        await settle(app)
        await pilot.pause()
        await settle(app)
        assert len(listed.rows) == follow_up_list.FIRST_PAGE + follow_up_list.PAGE
        keys = [row.key for row in listed.rows]
        assert keys == sorted(keys, key=lambda key: (key[0], key[1] is not None, key[2]))
        assert len({row.id for row in listed.rows}) == len(listed.rows)


def tui_crm_command() -> str:
    return str(Path(sys.executable).parent / "tui-crm")


@pytest.fixture
def shared_db(tmp_path: Path) -> Path:
    """The three parties in a file that this process opens only once (in the app).

    Opening a SQLite file a second time in one process reads its header with a plain
    ``open()``; closing that descriptor drops the process's POSIX locks, and the other
    process would then delete the WAL under the app's connection.
    """
    path = tmp_path / "shared.sqlite"
    database = open_database(path)
    migrate(database)
    for row in PEOPLE:
        add_party(*row)
    database.close()
    return path


async def test_two_processes_see_each_others_follow_ups(shared_db: Path) -> None:
    from tests.ui.conftest import make_app

    people = shared_db
    app = make_app(people)
    app.fixed_today = TODAY
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app)
        listed = app.screen.query_one(FollowUpList)
        assert listed.rows == []
        # Another process adds one: it shows within 2 seconds, no key pressed.
        subprocess.run(
            [
                *(tui_crm_command(), "--db", str(people), "--clerk", "alice"),
                *("followup", "add", "10002", "--due", "t", "--subject", "Aus Prozess B"),
            ],
            check=True,
            capture_output=True,
            env=os.environ.copy(),
        )
        added = clock.monotonic()
        while not listed.rows and clock.monotonic() - added < 2.0:
            await pilot.pause(0.05)
        assert [row.subject for row in listed.rows] == ["Aus Prozess B"]
        assert clock.monotonic() - added <= 2.0
        # F5 shows a change at once, without waiting for the next look.
        with db.atomic():
            add_follow_up("10003", TODAY, "Gleich da")
        await pilot.press("f5")
        await settle(app)
        assert "Gleich da" in [row.subject for row in listed.rows]
        # This process adds one with F11; the other process lists it.
        await pilot.press("f11")
        await settle(app)
        await pilot.press("tab", "tab", *"Aus Prozess A", "enter")
        await settle(app)
    listed_json = subprocess.run(
        [tui_crm_command(), "--db", str(people), "--clerk", "alice", "followups", "--json"],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    ).stdout
    assert "Aus Prozess A" in listed_json
    assert "Aus Prozess B" in listed_json


async def test_a_timed_follow_up_becoming_due_shows_a_notice(today_app: CrmApp) -> None:
    app = today_app
    moment = [datetime.combine(TODAY, time(9, 0))]
    app.now = lambda: moment[0]
    add_follow_up("10001", TODAY, "Rückruf Müller", due_time=time(9, 5))
    add_follow_up("10002", TODAY, "Schon fällig", due_time=time(8, 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        await pilot.pause(1.2)
        assert not [n for n in app._notifications if n.title == "Follow-up due"]
        moment[0] = datetime.combine(TODAY, time(9, 6))
        await pilot.pause(1.2)
        await settle(app)
        notices = [n.message for n in app._notifications if n.title == "Follow-up due"]
        assert notices == ["09:05 10001 Hans Müller: Rückruf Müller"]
        await pilot.pause(1.2)
        notices = [n.message for n in app._notifications if n.title == "Follow-up due"]
        assert len(notices) == 1, "each follow-up is announced once"


async def test_start_screen_shows_my_overdue_and_todays_follow_ups(today_app: CrmApp) -> None:
    app = today_app
    with db.atomic():
        bob = ensure_clerk("bob")
    add_follow_up("10001", TODAY - timedelta(days=1), "Gestern fällig")
    add_follow_up("10002", TODAY, "Heute fällig")
    add_follow_up("10003", TODAY + timedelta(days=1), "Morgen fällig")
    add_follow_up("10003", TODAY, "Bobs", owner=bob)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        await pilot.pause()
        pane = app.screen.query_one("#due-follow-ups", FollowUpList)
        assert [row.subject for row in pane.rows] == ["Gestern fällig", "Heute fällig"]
        title = str(app.screen.query_one("#due-title", Label).render())
        assert "1 overdue, 1 today" in title
        await pilot.press("down", "down", "enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert app.screen.number == "10002"


async def test_call_suggestions_open_set_a_follow_up_and_snooze(today_app: CrmApp) -> None:
    app = today_app
    Party.update(contact_interval_days=30, last_contact_at=datetime(2026, 1, 1, 9, 0)).where(
        Party.number == "10001"
    ).execute()
    Party.update(contact_interval_days=7).where(Party.number == "10003").execute()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app)
        start_pane = app.screen.query_one("#start-suggestions", SuggestionList)
        assert [row.number for row in start_pane.rows] == ["10003", "10001"]
        await pilot.press("ctrl+g")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen)
        assert [row.number for row in screen.suggestions.rows] == ["10003", "10001"]
        await pilot.press("down")
        await pilot.press("f11")
        await settle(app)
        assert isinstance(app.screen, FollowUpModal)
        assert app.screen.number == "10001"
        await pilot.press("escape", "f8")
        await settle(app)
        assert isinstance(app.screen, SnoozeModal)
        await type_into(pilot, "+2w")
        await pilot.press("enter")
        await settle(app)
        assert [row.number for row in screen.suggestions.rows] == ["10003"]
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert app.screen.number == "10003"
    party = Party.get(Party.number == "10001")
    assert party.suggestion_snoozed_until == date(2026, 3, 18)


def test_service_additions_for_the_dialogs(people: Path) -> None:
    """party_brief, clerks, of_party and timed_due, without Textual."""
    with db.atomic():
        ensure_clerk("alice")
    brief = followups.party_brief(party_id("10003"))
    assert (brief.number, brief.name, brief.persons) == ("10003", "Straßenbau Weiß GmbH", ())
    with pytest.raises(followups.UnknownParty):
        followups.party_brief(999_999)
    assert [clerk.login for clerk in followups.clerks()] == ["alice"]
    first = add_follow_up("10001", TODAY, "A", due_time=time(9, 0))
    second = add_follow_up("10001", TODAY - timedelta(days=1), "B")
    add_follow_up("10001", TODAY, "C", due_time=time(11, 0))
    followups.done(second.id, "alice", today=TODAY)
    rows = followups.of_party(party_id("10001"))
    assert [row.subject for row in rows] == ["A", "C", "B"]
    clerk = int(Clerk.get(Clerk.login == "alice").id)
    assert followups.timed_due(clerk, TODAY, time(8, 59), time(9, 0)) == [followups.get(first.id)]
    assert followups.timed_due(clerk, TODAY, time(9, 0), time(10, 59)) == []
    assert [r.subject for r in followups.timed_due(clerk, TODAY, None, time(12, 0))] == ["A", "C"]


async def test_the_other_alternate_chords_and_the_choice_keys(today_app: CrmApp) -> None:
    app = today_app
    add_follow_up("10001", TODAY, "Katalog schicken")
    Party.update(contact_interval_days=7).where(Party.number == "10003").execute()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+w")
        await settle(app)
        assert isinstance(app.screen, FollowUpListScreen)
        await pilot.press("ctrl+e")
        await settle(app)
        assert isinstance(app.screen, FollowUpModal)
        assert app.screen.row is not None
        await pilot.press("escape", "escape", *"10002")
        await settle(app)
        dialog = await open_dialog(app, pilot)
        await pilot.press("tab", "tab", "tab")
        recent = dialog.query_one("#recent-subjects", CycleField)
        assert app.focused is recent
        await pilot.press("right")
        assert dialog.query_one("#subject", Input).value == "Katalog schicken"
        # Note, contact person, owner, priority.
        await pilot.press("tab", "tab", "tab", "tab")
        priority = dialog.query_one("#priority", CycleField)
        assert app.focused is priority
        await pilot.press("left")
        assert priority.value == 1
        await pilot.press("space", "space")
        assert priority.value == 3
        await pilot.press("escape", "escape", "alt+a")
        await settle(app)
        assert isinstance(app.screen, SuggestionsScreen)
        await pilot.press("alt+z")
        await settle(app)
        assert isinstance(app.screen, SnoozeModal)
