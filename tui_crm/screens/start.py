"""StartScreen: the search field with results while typing; bookmarks and recent customers."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label
from textual.worker import get_current_worker

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.services import customers
from tui_crm.services.customers import PartyRow
from tui_crm.widgets.party_table import PartyTable
from tui_crm.widgets.result_list import ResultList, header_text

FIRST_PAGE = 60
"""Hits fetched before the first paint."""

FULL_LIST_DELAY = 0.25
"""Seconds of no typing before the full list of hits (up to 10,000) is fetched."""


class StartScreen(CrmScreen):
    """Search by number, name, city, street or email; results appear while typing."""

    CSS_PATH = STYLES / "start.tcss"
    BINDINGS = [keys.CURSOR_TO_RESULTS]

    def __init__(self) -> None:
        super().__init__()
        self._query_serial = 0

    def compose(self) -> ComposeResult:
        """Search field, results, and the start panes."""
        yield Header(icon=HEADER_ICON)
        yield Input(placeholder=_("Search: number, name, city, street, email"), id="search")
        yield Label("", id="result-count", markup=False)
        yield Label(header_text(), id="result-header", markup=False)
        yield ResultList(id="results")
        with Horizontal(id="start-panes"):
            with Vertical(classes="start-pane"):
                yield Label(_("Bookmarks"), classes="pane-title")
                yield PartyTable(id="bookmarks")
            with Vertical(classes="start-pane"):
                yield Label(_("Recently opened"), classes="pane-title")
                yield PartyTable(id="recent")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the search field and fill the start panes."""
        self.focus_search()
        self.set_class(True, "-empty-query")
        self.load_start_panes()

    def on_screen_resume(self) -> None:
        """Refresh the recent list when coming back from a customer."""
        self.load_start_panes()

    def focus_search(self) -> None:
        """Put the cursor into the search field."""
        self.query_one("#search", Input).focus()

    def reload(self) -> None:
        """F5: run the search again and reload the start panes."""
        self.run_search(self.query_one("#search", Input).value)
        self.load_start_panes()

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        """Search on every keystroke; an empty field shows the start panes."""
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        """Start a search worker; results of older queries are dropped."""
        self._query_serial += 1
        empty = not query.strip()
        self.set_class(empty, "-empty-query")
        if empty:
            self.query_one("#results", ResultList).show([], [], self._query_serial)
            self.query_one("#result-count", Label).update("")
            return
        self.search(query, self._query_serial)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, query: str, serial: int) -> None:
        """Find the first page of hits in a thread and show it."""
        region = self.context.settings.region
        with db.connection_context():
            first = customers.search_ids(query, limit=FIRST_PAGE, region=region)
            # Rows for the lines on screen only; the list asks for more as it scrolls.
            visible = max(self.query_one("#results", ResultList).size.height, 20)
            rows = customers.rows(first[:visible], region=region)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_results, query, first, rows, serial)

    def show_results(self, query: str, ids: list[int], rows: list[PartyRow], serial: int) -> None:
        """Show the first page of hits unless a newer query has been typed since."""
        if serial != self._query_serial:
            return
        self.query_one("#results", ResultList).show(ids, rows, serial)
        self._show_count(len(ids), more=len(ids) >= FIRST_PAGE)
        if len(ids) >= FIRST_PAGE:
            # The full list waits until typing pauses: fetching 10,000 ids while the clerk
            # types would hold up the next keystroke's repaint.
            self.set_timer(FULL_LIST_DELAY, lambda: self._fetch_all(query, serial))

    def _fetch_all(self, query: str, serial: int) -> None:
        if serial == self._query_serial:
            self.search_all(query, serial)

    @work(thread=True, exclusive=True, group="search-all", exit_on_error=False)
    def search_all(self, query: str, serial: int) -> None:
        """Find every hit (up to the limit) in a thread."""
        with db.connection_context():
            every = customers.search_ids(
                query, limit=customers.MAX_HITS, region=self.context.settings.region
            )
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.extend_results, every, serial)

    def extend_results(self, ids: list[int], serial: int) -> None:
        """Show every hit (up to the limit) of the current query."""
        if serial != self._query_serial:
            return
        self.query_one("#results", ResultList).extend(ids, serial)
        self._show_count(len(ids), more=len(ids) >= customers.MAX_HITS)

    def _show_count(self, count: int, *, more: bool) -> None:
        label = self.query_one("#result-count", Label)
        # The label has a fixed size (start.tcss), so no layout pass is needed.
        if not count:
            label.update(_("No match"), layout=False)
        else:
            shown = formatting.number(count) + ("+" if more else "")
            label.update(_("{count} found").format(count=shown), layout=False)

    @on(ResultList.RowsNeeded)
    def rows_needed(self, event: ResultList.RowsNeeded) -> None:
        """Load the rows a scrolled list is about to show."""
        self.load_rows(event.result_list, event.ids, event.serial)

    @work(thread=True, group="rows", exit_on_error=False)
    def load_rows(self, result_list: ResultList, ids: list[int], serial: int) -> None:
        """Fetch list rows by id in a thread."""
        with db.connection_context():
            rows = customers.rows(ids, region=self.context.settings.region)
        self.app.call_from_thread(result_list.add_rows, rows, serial)

    @work(thread=True, exclusive=True, group="start-panes", exit_on_error=False)
    def load_start_panes(self) -> None:
        """Load bookmarks and recently opened customers of this clerk."""
        clerk = self.context.clerk_id
        region = self.context.settings.region
        with db.connection_context():
            marked = customers.bookmarks(clerk, region=region)
            recent = customers.recent(clerk, region=region)
        self.app.call_from_thread(self.query_one("#bookmarks", PartyTable).show, marked)
        self.app.call_from_thread(self.query_one("#recent", PartyTable).show, recent)

    def action_to_results(self) -> None:
        """Down from the search field moves into the visible list."""
        target = "#bookmarks" if self.has_class("-empty-query") else "#results"
        self.query_one(target).focus()

    @on(DataTable.RowSelected)
    def open_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a bookmark or recent customer opens the inquiry (next/previous in its list)."""
        if event.row_key.value is None:
            return
        table = event.data_table
        numbers = tuple(str(key.value) for key in table.rows if key.value is not None)
        self.app.push_screen(InquiryScreen(str(event.row_key.value), numbers))

    @on(ResultList.Opened)
    def open_hit(self, event: ResultList.Opened) -> None:
        """Enter on a hit opens the inquiry; next/previous there walk the loaded hits."""
        hits = self.query_one("#results", ResultList)
        self.app.push_screen(InquiryScreen(event.number, hits.numbers))

    def select_number(self, number: str) -> None:
        """Back from the inquiry: the cursor follows the customer shown last."""
        self.query_one("#results", ResultList).select_number(number)

    @on(Input.Submitted, "#search")
    def open_first(self) -> None:
        """Enter in the search field opens the highlighted hit."""
        self.query_one("#results", ResultList).action_open()

    def action_back(self) -> None:
        """Esc on the start screen clears the search instead of leaving."""
        field = self.query_one("#search", Input)
        field.value = ""
        field.focus()
