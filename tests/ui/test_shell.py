"""The app shell with the real keys: search, open, help, palette, keymap, themes, quit."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input, Label, Static

from tests.ui.conftest import make_app
from tui_crm.app import CrmApp
from tui_crm.screens.base import CrmScreen
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.help import HelpModal
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.start import StartScreen
from tui_crm.widgets.party_table import PartyTable
from tui_crm.widgets.result_list import ResultList


async def settle(app: CrmApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_until_complete()


def cells(table: PartyTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def hits(app: CrmApp) -> list[list[str]]:
    """Number, name, city and phone of every loaded hit, in list order."""
    found = app.screen.query_one("#results", ResultList)
    rows = [found.rows[party] for party in found.ids if party in found.rows]
    return [[row.number, row.name, row.city, row.phone] for row in rows]


async def test_search_is_focused_and_finds_while_typing(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, StartScreen)
        assert app.focused is app.screen.query_one("#search", Input)
        await pilot.press(*"mül")
        await settle(app)
        await pilot.pause()
        rows = hits(app)
        assert rows == [["10001", "Hans Müller", "Köln", "0221 123456"]]


async def test_markup_in_names_is_shown_literally(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"berlin")
        await settle(app)
        await pilot.pause()
        rows = hits(app)
        assert rows[0][1] == "Eva [bold]X[/]"
        await pilot.press("enter")
        await settle(app)
        await pilot.pause()
        assert app.screen.title == "10002: Eva [bold]X[/]"
        assert "Eva [bold]X[/]" in str(app.screen.query_one("#address", Static).render())


async def test_enter_opens_inquiry_and_escape_keeps_the_query(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"10003")
        await settle(app)
        await pilot.pause()
        await pilot.press("enter")
        await settle(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InquiryScreen)
        assert screen.title == "10003: Straßenbau Weiß GmbH"
        banner = str(screen.query_one("#mode-banner", Label).render())
        assert "INQUIRY" in banner
        assert "0171 1234567" in str(screen.query_one("#phones", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, StartScreen)
        assert app.screen.query_one("#search", Input).value == "10003"


async def test_opened_customer_appears_in_recent(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"koln", "enter")
        await settle(app)
        await pilot.press("escape", "escape")
        await settle(app)
        await pilot.pause()
        assert app.screen.query_one("#search", Input).value == ""
        recent = cells(app.screen.query_one("#recent", PartyTable))
        assert [row[0] for row in recent] == ["10001"]


async def test_down_moves_into_results_and_enter_opens(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"bonn")
        await settle(app)
        await pilot.pause()
        await pilot.press("down")
        assert isinstance(app.focused, ResultList)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert app.screen.number == "10003"


async def test_f1_and_its_alternates_open_help(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        for key in ("f1", "alt+h"):
            await pilot.press(key)
            assert isinstance(app.screen, HelpModal), key
            await pilot.press("escape")
            assert isinstance(app.screen, StartScreen)
        await pilot.press("question_mark")
        assert app.screen.query_one("#search", Input).value == "?"
        await pilot.press("backspace", *"bonn")
        await settle(app)
        await pilot.press("enter")
        await settle(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpModal)


async def test_help_lists_every_binding_and_remaps(people: Path) -> None:
    app = make_app(people, keymap={"app.help": "f4,alt+k"})
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpModal)
        await pilot.press("f4")
        assert isinstance(app.screen, HelpModal)
        table = app.screen.query_one("#help-keys")
        rows = {
            str(table.get_row_at(i)[2]): [str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        from tui_crm import keys

        assert set(rows) == set(keys.BY_ID)
        assert rows["app.help"][1] == "F4, Alt+K  (remapped, default: F1, Alt+H, ?)"
        assert rows["app.search"][1] == "F2, Ctrl+F"


async def test_unknown_keymap_id_warns(people: Path) -> None:
    app = make_app(people, keymap={"app.teleport": "f8"})
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("app.teleport" in message for message in messages)


async def test_f2_and_ctrl_f_return_to_search(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        for key in ("f2", "ctrl+f"):
            await pilot.press(*"bonn")
            await settle(app)
            await pilot.press("enter")
            await settle(app)
            assert isinstance(app.screen, InquiryScreen)
            await pilot.press(key)
            assert isinstance(app.screen, StartScreen)
            assert isinstance(app.focused, Input)
            await pilot.press("escape")


async def test_f5_and_ctrl_r_reload(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"zz")
        await settle(app)
        from tests.conftest import add_party

        add_party("10009", "Zz", "Top", "", "Ulm", "+497311234", "0731 1234")
        for key in ("f5", "ctrl+r"):
            await pilot.press(key)
            await settle(app)
            await pilot.pause()
            rows = hits(app)
            assert rows
            assert rows[0][0] == "10009"


async def test_command_palette_lists_actions_with_keys(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        titles = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert titles["Help"] == "F1, Alt+H, ?"
        assert titles["Refresh"] == "F5, Ctrl+R"
        await pilot.press(*"help")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)


async def test_f9_cycles_the_three_themes(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.theme == "tui-crm"
        await pilot.press("f9")
        assert app.theme == "tui-crm-contrast"
        await pilot.press("alt+t")
        assert app.theme == "tui-crm-16"
        await pilot.press("f9")
        assert app.theme == "tui-crm"


async def test_ctrl_q_quits_at_once_without_edits(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app._exit


class DirtyScreen(CrmScreen):
    """A screen with unsaved edits."""

    @property
    def has_unsaved_changes(self) -> bool:
        return True


async def test_ctrl_q_asks_when_there_are_unsaved_edits(app: CrmApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(DirtyScreen())
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert isinstance(app.screen, DirtyScreen)
        assert not app._exit
        await pilot.press("ctrl+q", "y")
        await pilot.pause()
        assert app._exit
