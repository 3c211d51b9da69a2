"""The customer inquiry with the real keys: open, tabs, summary, next/previous, bookmark,
refresh, convert, back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from textual.widgets import Input, Label, Static, TextArea

from tests.conftest import add_party
from tui_crm.app import CrmApp
from tui_crm.db.models import Bookmark, Document, NumberHistory, OpenItem, Party, Sequence
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.edit_party import EditPartyScreen
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.new_party import NewPartyScreen
from tui_crm.screens.start import StartScreen
from tui_crm.widgets.party_tabs import PartyTabs
from tui_crm.widgets.summary_strip import SummaryStrip

NUMBERS = ("10001", "10002", "10003")


async def settle(app: CrmApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_until_complete()
    await app.workers.wait_for_complete()


def shown(screen: InquiryScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_inquiry(app: CrmApp, number: str = "10001") -> InquiryScreen:
    await app.push_screen(InquiryScreen(number, NUMBERS))
    await settle(app)
    screen = app.screen
    assert isinstance(screen, InquiryScreen)
    return screen


async def test_enter_on_a_hit_opens_the_inquiry_with_banner_and_summary(app: CrmApp) -> None:
    Party.update(credit_limit=Decimal("500.00"), blocked=True).where(
        Party.number == "10001"
    ).execute()
    party = Party.get(Party.number == "10001")
    document = Document.create(
        number="RE1", kind="invoice", party=party, date=date.today(), net_total=Decimal("100")
    )
    OpenItem.create(
        document=document,
        party=party,
        amount=Decimal("119.00"),
        due_date=date(2020, 1, 1),
        dunning_level=3,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"10001")
        await settle(app)
        await pilot.press("enter")
        await settle(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InquiryScreen)
        assert screen.title == "10001: Hans Müller"
        banner = str(screen.query_one("#mode-banner", Label).render())
        assert "INQUIRY" in banner
        assert "BLOCKED" in banner
        summary = str(screen.query_one(SummaryStrip).render())
        for text in ("Open items: €119.00 (1)", "Overdue: €119.00", "Dunning level: 3"):
            assert text in summary
        assert "Credit limit: €500.00 BLOCKED" in summary
        assert "Revenue this year: €100.00" in summary


async def test_alt_digits_f6_f7_and_ctrl_page_keys_switch_tabs_and_the_summary_stays(
    app: CrmApp,
) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        tabs = screen.query_one(PartyTabs)
        strip = screen.query_one(SummaryStrip)
        for key, name in [
            ("alt+2", "other"),
            ("alt+3", "personal"),
            ("alt+4", "contacts"),
            ("alt+5", "bank"),
            ("alt+6", "notes"),
            ("alt+1", "main"),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == f"tab-{name}", key
            assert strip.region.height == 2
            assert "Open items" in str(strip.render())
        await pilot.press("ctrl+pagedown")
        assert tabs.active == "tab-other"
        await pilot.press("ctrl+pageup", "ctrl+pageup")
        assert tabs.active == "tab-correspondence"
        await pilot.press("ctrl+pagedown")
        assert tabs.active == "tab-main"
        await pilot.press("f7", "f7")
        assert tabs.active == "tab-personal"
        await pilot.press("f6")
        assert tabs.active == "tab-other"


async def test_every_tab_shows_its_data_and_none_is_an_empty_placeholder(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        await pilot.pause()
        assert "Köln" in shown(screen, "#address")
        assert "0221 123456" in shown(screen, "#phones")
        assert "No email address." in shown(screen, "#emails")
        assert "Credit limit" in shown(screen, "#other-data")
        assert "Hans" in shown(screen, "#personal")
        assert "No contact persons." in shown(screen, "#persons")
        assert "No bank account on file." in shown(screen, "#bank")
        assert "No open follow-ups." in shown(screen, "#notes")
        for selector in ("#address", "#phones", "#other-data", "#personal", "#bank", "#notes"):
            assert shown(screen, selector).strip(), selector


async def test_inquiry_mode_has_nothing_to_type_into_and_changes_nothing(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        assert not screen.query(Input)
        assert not screen.query(TextArea)
        await pilot.press(*"xyz", "delete", "backspace", "enter")
        await settle(app)
        party = Party.get(Party.number == "10001")
        assert (party.version, party.last_name, party.city) == (1, "Müller", "Köln")


async def test_next_and_previous_customer_without_going_back(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        assert "1 of 3" in str(screen.query_one("#mode-banner", Label).render())
        for key, number in [
            ("alt+down", "10002"),
            ("ctrl+down", "10003"),
            ("alt+down", "10003"),
            ("alt+up", "10002"),
            ("ctrl+up", "10001"),
            ("alt+j", "10002"),
            ("alt+p", "10001"),
        ]:
            await pilot.press(key)
            await settle(app)
            await pilot.pause()
            assert screen.number == number, key
            assert screen.title.startswith(f"{number}: ")
        assert "1 of 3" in str(screen.query_one("#mode-banner", Label).render())


async def test_next_and_previous_are_hidden_without_a_result_list(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(InquiryScreen("10002"))
        await settle(app)
        screen = app.screen
        assert screen.check_action("next_party", ()) is False
        await pilot.press("alt+down")
        await settle(app)
        assert screen.number == "10002"


async def test_f8_and_alt_m_toggle_the_bookmark(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app, "10002")
        party = Party.get(Party.number == "10002")
        await pilot.press("f8")
        await settle(app)
        await pilot.pause()
        assert Bookmark.select().where(Bookmark.party == party).exists()
        assert "Bookmarked" in str(screen.query_one("#mode-banner", Label).render())
        await pilot.press("alt+m")
        await settle(app)
        await pilot.pause()
        assert not Bookmark.select().where(Bookmark.party == party).exists()
        assert "Bookmarked" not in str(screen.query_one("#mode-banner", Label).render())


async def test_f5_and_ctrl_r_show_what_another_clerk_changed(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        for key, city in (("f5", "Bonn"), ("ctrl+r", "Ulm")):
            Party.update(city=city).where(Party.number == "10001").execute()
            await pilot.press(key)
            await settle(app)
            await pilot.pause()
            assert city in shown(screen, "#address"), key


async def test_escape_goes_back_with_the_query_kept(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"10003")
        await settle(app)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)
        assert app.screen.query_one("#search", Input).value == "10003"


async def test_names_from_the_database_are_never_markup(app: CrmApp) -> None:
    Party.update(notes="[red]rot[/red]", company2="[b]x").where(Party.number == "10002").execute()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app, "10002")
        await pilot.pause()
        assert screen.title == "10002: Eva [bold]X[/]"
        assert "Eva [bold]X[/]" in shown(screen, "#address")
        assert "[red]rot[/red]" in shown(screen, "#notes")


async def test_alt_c_converts_a_prospect_after_asking(app: CrmApp) -> None:
    prospect = add_party("I10009", "Ida", "Probe", "", "Ulm", "+497311234", "0731 1234")
    Party.update(kind="prospect").where(Party.id == prospect.id).execute()
    Sequence.create(name="customer", prefix="", next_value=20000)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app, "I10009")
        assert "Prospect" in str(screen.query_one("#mode-banner", Label).render())
        await pilot.press("alt+c")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app)
        await pilot.pause()
        assert screen.number == "20000"
        assert screen.title == "20000: Ida Probe"
        assert "I10009" in shown(screen, "#other-data")
        assert NumberHistory.get(NumberHistory.party == prospect.id).number == "I10009"
        assert screen.check_action("convert", ()) is False


async def test_convert_is_not_offered_for_customers(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        await pilot.press("alt+c")
        assert app.screen is screen


async def test_f4_and_ctrl_e_switch_to_edit_mode(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        for key in ("f4", "ctrl+e"):
            await pilot.press(key)
            await settle(app)
            assert isinstance(app.screen, EditPartyScreen), key
            assert "EDIT" in str(app.screen.query_one("#mode-banner", Label).render())
            await pilot.press("escape")
            await settle(app)
            assert app.screen is screen


async def test_alt_n_and_alt_i_start_a_new_customer_or_prospect(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_inquiry(app)
        for key, kind, banner in (
            ("alt+n", "customer", "NEW CUSTOMER"),
            ("alt+i", "prospect", "NEW PROSPECT"),
        ):
            await pilot.press(key)
            await settle(app)
            new = app.screen
            assert isinstance(new, NewPartyScreen), key
            assert new.kind == kind
            assert banner in str(new.query_one("#mode-banner", Label).render())
            await pilot.press("escape")
            assert app.screen is screen


async def test_the_command_palette_offers_the_inquiry_actions(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)):
        screen = await open_inquiry(app)
        commands = {command.title: command.help for command in app.get_system_commands(screen)}
        assert commands["Edit"] == "F4, Ctrl+E"
        assert commands["Bookmark"] == "F8, Alt+M"
        assert commands["Next"] == "Alt+Down, Ctrl+Down, Alt+J"
        assert commands["New customer"] == "Alt+N"
        assert "To customer" not in commands
        start = app.screen_stack[1]
        on_start = {command.title for command in app.get_system_commands(start)}
        assert {"New customer", "New prospect"} <= on_start
        assert "Edit" not in on_start
