"""Real terminals, real bytes: tui-crm in tmux answers F1, Esc and typing as a clerk sees it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Customer, StartApp, Terminal

pytestmark = pytest.mark.e2e

SIZES = ((80, 24), (120, 40))
"""The smallest supported terminal and a common large one."""

TERMINAL_NAMES = ("xterm", "putty", "linux")
"""xterm, PuTTY in its default function-key mode, the Linux console (see conftest)."""


def has_word(screen: str, word: str) -> bool:
    """Whether ``word`` stands on the screen as a word of its own (case-sensitive)."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", screen) is not None


def result_line(screen: str, number: str) -> str:
    """The result-list row of party ``number`` (empty when not shown)."""
    token = re.compile(rf"(?<!\S){re.escape(number)}(?!\S)")
    return next((line for line in screen.splitlines() if token.search(line)), "")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("terminal", TERMINAL_NAMES, indirect=True)
def test_f1_opens_help_and_esc_returns(
    start_app: StartApp, terminal: Terminal, size: tuple[int, int]
) -> None:
    pane = start_app(terminal, size)
    assert not has_word(pane.screen(), "Keys")

    pane.press("f1")
    pane.wait_for(lambda screen: has_word(screen, "Keys"), "the help modal")
    help_screen = pane.settled()
    assert "app.help" in help_screen, f"no binding id in the help:\n{help_screen}"
    assert "Traceback" not in help_screen

    pane.press_escape()
    screen = pane.wait_for_start_screen(gone="app.help")
    assert not has_word(screen, "Keys")
    assert pane.quit() == 0


def test_typed_name_shows_in_results(
    start_app: StartApp, terminal: Terminal, known_customers: dict[str, Customer]
) -> None:
    number, first, last, city = known_customers["search"]
    pane = start_app(terminal, (120, 40))
    pane.send_text(last[:7].lower())
    screen = pane.wait_for(lambda screen: result_line(screen, number) != "", "the search hit")
    row = result_line(screen, number)
    assert f"{first} {last}" in row
    assert city in row
    assert "1 found" in screen
    assert pane.quit() == 0


def test_markup_in_a_name_shows_literally(
    start_app: StartApp, terminal: Terminal, known_customers: dict[str, Customer]
) -> None:
    number, _first, last, city = known_customers["markup"]
    pane = start_app(terminal, (120, 40))
    pane.send_text(last)
    screen = pane.wait_for(lambda screen: result_line(screen, number) != "", "the search hit")
    row = result_line(screen, number)
    assert last in row, row
    assert city in row
    assert pane.quit() == 0


def test_type_a_name_enter_and_see_the_inquiry(
    start_app: StartApp, terminal: Terminal, known_customers: dict[str, Customer]
) -> None:
    number, first, last, city = known_customers["search"]
    pane = start_app(terminal, (120, 40))
    pane.send_text(last[:7].lower())
    pane.wait_for(lambda screen: result_line(screen, number) != "", "the search hit")
    pane.send_hex(["0d"])
    screen = pane.wait_for(
        lambda screen: f"{number}: {first} {last}" in screen and "INQUIRY" in screen,
        "the customer inquiry",
    )
    assert city in screen
    pane.press_escape()
    screen = pane.wait_for(lambda screen: "INQUIRY" not in screen, "back to the search")
    assert result_line(screen, number) != "", "the query and its hits are kept"
    assert pane.quit() == 0
