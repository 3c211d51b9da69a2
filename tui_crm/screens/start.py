"""StartScreen: the search field with results while typing; bookmarks and recent customers."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label
from textual.worker import get_current_worker

from tui_crm import keys
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.services import customers
from tui_crm.services.customers import PartyRow
from tui_crm.widgets.party_table import PartyTable


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
        yield PartyTable(id="results")
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
            self.query_one("#results", PartyTable).show([])
            self.query_one("#result-count", Label).update("")
            return
        self.search(query, self._query_serial)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, query: str, serial: int) -> None:
        """Look the query up in a thread and show the rows if still current."""
        with db.connection_context():
            rows = customers.search(query, region=self.context.settings.region)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self.show_results, rows, serial)

    def show_results(self, rows: list[PartyRow], serial: int) -> None:
        """Show search results unless a newer query has been typed since."""
        if serial != self._query_serial:
            return
        self.query_one("#results", PartyTable).show(rows)
        count = len(rows)
        self.query_one("#result-count", Label).update(
            _("No match") if not count else _("{count} found").format(count=count)
        )

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
        table_id = "#bookmarks" if self.has_class("-empty-query") else "#results"
        self.query_one(table_id, PartyTable).focus()

    @on(DataTable.RowSelected)
    def open_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens the customer inquiry."""
        if event.row_key.value is not None:
            self.app.push_screen(InquiryScreen(str(event.row_key.value)))

    @on(Input.Submitted, "#search")
    def open_first(self) -> None:
        """Enter in the search field opens the first hit."""
        table = self.query_one("#results", PartyTable)
        number = table.selected_number
        if number is not None:
            self.app.push_screen(InquiryScreen(number))

    def action_back(self) -> None:
        """Esc on the start screen clears the search instead of leaving."""
        field = self.query_one("#search", Input)
        field.value = ""
        field.focus()
