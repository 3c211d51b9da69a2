"""Every key binding, declared once with a dotted id; the config's [keymap] remaps them by id.

Each F-key action also has an alternate chord that reaches the app in terminals that swallow
the F-key (F1 help, F10 menu, F11 fullscreen). Modifiers are written the way Textual reports
them, in alphabetical order (``alt+ctrl+f1``).
"""

from __future__ import annotations

from textual.binding import Binding

from tui_crm.i18n import _

HELP = Binding("f1,alt+h,question_mark", "app.help", _("Help"), key_display="F1", id="app.help")
"""Show every key, its alternate and any remap."""

SEARCH = Binding(
    "f2,ctrl+f", "app.search", _("Search"), key_display="F2", id="app.search", priority=True
)
"""Go to the search field from anywhere."""

REFRESH = Binding(
    "f5,ctrl+r", "app.refresh", _("Refresh"), key_display="F5", id="app.refresh", priority=True
)
"""Reload what the screen shows from the database."""

THEME = Binding(
    "f9,alt+t", "app.cycle_theme", _("Theme"), key_display="F9", id="app.theme", show=False
)
"""Switch to the next theme (default, high contrast, 16 colours)."""

PALETTE = Binding(
    "ctrl+p",
    "app.command_palette",
    _("Commands"),
    key_display="^P",
    id="app.palette",
    show=False,
    priority=True,
)
"""Open the command palette: every action by name."""

QUIT = Binding("ctrl+q", "app.quit_app", _("Quit"), key_display="^Q", id="app.quit", priority=True)
"""Quit, asking first when a screen has unsaved edits."""

BACK = Binding("escape", "back", _("Back"), key_display="Esc", id="screen.back")
"""Close the screen or dialog and go back."""

OPEN = Binding("enter", "open", _("Open"), key_display="Enter", id="search.open", show=False)
"""Open the highlighted customer."""

CURSOR_TO_RESULTS = Binding(
    "down", "to_results", _("Results"), key_display="Down", id="search.results", show=False
)
"""Move from the search field into the result list."""

CONFIRM_YES = Binding("y,j", "answer(True)", _("Yes"), key_display="Y", id="confirm.yes")
"""Answer a question with yes (``j`` for German ja)."""

CONFIRM_NO = Binding("n,escape", "answer(False)", _("No"), key_display="N", id="confirm.no")
"""Answer a question with no."""

CLOSE = Binding("escape,f1", "close", _("Close"), key_display="Esc", id="help.close")
"""Close the help screen."""

LIST_UP = Binding("up", "cursor_up", _("Up"), id="list.up", show=False)
"""Move the cursor of a list up."""

LIST_DOWN = Binding("down", "cursor_down", _("Down"), id="list.down", show=False)
"""Move the cursor of a list down."""

LIST_PAGE_UP = Binding("pageup", "page_up", _("Page up"), id="list.page_up", show=False)
"""Move the cursor of a list one page up."""

LIST_PAGE_DOWN = Binding("pagedown", "page_down", _("Page down"), id="list.page_down", show=False)
"""Move the cursor of a list one page down."""

LIST_HOME = Binding("home", "first", _("First"), id="list.first", show=False)
"""Move the cursor of a list to the first row."""

LIST_END = Binding("end", "last", _("Last"), id="list.last", show=False)
"""Move the cursor of a list to the last row."""

LIST_OPEN = Binding("enter", "open", _("Open"), key_display="Enter", id="list.open")
"""Open the row under the cursor."""

LIST_BINDINGS = (LIST_UP, LIST_DOWN, LIST_PAGE_UP, LIST_PAGE_DOWN, LIST_HOME, LIST_END, LIST_OPEN)
"""Cursor keys of the virtual lists."""

APP_BINDINGS: tuple[Binding, ...] = (HELP, SEARCH, REFRESH, THEME, PALETTE, QUIT)
"""Bindings of the App itself."""

ALL: tuple[Binding, ...] = (
    *APP_BINDINGS,
    BACK,
    OPEN,
    CURSOR_TO_RESULTS,
    *LIST_BINDINGS,
    CONFIRM_YES,
    CONFIRM_NO,
    CLOSE,
)
"""Every binding: for the help screen, the config check and the tests."""

BY_ID: dict[str, Binding] = {binding.id: binding for binding in ALL if binding.id}
"""Bindings by their id."""


def split_keys(keys: str) -> list[str]:
    """Split a key string such as ``"f1,alt+h"`` into its keys."""
    return [key.strip() for key in keys.split(",") if key.strip()]


MODIFIERS = ("alt", "ctrl", "shift", "super", "meta", "hyper")
"""Modifier names, in the alphabetical order Textual reports them."""

_NAMES = {
    "question_mark": "?",
    "escape": "Esc",
    "enter": "Enter",
    "down": "Down",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "up": "Up",
    "home": "Home",
    "end": "End",
}


def display(key: str) -> str:
    """Show a Textual key name the way a clerk reads it: ``ctrl+n`` → ``Ctrl+N``."""
    return "+".join(
        _NAMES.get(part, part.capitalize() if part in MODIFIERS else part.upper())
        for part in key.split("+")
    )
