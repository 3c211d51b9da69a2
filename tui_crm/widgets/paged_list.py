"""PagedList: a virtual list (Line API) of service rows that asks for the next keyset page.

The list holds only the pages fetched so far. When the lines on screen come near the end of
them it posts :class:`PagedList.PageNeeded` once; the screen fetches the page after the last
row's key in a thread worker and hands it to :meth:`PagedList.extend`. Nothing ever loads a
whole table. Line 0 is the column header and stays put while the rows scroll.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui_crm import keys

RowT = TypeVar("RowT")

Column = tuple[str, int, str]
"""``(title, width, align)`` of a column; align is ``left`` or ``right``. A negative width
is the least width of a column that shares the room left over with the other such columns."""

PREFETCH = 1
"""Screens of rows ahead of the view that are fetched before the clerk gets there."""


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading line between rows (a section of the follow-up list)."""

    key: str
    """What it heads (``overdue``, ``today`` …)."""
    text: str
    """The line shown."""


def cell(text: str, width: int, align: str = "left") -> str:
    """``text`` on one line, cut with an ellipsis and padded to ``width`` columns."""
    text = text.replace("\n", " ").replace("\r", " ")
    if len(text) > width - 1:
        text = text[: max(0, width - 2)] + "…"
    return text.rjust(width - 1) + " " if align == "right" else text.ljust(width)


class PagedList(ScrollView, Generic[RowT], can_focus=True):
    """Rows fetched page by page, headings between them, and a cursor on a row.

    Args:
        empty_text: What the list shows when it has no rows.
        id: The widget id.
    """

    BINDINGS: ClassVar = list(keys.LIST_BINDINGS)
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-list--header",
        "paged-list--heading",
        "paged-list--cursor",
        "paged-list--alert",
        "paged-list--strong",
        "paged-list--muted",
    }
    DEFAULT_CSS = """
    PagedList {
        height: 1fr;
    }
    """

    cursor: reactive[int] = reactive(0)
    """Index (in :attr:`lines`) of the highlighted row."""

    @dataclass
    class PageNeeded(Message):
        """The view is near the end of the fetched rows and more may follow."""

        paged_list: PagedList[object]
        """The list asking."""
        serial: int
        """The result set the page belongs to (stale answers are dropped)."""

        @property
        def control(self) -> PagedList[object]:
            """The list (``@on`` selectors match it)."""
            return self.paged_list

    @dataclass
    class Opened(Message):
        """Enter (or a double click) on a row."""

        paged_list: PagedList[object]
        """The list."""
        row: object
        """The row opened."""

        @property
        def control(self) -> PagedList[object]:
            """The list (``@on`` selectors match it)."""
            return self.paged_list

    def __init__(self, *, empty_text: str = "", id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.empty_text = empty_text
        """What the list shows without rows."""
        self.lines: list[RowT | Heading] = []
        """Rows and headings in display order."""
        self.more = False
        """Whether another page may follow the last row."""
        self.serial = 0
        """Which result set is shown (bumps with every :meth:`show` of new data)."""
        self.loaded = False
        """Whether a first page has arrived."""
        self._asked = False
        self._widths: tuple[int, list[int]] = (-1, [])
        self._texts: dict[int, str] = {}

    # Subclasses ---------------------------------------------------------------------------

    def columns(self) -> Sequence[Column]:
        """The columns (subclasses override)."""
        return ()

    def cells(self, row: RowT) -> Sequence[str]:
        """The texts of a row, one per column (subclasses override)."""
        return ()

    def row_style(self, row: RowT) -> str:
        """A component class for the row (``paged-list--alert`` …), or empty."""
        return ""

    def identity(self, row: RowT) -> object:
        """What makes a row the same row after a reload (the cursor stays on it)."""
        return row

    def headings(self, rows: Sequence[RowT], before: RowT | None) -> list[RowT | Heading]:
        """Rows with headings put in (``before`` is the last row already shown)."""
        return list(rows)

    # Data ---------------------------------------------------------------------------------

    @property
    def rows(self) -> list[RowT]:
        """The fetched rows, in order."""
        return [line for line in self.lines if not isinstance(line, Heading)]

    @property
    def last_row(self) -> RowT | None:
        """The last fetched row (its key continues the list)."""
        for line in reversed(self.lines):
            if not isinstance(line, Heading):
                return line
        return None

    @property
    def current(self) -> RowT | None:
        """The row under the cursor, or None when there is none."""
        if 0 <= self.cursor < len(self.lines):
            line = self.lines[self.cursor]
            if not isinstance(line, Heading):
                return line
        return None

    def show(self, rows: Sequence[RowT], *, more: bool = False, keep: bool = False) -> int:
        """Show a new first page; return its serial (pass it back with :meth:`extend`).

        Args:
            rows: The rows.
            more: Whether another page may follow.
            keep: Keep the cursor on the same row (a reload), else start at the top.
        """
        previous = self.current
        offset = self.cursor
        self.serial += 1
        self._texts.clear()
        self.lines = self.headings(rows, None)
        self.more = more
        self.loaded = True
        self._asked = False
        self.virtual_size = self._virtual_size()
        target = self._first_row(0)
        if keep and previous is not None:
            wanted = self.identity(previous)
            found = next(
                (
                    index
                    for index, line in enumerate(self.lines)
                    if not isinstance(line, Heading) and self.identity(line) == wanted
                ),
                None,
            )
            target = found if found is not None else self._nearest_row(offset)
        else:
            self.scroll_to(0, 0, animate=False)
        self.set_reactive(PagedList.cursor, target)
        self._follow_cursor()
        self.refresh()
        return self.serial

    def extend(self, rows: Sequence[RowT], *, more: bool, serial: int) -> None:
        """Add the next page of the result set ``serial``."""
        if serial != self.serial:
            return
        self.lines.extend(self.headings(rows, self.last_row))
        self.more = more
        self._asked = False
        self.virtual_size = self._virtual_size()
        if self.current is None:
            self.set_reactive(PagedList.cursor, self._nearest_row(self.cursor))
        self.refresh()

    def _virtual_size(self) -> Size:
        width = sum(abs(width) for _title, width, _align in self.columns())
        return Size(width, len(self.lines) + 1 + (1 if self.more else 0))

    def column_widths(self) -> list[int]:
        """The width of each column at the list's width (shared columns take the room)."""
        room = self.scrollable_content_region.width
        if self._widths[0] == room:
            return self._widths[1]
        columns = self.columns()
        self._texts.clear()
        widths = [abs(width) for _title, width, _align in columns]
        shared = [index for index, (_t, width, _a) in enumerate(columns) if width < 0]
        extra = room - sum(widths)
        if extra > 0 and shared:
            share, rest = divmod(extra, len(shared))
            for position, index in enumerate(shared):
                widths[index] += share + (1 if position < rest else 0)
        self._widths = (room, widths)
        return widths

    def _first_row(self, start: int, step: int = 1) -> int:
        index = start
        while 0 <= index < len(self.lines):
            if not isinstance(self.lines[index], Heading):
                return index
            index += step
        return max(0, min(start, len(self.lines) - 1))

    def _nearest_row(self, index: int) -> int:
        index = max(0, min(index, len(self.lines) - 1))
        found = self._first_row(index, 1)
        if 0 <= found < len(self.lines) and not isinstance(self.lines[found], Heading):
            return found
        return self._first_row(index, -1)

    # Drawing ------------------------------------------------------------------------------

    def line_text(self, line: RowT | Heading) -> str:
        """One line as fixed-width columns (plain text, never markup)."""
        if isinstance(line, Heading):
            return line.text
        widths = self.column_widths()
        return "".join(
            cell(text, width, align)
            for text, width, (_title, _width, align) in zip(
                self.cells(line), widths, self.columns(), strict=False
            )
        )

    def forget_texts(self) -> None:
        """Drop the formatted lines (after the rows or what they show changed in place)."""
        self._texts.clear()

    def header_text(self) -> str:
        """The column titles."""
        widths = self.column_widths()
        return "".join(
            cell(title, width, align)
            for width, (title, _width, align) in zip(widths, self.columns(), strict=False)
        )

    def render_line(self, y: int) -> Strip:
        """Draw the header (line 0) or the line at ``y``; ask for the next page near the end."""
        width = self.scrollable_content_region.width
        left = self.scroll_offset.x
        if y == 0:
            header = self.get_component_rich_style("paged-list--header")
            return Strip([Segment(self.header_text()[left:].ljust(width), header)]).crop(0, width)
        index = self.scroll_offset.y + y - 1
        height = max(self.scrollable_content_region.height, 1)
        if self.more and not self._asked and index >= len(self.lines) - PREFETCH * height:
            self._asked = True
            self.post_message(self.PageNeeded(self, self.serial))  # type: ignore[arg-type]
        if index >= len(self.lines):
            muted = self.get_component_rich_style("paged-list--muted")
            if index == 0 and self.loaded and not self.more:
                return Strip([Segment(self.empty_text.ljust(width), muted)]).crop(0, width)
            if index == len(self.lines) and self.more:
                return Strip([Segment("…".ljust(width), muted)]).crop(0, width)
            return Strip.blank(width, self.rich_style)
        line = self.lines[index]
        style: Style = self.rich_style
        if isinstance(line, Heading):
            style += self.get_component_rich_style("paged-list--heading")
            return Strip([Segment(line.text.ljust(width), style)]).crop(0, width)
        extra = self.row_style(line)
        if extra:
            style += self.get_component_rich_style(extra)
        if index == self.cursor:
            style += self.get_component_rich_style("paged-list--cursor")
        # Formatting the cells (dates, money) is the costly part of a line, and a line is
        # drawn again whenever its style changes (cursor, focus, a dialog over the screen).
        text = self._texts.get(index)
        if text is None:
            text = self._texts[index] = self.line_text(line)
        return Strip([Segment(text[left:].ljust(width), style)]).crop(0, width)

    # Cursor -------------------------------------------------------------------------------

    def _follow_cursor(self) -> None:
        top = self.scroll_offset.y
        rows = self.scrollable_content_region.height - 1
        if rows <= 0:
            return
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False)

    def watch_cursor(self, old: int, new: int) -> None:
        """Keep the cursor visible and repaint."""
        self._follow_cursor()
        self.refresh()

    def _move(self, to: int, step: int) -> None:
        if not self.lines:
            return
        to = max(0, min(len(self.lines) - 1, to))
        found = self._first_row(to, step)
        if isinstance(self.lines[found], Heading):
            found = self._first_row(to, -step)
        if not isinstance(self.lines[found], Heading):
            self.cursor = found

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 2, 1)

    def action_cursor_up(self) -> None:
        """One row up."""
        self._move(self.cursor - 1, -1)

    def action_cursor_down(self) -> None:
        """One row down."""
        self._move(self.cursor + 1, 1)

    def action_page_up(self) -> None:
        """One page up."""
        self._move(self.cursor - self._page(), -1)

    def action_page_down(self) -> None:
        """One page down."""
        self._move(self.cursor + self._page(), 1)

    def action_first(self) -> None:
        """The first row."""
        self._move(0, 1)

    def action_last(self) -> None:
        """The last fetched row (the next page follows)."""
        self._move(len(self.lines) - 1, -1)

    def action_open(self) -> None:
        """Open the row under the cursor."""
        row = self.current
        if row is not None:
            self.post_message(self.Opened(self, row))  # type: ignore[arg-type]

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor; a double click opens."""
        if event.y < 1:
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.lines) and not isinstance(self.lines[index], Heading):
            self.cursor = index
            if event.chain >= 2:
                self.action_open()
