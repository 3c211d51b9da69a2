"""ResultList: a virtual list of search hits that loads only the rows it shows (Line API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui_crm import formatting, keys
from tui_crm.i18n import _
from tui_crm.services.customers import PartyRow

COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("number", 9, "left"),
    ("name", 34, "left"),
    ("city", 18, "left"),
    ("phone", 16, "left"),
    ("kind", 11, "left"),
    ("balance", 13, "right"),
    ("blocked", 9, "left"),
)
"""(field, width, alignment) of each column."""


def _cell(text: str, width: int, align: str) -> str:
    text = text.replace("\n", " ")
    if len(text) > width - 1:
        text = text[: width - 2] + "…"
    return text.rjust(width - 1) + " " if align == "right" else text.ljust(width)


def header_text() -> str:
    """The column titles, padded like the rows."""
    titles = {
        "number": _("No."),
        "name": _("Name"),
        "city": _("City"),
        "phone": _("Phone"),
        "kind": _("Kind"),
        "balance": _("Balance"),
        "blocked": "",
    }
    return "".join(_cell(titles[field], width, align) for field, width, align in COLUMNS)


def row_text(row: PartyRow) -> str:
    """One hit as a line of fixed-width columns (plain text, never markup)."""
    values = {
        "number": row.number,
        "name": row.name,
        "city": row.city,
        "phone": row.phone,
        "kind": _("Customer") if row.kind == "customer" else _("Prospect"),
        "balance": formatting.money(row.balance) if row.balance else "",
        "blocked": _("BLOCKED") if row.blocked else "",
    }
    return "".join(_cell(values[field], width, align) for field, width, align in COLUMNS)


class ResultList(ScrollView, can_focus=True):
    """Up to 10,000 hits by id; rows are fetched for the visible window only."""

    BINDINGS: ClassVar = list(keys.LIST_BINDINGS)
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "result-list--cursor",
        "result-list--blocked",
        "result-list--loading",
    }
    DEFAULT_CSS = """
    ResultList {
        height: 1fr;
    }
    """

    cursor: reactive[int] = reactive(0)
    """Index of the highlighted hit."""

    @dataclass
    class RowsNeeded(Message):
        """The list shows ids whose rows are not loaded yet."""

        result_list: ResultList
        """The list asking."""
        ids: list[int]
        """Ids to load, in list order."""
        serial: int
        """The result set the ids belong to (stale answers are dropped)."""

    @dataclass
    class Opened(Message):
        """Enter (or a double click) on a hit."""

        number: str
        """The party number of the hit."""
        index: int
        """Its position in the list."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.ids: list[int] = []
        """The hits, best first."""
        self.rows: dict[int, PartyRow] = {}
        """Loaded rows by party id."""
        self.serial = 0
        """Which result set is shown; bumps with every :meth:`show`."""
        self._asked: set[int] = set()

    def show(self, ids: list[int], rows: list[PartyRow], serial: int) -> None:
        """Show a new result set, with the rows of its first page already loaded."""
        self.ids = ids
        self.rows = {row.id: row for row in rows}
        self.serial = serial
        self._asked = set(self.rows)
        self.cursor = 0
        self.virtual_size = Size(sum(width for _f, width, _a in COLUMNS), len(ids))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def extend(self, ids: list[int], serial: int) -> None:
        """Replace the hits by a longer list of the same result set (same order)."""
        if serial != self.serial:
            return
        self.ids = ids
        self.virtual_size = Size(self.virtual_size.width, len(ids))
        self.refresh()

    def add_rows(self, rows: list[PartyRow], serial: int) -> None:
        """Add loaded rows of the current result set."""
        if serial != self.serial:
            return
        self.rows.update((row.id, row) for row in rows)
        self.refresh()

    @property
    def current(self) -> PartyRow | None:
        """The row under the cursor, if loaded."""
        if not 0 <= self.cursor < len(self.ids):
            return None
        return self.rows.get(self.ids[self.cursor])

    @property
    def numbers(self) -> tuple[str, ...]:
        """Party numbers of the loaded rows, in list order (for next/previous)."""
        return tuple(self.rows[i].number for i in self.ids if i in self.rows)

    def select_number(self, number: str) -> bool:
        """Put the cursor on the loaded hit with ``number``; return whether it is listed."""
        for index, party in enumerate(self.ids):
            row = self.rows.get(party)
            if row is not None and row.number == number:
                self.cursor = index
                return True
        return False

    def render_line(self, y: int) -> Strip:
        """Draw the hit at screen line ``y``; ask for rows that are missing."""
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.ids):
            return Strip.blank(width, self.rich_style)
        party = self.ids[index]
        row = self.rows.get(party)
        if row is None:
            self._ask_for_window()
            style = self.get_component_rich_style("result-list--loading")
            return Strip([Segment("…".ljust(width), style)]).crop(0, width)
        style = self.rich_style
        if row.blocked:
            style += self.get_component_rich_style("result-list--blocked")
        if index == self.cursor:
            style += self.get_component_rich_style("result-list--cursor")
        text = row_text(row)[self.scroll_offset.x :]
        return Strip([Segment(text.ljust(width), style)]).crop(0, width)

    def _ask_for_window(self) -> None:
        top = self.scroll_offset.y
        height = max(self.size.height, 1)
        window = self.ids[max(0, top - height) : top + 2 * height]
        missing = [party for party in window if party not in self._asked]
        if missing:
            self._asked.update(missing)
            self.post_message(self.RowsNeeded(self, missing, self.serial))

    def watch_cursor(self, old: int, new: int) -> None:
        """Keep the cursor visible and repaint the two lines that changed."""
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif height and new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False)
        self.refresh()

    def _move(self, to: int) -> None:
        if self.ids:
            self.cursor = max(0, min(len(self.ids) - 1, to))

    def action_cursor_up(self) -> None:
        """One hit up."""
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        """One hit down."""
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        """One page up."""
        self._move(self.cursor - max(self.scrollable_content_region.height - 1, 1))

    def action_page_down(self) -> None:
        """One page down."""
        self._move(self.cursor + max(self.scrollable_content_region.height - 1, 1))

    def action_first(self) -> None:
        """The first hit."""
        self._move(0)

    def action_last(self) -> None:
        """The last hit."""
        self._move(len(self.ids) - 1)

    def action_open(self) -> None:
        """Open the hit under the cursor."""
        row = self.current
        if row is not None:
            self.post_message(self.Opened(row.number, self.cursor))

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor; a double click opens."""
        self._move(self.scroll_offset.y + event.y)
        if event.chain >= 2:
            self.action_open()
