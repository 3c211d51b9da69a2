"""PagedScreen: a screen around one keyset-paged :class:`PagedList` (first page, further
pages as the cursor nears the end, quiet reloads after a change)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from textual import on, work
from textual.worker import get_current_worker

from tui_crm.db.connection import db
from tui_crm.screens.base import CrmScreen
from tui_crm.widgets.paged_list import PagedList


class Keyed(Protocol):
    """A row that knows its keyset position (passed back as ``after``)."""

    @property
    def key(self) -> Any:
        """Where the next page starts."""


RowT = TypeVar("RowT", bound=Keyed)

FIRST_PAGE = 60
"""Rows fetched for the first paint."""

PAGE = 200
"""Rows per further page."""

RELOAD_LIMIT = 1000
"""The most rows a reload after a change fetches again."""


class PagedScreen(CrmScreen, Generic[RowT]):
    """Subclasses compose a :class:`PagedList` with the id :attr:`LIST_ID` and implement
    :meth:`fetch` (a service call, run in a thread with a database connection)."""

    LIST_ID = "rows"
    """The id of the list (without ``#``)."""

    def __init__(self) -> None:
        super().__init__()
        self._token = 0

    @property
    def paged(self) -> PagedList[RowT]:
        """The list."""
        return self.query_one(f"#{self.LIST_ID}", PagedList)

    fetch: Callable[[Any, int], list[RowT]]
    """``fetch(after, limit)``: the ``limit`` rows after the keyset position ``after`` (None:
    from the start); subclasses define it as a method."""

    def on_screen_resume(self) -> None:
        """Back from a customer: what was done there may change the list."""
        if self.paged.loaded:
            self.data_changed()

    def reload(self, *, keep: bool = False) -> None:
        """Fetch the first page again (F5); ``keep``: as many rows as shown, cursor kept."""
        self._token += 1
        limit = FIRST_PAGE
        if keep:
            limit = min(max(len(self.paged.rows), FIRST_PAGE), RELOAD_LIMIT)
        self.load(limit, keep, self._token)

    def data_changed(self) -> None:
        """Someone wrote: fetch again, the cursor staying on its row."""
        self.reload(keep=True)

    @work(thread=True, exclusive=True, group="paged-first", exit_on_error=False)
    def load(self, limit: int, keep: bool, token: int) -> None:
        """Read a first page in a thread."""
        with db.connection_context():
            rows = self.fetch(None, limit + 1)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_rows, rows, limit, keep, token)

    def show_rows(self, rows: list[RowT], limit: int, keep: bool, token: int) -> None:
        """Show a first page unless a newer one was asked for."""
        if token == self._token:
            self.paged.show(rows[:limit], more=len(rows) > limit, keep=keep)
            self.context_may_have_changed()

    @on(PagedList.PageNeeded)
    def page_needed(self, event: PagedList.PageNeeded) -> None:
        """Fetch the next page."""
        last = self.paged.last_row
        if event.control is self.paged and last is not None:
            self.load_page(last.key, event.serial, self._token)

    @work(thread=True, group="paged-page", exit_on_error=False)
    def load_page(self, after: Any, serial: int, token: int) -> None:
        """Read the page after ``after`` in a thread."""
        with db.connection_context():
            rows = self.fetch(after, PAGE + 1)
        self.app.call_from_thread(self.add_rows, rows, serial, token)

    def add_rows(self, rows: list[RowT], serial: int, token: int) -> None:
        """Append a page."""
        if token == self._token:
            self.paged.extend(rows[:PAGE], more=len(rows) > PAGE, serial=serial)
