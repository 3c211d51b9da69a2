"""StartScreen: the search field with results while typing; my due follow-ups, call
suggestions, bookmarks and recent customers."""

from __future__ import annotations

import time
from datetime import date
from typing import cast

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
from tui_crm.services import contacts, customers, followups
from tui_crm.services.contacts import SuggestionRow
from tui_crm.services.customers import PartyRow
from tui_crm.services.followups import FollowUpRow, SectionCounts
from tui_crm.widgets.call_status import CallStatus
from tui_crm.widgets.follow_up_list import FollowUpList
from tui_crm.widgets.paged_list import PagedList
from tui_crm.widgets.party_table import PartyTable
from tui_crm.widgets.result_list import ResultList, header_text
from tui_crm.widgets.suggestion_list import SuggestionList


def inquiry_screen(number: str, siblings: tuple[str, ...] = ()) -> CrmScreen:
    """The customer inquiry; imported when first opened, so the start screen paints sooner."""
    from tui_crm.screens.inquiry import InquiryScreen

    return InquiryScreen(number, siblings)


FIRST_PAGE = 60
"""Hits fetched before the first paint."""

FULL_LIST_DELAY = 0.25
"""Seconds of no typing before the full list of hits (up to 10,000) is fetched."""

PANE_ROWS = 50
"""Overdue and today's follow-ups (each) and call suggestions the start panes show."""

SUGGESTIONS_EVERY = 30.0
"""Seconds between two reads of the call suggestions caused by other clerks' writes."""


class StartScreen(CrmScreen):
    """Search by number, name, city, street or email; results appear while typing."""

    CSS_PATH = STYLES / "start.tcss"
    BINDINGS = [keys.CURSOR_TO_RESULTS]

    def __init__(self) -> None:
        super().__init__()
        self._query_serial = 0
        self._party_ids: dict[str, int] = {}
        self._suggested_at = 0.0

    def compose(self) -> ComposeResult:
        """Search field, results, and the start panes."""
        yield Header(icon=HEADER_ICON)
        yield Input(placeholder=_("Search: number, name, city, street, email"), id="search")
        yield Label("", id="result-count", markup=False)
        yield Label(header_text(), id="result-header", markup=False)
        yield ResultList(id="results")
        with Vertical(id="start-panes"):
            with Horizontal(classes="start-row"):
                # Filled after the first frame (add_work_panes): the start-up paints sooner.
                yield Vertical(classes="start-pane", id="due-pane")
                yield Vertical(classes="start-pane", id="suggestion-pane")
            with Horizontal(classes="start-row"):
                with Vertical(classes="start-pane"):
                    yield Label(_("Bookmarks"), classes="pane-title")
                    yield PartyTable(id="bookmarks")
                with Vertical(classes="start-pane"):
                    yield Label(_("Recently opened"), classes="pane-title")
                    yield PartyTable(id="recent")
        yield CallStatus(id="call-status")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the search field; after the first frame, add and fill the start panes."""
        self.focus_search()
        self.set_class(True, "-empty-query")
        self.call_after_refresh(self.add_work_panes)

    async def add_work_panes(self) -> None:
        """My follow-ups and the call suggestions, then read every start pane."""
        await self.query_one("#due-pane", Vertical).mount_all(
            [
                Label(
                    _("My follow-ups: overdue and today"),
                    id="due-title",
                    classes="pane-title",
                    markup=False,
                ),
                FollowUpList(compact=True, id="due-follow-ups"),
            ]
        )
        await self.query_one("#suggestion-pane", Vertical).mount_all(
            [
                Label(
                    _("Call suggestions · {key}").format(key=keys.CALL_SUGGESTIONS.key_display),
                    classes="pane-title",
                    markup=False,
                ),
                SuggestionList(compact=True, id="start-suggestions"),
            ]
        )
        self.load_start_panes()

    def on_screen_resume(self) -> None:
        """Refresh the recent list when coming back from a customer."""
        if self.query("#due-follow-ups"):
            self.load_start_panes()

    def focus_search(self) -> None:
        """Put the cursor into the search field."""
        self.query_one("#search", Input).focus()

    def reload(self) -> None:
        """F5: run the search again and reload the start panes."""
        self.run_search(self.query_one("#search", Input).value)
        self.load_start_panes()

    def data_changed(self) -> None:
        """Someone wrote: reload the start panes (the search stays as it is).

        The call suggestions, the costliest pane and the least urgent, are read again at
        most every :data:`SUGGESTIONS_EVERY` seconds while other clerks keep writing.
        """
        if not self.query("#due-follow-ups"):
            return
        again = time.monotonic() - self._suggested_at >= SUGGESTIONS_EVERY
        self.load_start_panes(suggestions=again)

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
            self.context_may_have_changed()
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
        self.context_may_have_changed()
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
    def load_start_panes(self, suggestions: bool = True) -> None:
        """Load my overdue and today's follow-ups, the call suggestions, and the bookmarks
        and recently opened customers of this clerk."""
        clerk = self.context.clerk_id
        region = self.context.settings.region
        today = self.context.today
        with db.connection_context():
            marked = customers.bookmarks(clerk, region=region)
            recent = customers.recent(clerk, region=region)
            self.app.call_from_thread(self.show_parties, marked, recent)
            due = followups.due_list(clerk, "overdue", limit=PANE_ROWS, today=today, region=region)
            due += followups.due_list(clerk, "today", limit=PANE_ROWS, today=today, region=region)
            counts = followups.section_counts(clerk, today)
            self.app.call_from_thread(self.show_due, due, counts, today)
            if not suggestions:
                return
            suggested = contacts.call_suggestions(today, limit=PANE_ROWS, region=region)
        self.app.call_from_thread(self.show_suggestions, suggested)

    def show_parties(self, marked: list[PartyRow], recent: list[PartyRow]) -> None:
        """Fill the bookmarks and the recently opened customers."""
        self._party_ids.update((row.number, row.id) for row in (*marked, *recent))
        self.query_one("#bookmarks", PartyTable).show(marked)
        self.query_one("#recent", PartyTable).show(recent)

    def show_due(self, rows: list[FollowUpRow], counts: SectionCounts, today: date) -> None:
        """Fill my overdue and today's follow-ups; the title counts them."""
        pane = self.query_one("#due-follow-ups", FollowUpList)
        pane.today = today
        pane.counts = counts
        pane.show(rows, keep=True)
        title = _("My follow-ups: {overdue} overdue, {today} today · {key}").format(
            overdue=formatting.number(counts.overdue),
            today=formatting.number(counts.today),
            key=keys.FOLLOW_UP_LIST.key_display,
        )
        self.query_one("#due-title", Label).update(title)
        self.context_may_have_changed()

    def show_suggestions(self, rows: list[SuggestionRow]) -> None:
        """Fill the call suggestions."""
        self._suggested_at = time.monotonic()
        self.query_one("#start-suggestions", SuggestionList).show(rows, keep=True)
        self.context_may_have_changed()

    def action_to_results(self) -> None:
        """Down from the search field moves into the visible list."""
        if not self.has_class("-empty-query"):
            self.query_one("#results").focus()
            return
        for pane in self.query(PagedList):
            if pane.rows:
                pane.focus()
                return
        self.query_one("#bookmarks").focus()

    def context_party(self) -> tuple[int, str] | None:
        """The highlighted hit, follow-up, suggestion, bookmark or recent customer."""
        focused = self.focused
        if isinstance(focused, FollowUpList):
            row = focused.current
            return None if row is None else (row.party_id, row.number)
        if isinstance(focused, SuggestionList):
            suggestion = focused.current
            return None if suggestion is None else (suggestion.party_id, suggestion.number)
        if isinstance(focused, PartyTable):
            number = focused.selected_number
            party = self._party_ids.get(number or "")
            return None if party is None or number is None else (party, number)
        if isinstance(focused, ResultList) or (
            isinstance(focused, Input) and not self.has_class("-empty-query")
        ):
            hit = self.query_one("#results", ResultList).current
            return None if hit is None else (hit.id, hit.number)
        return None

    @on(PagedList.Opened)
    def open_pane_row(self, event: PagedList.Opened) -> None:
        """Enter on a follow-up or a call suggestion opens its customer."""
        row = cast(FollowUpRow | SuggestionRow, event.row)
        self.app.push_screen(inquiry_screen(row.number))

    @on(DataTable.RowSelected)
    def open_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a bookmark or recent customer opens the inquiry (next/previous in its list)."""
        if event.row_key.value is None:
            return
        table = event.data_table
        numbers = tuple(str(key.value) for key in table.rows if key.value is not None)
        self.app.push_screen(inquiry_screen(str(event.row_key.value), numbers))

    @on(ResultList.Opened)
    def open_hit(self, event: ResultList.Opened) -> None:
        """Enter on a hit opens the inquiry; next/previous there walk the loaded hits."""
        hits = self.query_one("#results", ResultList)
        self.app.push_screen(inquiry_screen(event.number, hits.numbers))

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
