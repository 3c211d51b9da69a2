"""Edit mode with the real keys: validation beside the field, save, conflicts between two
connections, leaving with unsaved changes, new records with the duplicate warning."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from textual.pilot import Pilot
from textual.widgets import Label, Static

from tui_crm.app import CrmApp
from tui_crm.db.connection import db
from tui_crm.db.models import AuditLog, Party, Phone
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.conflict import ConflictModal
from tui_crm.screens.edit_party import EditPartyScreen
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.new_party import NewPartyScreen
from tui_crm.services import editing
from tui_crm.services.customers import ensure_clerk
from tui_crm.widgets.form_field import FormField
from tui_crm.widgets.party_tabs import PartyTabs


async def settle(app: CrmApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_until_complete()
    await app.workers.wait_for_complete()


async def edit(app: CrmApp, pilot: Pilot[None], number: str = "10001") -> EditPartyScreen:
    """Open the inquiry of ``number`` and press F4."""
    await app.push_screen(InquiryScreen(number))
    await settle(app)
    await pilot.press("f4")
    await settle(app)
    screen = app.screen
    assert isinstance(screen, EditPartyScreen)
    return screen


async def type_into(pilot: Pilot[None], screen: EditPartyScreen, name: str, text: str) -> None:
    """Empty the field ``name`` and type ``text`` into it with the keyboard."""
    field = screen.query_one(f"#field-{name}", FormField)
    tab = next(a for a in field.ancestors if a.id and a.id.startswith("tab-"))
    screen.query_one(PartyTabs).active = str(tab.id)
    await pilot.pause()
    field.input.focus()
    field.input.value = ""
    await pilot.press(*text)


def party(number: str = "10001") -> Party:
    return Party.get(Party.number == number)


async def test_f10_saves_and_the_inquiry_shows_the_saved_data(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await type_into(pilot, screen, "city", "Bonn")
        await type_into(pilot, screen, "postcode", "53111")
        await pilot.press("f10")
        await settle(app)
        await pilot.pause()
        inquiry = app.screen
        assert isinstance(inquiry, InquiryScreen)
        assert "53111 Bonn" in str(inquiry.query_one("#address", Static).render())
        saved = party()
        assert (saved.city, saved.postcode, saved.version) == ("Bonn", "53111", 2)
        fields = [row.field for row in AuditLog.select().where(AuditLog.party == saved.id)]
        assert sorted(fields) == ["city", "postcode"]


async def test_ctrl_s_saves_too(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await type_into(pilot, screen, "first_name", "Hanna")
        await pilot.press("ctrl+s")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert party().first_name == "Hanna"


async def test_tabs_switch_in_edit_mode(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        tabs = screen.query_one(PartyTabs)
        await pilot.press("alt+5")
        assert tabs.active == "tab-bank"
        await pilot.press("ctrl+pagedown")
        assert tabs.active == "tab-notes"
        await pilot.press("ctrl+pageup", "ctrl+pageup")
        assert tabs.active == "tab-contacts"


async def test_a_wrong_value_shows_its_message_beside_the_field_and_blocks_the_save(
    app: CrmApp,
) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await type_into(pilot, screen, "postcode", "5066")
        await pilot.press("tab")
        await pilot.pause()
        field = screen.query_one("#field-postcode", FormField)
        assert "Not a postcode of DE" in field.error
        assert "Not a postcode of DE" in str(field.query_one(".form-error", Label).render())
        assert field.has_class("-invalid")
        await pilot.press("alt+3")
        await pilot.press("f10")
        await settle(app)
        assert app.screen is screen
        assert screen.query_one(PartyTabs).active == "tab-main"
        assert party().version == 1
        await type_into(pilot, screen, "postcode", "50667")
        await pilot.pause()
        assert field.error == ""
        assert not field.has_class("-invalid")


async def test_every_checked_field_refuses_garbage_before_saving(app: CrmApp) -> None:
    cases = [
        ("email-0", "not-an-address", "Not an email address"),
        ("phone-1", "12", "Not a valid phone number"),
        ("birthday", "31.02.1970", "No such day"),
        ("credit_limit", "1.234", "Ambiguous amount"),
        ("iban", "DE00 1234", "Not a valid IBAN"),
        ("bic", "XX", "Not a valid BIC"),
        ("country", "XX", "two letters"),
        ("contact_interval_days", "0", "whole number"),
    ]
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        for name, text, message in cases:
            await type_into(pilot, screen, name, text)
            await pilot.press("f10")
            await settle(app)
            field = screen.query_one(f"#field-{name}", FormField)
            assert message in field.error, name
            assert app.screen is screen
            field.input.value = field.initial
            await pilot.pause()
        assert party().version == 1


async def test_a_phone_number_is_stored_in_e164_and_shown_nationally(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await type_into(pilot, screen, "phone-1", "0221/555 666")
        await type_into(pilot, screen, "email-0", "Hans@Example.DE")
        await pilot.press("f10")
        await settle(app)
        await pilot.pause()
        numbers = [p.e164 for p in Phone.select().where(Phone.party == party().id)]
        assert numbers == ["+49221123456", "+49221555666"]
        inquiry = app.screen
        assert "0221 555666" in str(inquiry.query_one("#phones", Static).render())
        assert "Hans@example.de" in str(inquiry.query_one("#emails", Static).render())


async def test_saving_without_changes_just_leaves(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await edit(app, pilot)
        await pilot.press("f10")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert party().version == 1
        assert not AuditLog.select().exists()


async def test_escape_without_changes_leaves_at_once(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        for number in ("10001", "10002", "10003"):
            screen = await edit(app, pilot, number)
            assert not screen.has_unsaved_changes, number
            await pilot.press("escape")
            await settle(app)
            assert isinstance(app.screen, InquiryScreen)
            await pilot.press("escape")


async def test_escape_with_unsaved_changes_asks(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await type_into(pilot, screen, "city", "Bonn")
        assert screen.has_unsaved_changes
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert app.screen is screen
        await pilot.press("escape", "y")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert party().city == "Köln"


async def test_quitting_with_unsaved_changes_asks(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await type_into(pilot, screen, "city", "Bonn")
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert not app._exit


def another_clerk_saves(number: str, **changes: object) -> None:
    """Another clerk's save, on a connection of its own (a second thread)."""
    with db.connection_context():
        ensure_clerk("bob")
        stored = editing.snapshot(int(party(number).id))
        theirs = replace(stored.values, **changes)
        editing.save(stored.id, stored.values, stored.version, theirs, "bob")


async def test_a_conflict_shows_the_differing_fields_and_the_clerk_keeps_theirs_or_mine(
    app: CrmApp,
) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await asyncio.to_thread(another_clerk_saves, "10001", city="Bonn", street="Markt 1")
        await type_into(pilot, screen, "city", "Ulm")
        await type_into(pilot, screen, "last_name", "Müller-Lang")
        await pilot.press("f10")
        await settle(app)
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConflictModal)
        table = modal.query_one("#conflict-fields")
        rows = {
            str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)] for i in range(2)
        }
        assert rows["City"][1:] == ["Köln", "Bonn", "Ulm", "yours"]
        assert rows["Street"][1:] == ["-", "Markt 1", "-", "theirs"]
        assert party().city == "Bonn"  # nothing of mine is written yet
        # All theirs, then switch the city (the second row) back to mine with Space.
        await pilot.press("t", "down", "space")
        assert modal.take_mine == {"city"}
        await pilot.press("f10")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, InquiryScreen)
        saved = party()
        assert (saved.city, saved.street, saved.last_name) == ("Ulm", "Markt 1", "Müller-Lang")
        assert saved.version == 3


async def test_all_mine_and_escape_in_the_conflict_dialog(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await edit(app, pilot)
        await asyncio.to_thread(another_clerk_saves, "10001", city="Bonn")
        await type_into(pilot, screen, "city", "Ulm")
        await pilot.press("ctrl+s")
        await settle(app)
        assert isinstance(app.screen, ConflictModal)
        await pilot.press("escape")
        assert app.screen is screen
        assert party().city == "Bonn"
        await pilot.press("ctrl+s")
        await settle(app)
        assert isinstance(app.screen, ConflictModal)
        await pilot.press("t", "m", "ctrl+s")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert party().city == "Ulm"


async def test_a_new_customer_warns_of_duplicates_and_gets_a_number(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(InquiryScreen("10002"))
        await settle(app)
        await pilot.press("alt+n")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, NewPartyScreen)
        assert not screen.has_unsaved_changes
        await type_into(pilot, screen, "last_name", "Neumann")
        await type_into(pilot, screen, "phone-0", "0221 123456")
        await pilot.pause(0.5)
        await settle(app)
        await pilot.pause()
        warning = screen.query_one("#duplicates", Static)
        assert warning.has_class("-found")
        assert "10001" in str(warning.render())
        assert "same phone" in str(warning.render())
        await pilot.press("f10")
        await settle(app)
        await pilot.pause()
        inquiry = app.screen
        assert isinstance(inquiry, InquiryScreen)
        assert inquiry.number == "10000"
        created = party("10000")
        assert (created.kind, created.last_name) == ("customer", "Neumann")


async def test_a_new_record_needs_a_name(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(NewPartyScreen("prospect"))
        await settle(app)
        screen = app.screen
        await type_into(pilot, screen, "city", "Ulm")
        await pilot.press("f10")
        await settle(app)
        assert app.screen is screen
        assert screen.query_one(PartyTabs).active == "tab-personal"
        assert "last name or a company" in screen.query_one("#field-last_name", FormField).error
        await type_into(pilot, screen, "company", "Probe AG")
        await pilot.press("f10")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert party("I10000").kind == "prospect"
