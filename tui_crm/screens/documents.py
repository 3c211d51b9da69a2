"""DocumentsScreen: the documents (Belege) of every customer, filtered, sorted, keyset-paged."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import date
from typing import cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label
from textual.worker import get_current_worker

from tui_crm import keys
from tui_crm.db.connection import db
from tui_crm.db.models import DOCUMENT_KINDS, DOCUMENT_STATUSES
from tui_crm.errors import CrmError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.services import documents, validation
from tui_crm.services.documents import DocumentFilter, DocumentKey, DocumentRow
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.document_list import DocumentList, status_label
from tui_crm.widgets.history_list import document_kind_label
from tui_crm.widgets.paged_list import PagedList

FIRST_PAGE = 60
"""Rows fetched for the first paint (more than a screen)."""

PAGE = 200
"""Rows per further page."""

FILTER_DELAY = 0.3
"""Seconds of no typing before a typed filter is applied."""

ANY = "*"
"""The choice "every kind" / "any status" (CycleField values cannot be None)."""

READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="documents")
"""A thread that reads the first page while the screen is being built."""

EARLY_WAIT = 0.03
"""Seconds the mount waits for the first page read by the constructor."""


def read_first_page(filters: DocumentFilter) -> list[DocumentRow]:
    """The first page on a connection of this thread (runs in :data:`READER`)."""
    with db.connection_context():
        return documents.list_documents(filters, None, FIRST_PAGE + 1)


def sort_label(sort: str) -> str:
    """The name of an order of the list."""
    return {
        "date_desc": _("Newest first"),
        "date_asc": _("Oldest first"),
        "number": _("By number"),
    }.get(sort, sort)


class DocumentsScreen(CrmScreen):
    """Documents of every customer (or one), filtered by kind, period, status and number.

    Args:
        party: ``(id, number)`` of the customer whose documents show first, or None.
    """

    CSS_PATH = STYLES / "documents.tcss"
    BINDINGS = [
        keys.DOCUMENT_KIND,
        keys.DOCUMENT_SORT,
        keys.FILTERS,
        keys.TO_CUSTOMER,
        keys.CREDIT_BLOCK,
        keys.CURSOR_TO_RESULTS,
    ]
    PALETTE = (keys.DOCUMENT_KIND, keys.DOCUMENT_SORT, keys.TO_CUSTOMER, keys.CREDIT_BLOCK)
    """Actions the command palette offers while this screen is shown."""

    def __init__(self, party: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.filters = DocumentFilter(party_id=party[0] if party else None)
        """The filters in force."""
        self.party_number = party[1] if party else ""
        """The customer number typed into the customer filter."""
        self._token = 0
        self._timer: Timer | None = None
        # Read before the screen is built, so that its first frame can show the documents.
        self._early: Future[list[DocumentRow]] | None = READER.submit(read_first_page, self.filters)

    def compose(self) -> ComposeResult:
        """Filters, the list and the key bar."""
        yield Header(icon=HEADER_ICON)
        with Horizontal(id="document-filters"):
            yield Input(placeholder=_("Number"), id="number-filter", compact=True)
            yield Input(
                self.party_number, placeholder=_("Customer no."), id="party-filter", compact=True
            )
            yield Input(placeholder=_("From"), id="from-filter", compact=True)
            yield Input(placeholder=_("To"), id="to-filter", compact=True)
            yield CycleField(
                [(_("Every kind"), ANY)]
                + [(document_kind_label(kind), kind) for kind in DOCUMENT_KINDS],
                ANY,
                id="kind-filter",
            )
            yield CycleField(
                [(_("Any status"), ANY)]
                + [(status_label(status), status) for status in DOCUMENT_STATUSES],
                ANY,
                id="status-filter",
            )
            yield CycleField(
                [(sort_label(sort), sort) for sort in documents.SORTS],
                "date_desc",
                id="sort-filter",
            )
        yield Label("", id="filter-problem", markup=False)
        yield DocumentList(id="documents")
        yield Footer()

    @property
    def document_list(self) -> DocumentList:
        """The list."""
        return self.query_one("#documents", DocumentList)

    def on_mount(self) -> None:
        """The first page (read meanwhile), the list focused."""
        self.title = _("Documents")
        self.document_list.focus()
        future, self._early = self._early, None
        if future is not None:
            wait((future,), timeout=EARLY_WAIT)
        if future is None or not future.done() or future.exception() is not None:
            self.reload()
        else:
            self._token += 1
            self.show_rows(future.result(), False, self._token)

    def on_screen_resume(self) -> None:
        """Back from a document or a customer: show what changed meanwhile."""
        if self.document_list.loaded:
            self.reload(keep=True)

    # Loading ------------------------------------------------------------------------------

    def reload(self, *, keep: bool = False) -> None:
        """Fetch the first page again (F5)."""
        self._token += 1
        self.load(self.filters, keep, self._token)

    def data_changed(self) -> None:
        """Someone wrote: fetch the first page again, the cursor staying on its row."""
        self.reload(keep=True)

    @work(thread=True, exclusive=True, group="documents", exit_on_error=False)
    def load(self, filters: DocumentFilter, keep: bool, token: int) -> None:
        """Read the first page in a thread."""
        with db.connection_context():
            rows = documents.list_documents(filters, None, FIRST_PAGE + 1)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_rows, rows, keep, token)

    def show_rows(self, rows: list[DocumentRow], keep: bool, token: int) -> None:
        """Show a first page unless the filters changed since it was asked for."""
        if token == self._token:
            self.document_list.show(rows[:FIRST_PAGE], more=len(rows) > FIRST_PAGE, keep=keep)
            self.context_may_have_changed()

    @on(PagedList.PageNeeded, "#documents")
    def page_needed(self, event: PagedList.PageNeeded) -> None:
        """The cursor nears the end of what is loaded: fetch the next page."""
        last = self.document_list.last_row
        if last is not None:
            self.load_page(self.filters, last.key, event.serial, self._token)

    @work(thread=True, group="documents-page", exit_on_error=False)
    def load_page(
        self, filters: DocumentFilter, after: DocumentKey, serial: int, token: int
    ) -> None:
        """Read the page after ``after`` in a thread."""
        with db.connection_context():
            rows = documents.list_documents(filters, after, PAGE + 1)
        self.app.call_from_thread(self.add_rows, rows, serial, token)

    def add_rows(self, rows: list[DocumentRow], serial: int, token: int) -> None:
        """Append a page of the result set shown."""
        if token == self._token:
            self.document_list.extend(rows[:PAGE], more=len(rows) > PAGE, serial=serial)

    # Filters ------------------------------------------------------------------------------

    @on(Input.Changed)
    def filter_typed(self) -> None:
        """Apply typed filters once typing pauses."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(FILTER_DELAY, self.apply_typed)

    @on(Input.Submitted)
    def filter_submitted(self) -> None:
        """Enter in a filter field applies it at once and goes to the list."""
        if self._timer is not None:
            self._timer.stop()
        self.apply_typed()
        self.document_list.focus()

    def apply_typed(self) -> None:
        """Read the number, customer and period fields; a bad date is said, not applied."""
        number = self.query_one("#number-filter", Input).value.strip().upper()
        party_text = self.query_one("#party-filter", Input).value.strip()
        problem = ""
        days: list[date | None] = []
        for selector in ("#from-filter", "#to-filter"):
            text = self.query_one(selector, Input).value.strip()
            try:
                days.append(validation.day(text, self.context.today) if text else None)
            except CrmError as error:
                problem = error.msg
                days.append(None)
        self.query_one("#filter-problem", Label).update(problem)
        self.resolve_party(party_text, number, days[0], days[1])

    @work(thread=True, exclusive=True, group="documents-party", exit_on_error=False)
    def resolve_party(
        self, party_text: str, number: str, date_from: date | None, date_to: date | None
    ) -> None:
        """Find the customer typed (in a thread), then apply every typed filter."""
        party_id: int | None = None
        if party_text:
            with db.connection_context():
                party_id = documents.party_id_by_number(party_text)
        self.app.call_from_thread(
            self.apply_filters, party_text, party_id, number, date_from, date_to
        )

    def apply_filters(
        self,
        party_text: str,
        party_id: int | None,
        number: str,
        date_from: date | None,
        date_to: date | None,
    ) -> None:
        """Show the list for the typed filters (an unknown customer shows nothing)."""
        if party_text and party_id is None:
            self.query_one("#filter-problem", Label).update(
                _("No customer {number}.").format(number=party_text)
            )
            party_id = 0
        self.party_number = party_text
        filters = replace(
            self.filters, number=number, party_id=party_id, date_from=date_from, date_to=date_to
        )
        if filters != self.filters:
            self.filters = filters
            self.reload()

    @on(CycleField.Changed)
    def choice_changed(self, event: CycleField.Changed) -> None:
        """Kind, status or order chosen."""
        value = cast(str, event.value)
        if event.cycle_field.id == "kind-filter":
            self.filters = replace(self.filters, kind=None if value == ANY else value)
        elif event.cycle_field.id == "status-filter":
            self.filters = replace(self.filters, status=None if value == ANY else value)
        else:
            self.filters = replace(self.filters, sort=value)
        self.reload()

    def action_cycle_kind(self) -> None:
        """F7: the next kind of document only."""
        self.query_one("#kind-filter", CycleField).action_next_choice()

    def action_cycle_sort(self) -> None:
        """F6: the next order."""
        self.query_one("#sort-filter", CycleField).action_next_choice()

    def action_find(self) -> None:
        """Cursor into the first filter field."""
        self.query_one("#number-filter", Input).focus()

    def action_to_results(self) -> None:
        """Down from a filter field moves into the list."""
        self.document_list.focus()

    # The selected document ----------------------------------------------------------------

    def context_party(self) -> tuple[int, str] | None:
        """The customer of the selected document."""
        row = self.document_list.current if self.is_mounted else None
        return None if row is None else (row.party_id, row.party_number)

    @on(PagedList.Opened, "#documents")
    def open_document(self, event: PagedList.Opened) -> None:
        """Enter opens the document."""
        from tui_crm.screens.document import DocumentScreen

        row = cast(DocumentRow, event.row)
        self.app.push_screen(DocumentScreen(row.id))

    def action_open_customer(self) -> None:
        """Alt+C: the inquiry of the selected document's customer."""
        row = self.document_list.current
        if row is not None:
            from tui_crm.screens.inquiry import InquiryScreen

            self.app.push_screen(InquiryScreen(row.party_number))

    def action_toggle_block(self) -> None:
        """Alt+X: block the selected document's customer for credit, or lift the block."""
        row = self.document_list.current
        if row is not None:
            from tui_crm.screens.open_items import ask_block

            ask_block(self, row.party_id, row.party_number, row.party_name, row.blocked)
