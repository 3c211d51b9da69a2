"""InquiryScreen: the customer inquiry (Kundenauskunft), read-only; edit mode is a key away."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.types import NoActiveAppError
from textual.widgets import Footer, Header, Label, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.edit_party import EditPartyScreen
from tui_crm.screens.new_party import NewPartyScreen
from tui_crm.services import account as account_sheet
from tui_crm.services import (
    contacts,
    documents,
    editing,
    followups,
    history,
    inquiry,
    letters,
    sales,
)
from tui_crm.services.account import AccountEntry, AccountYear
from tui_crm.services.contacts import ContactKey, ContactRow
from tui_crm.services.documents import DocumentFilter, DocumentKey, DocumentRow
from tui_crm.services.editing import phone_kind_label
from tui_crm.services.followups import FollowUpRow
from tui_crm.services.history import HistoryKey, HistoryRow
from tui_crm.services.inquiry import Inquiry
from tui_crm.services.letters import LetterRow
from tui_crm.services.sales import CustomerSales
from tui_crm.widgets.account_list import AccountList
from tui_crm.widgets.account_sheet import AccountSheet
from tui_crm.widgets.call_status import CallStatus
from tui_crm.widgets.contact_list import ContactList
from tui_crm.widgets.document_list import DocumentList
from tui_crm.widgets.follow_up_list import FollowUpList
from tui_crm.widgets.history_list import HistoryList, history_kind_label
from tui_crm.widgets.letter_list import LetterList
from tui_crm.widgets.paged_list import PagedList
from tui_crm.widgets.party_tabs import PartyTabs
from tui_crm.widgets.person_list import PersonList
from tui_crm.widgets.sales_panel import SalesPanel
from tui_crm.widgets.summary_strip import SummaryStrip

LABEL_WIDTH = 20
"""Width of the field names in the fact lists."""

READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="inquiry")
"""Threads that read a party while its screen is being built."""

EARLY_WAIT = 0.03
"""Seconds the mount waits for the party read started by the constructor; a slower read is
shown by a worker when it arrives."""

PAGE = 100
"""Rows per page of the contact log and the full history."""

LAZY_TABS = ("log", "follow_ups", "history", "account", "sales", "documents", "correspondence")
"""Tabs read only when shown (and again after a change while shown)."""


def read_party(number: str, clerk_id: int, region: str) -> Inquiry:
    """Read a party on a connection of this thread (runs in :data:`READER`)."""
    with db.connection_context():
        return inquiry.load(number, clerk_id, region=region)


def facts(pairs: list[tuple[str, str]]) -> Content:
    """``name   value`` lines with aligned values; plain text, never markup."""
    return Content("\n").join(
        Content.assemble((label.ljust(LABEL_WIDTH), "$text-muted"), value or "-")
        for label, value in pairs
    )


def heading(text: str) -> Content:
    """A bold heading line."""
    return Content.styled(text, "bold $accent")


def contact_kind_label(kind: str) -> str:
    """The label of a kind of contact, translated."""
    labels = {
        "phone_in": _("Call (in)"),
        "phone_out": _("Call (out)"),
        "missed": _("Missed call"),
        "visit": _("Visit"),
        "letter": _("Letter"),
        "email": _("Email"),
        "other": _("Other"),
    }
    return labels.get(kind, kind)


def grouped_iban(iban: str) -> str:
    """An IBAN in groups of four (``DE89 3704 0044 …``)."""
    return " ".join(iban[start : start + 4] for start in range(0, len(iban), 4))


class InquiryScreen(CrmScreen):
    """Everything about one customer; inquiry mode never changes the customer's data.

    Args:
        number: The customer or prospect number to show.
        siblings: The numbers of the result list it was opened from, in order (for
            next/previous customer without going back).
    """

    CSS_PATH = STYLES / "inquiry.tcss"
    BINDINGS = [
        keys.TAB_LOG,
        keys.TAB_FOLLOW_UPS,
        keys.TAB_HISTORY,
        keys.HISTORY_FILTER,
        keys.EDIT,
        keys.BOOKMARK,
        keys.NEXT_PARTY,
        keys.PREVIOUS_PARTY,
        keys.CONVERT,
        keys.NEW_CUSTOMER,
        keys.NEW_PROSPECT,
        keys.LETTER,
        *keys.TAB_BINDINGS,
        keys.CREDIT_BLOCK,
    ]
    PALETTE = (
        keys.LETTER,
        keys.EDIT,
        keys.BOOKMARK,
        keys.NEXT_PARTY,
        keys.PREVIOUS_PARTY,
        keys.CONVERT,
        keys.NEW_CUSTOMER,
        keys.NEW_PROSPECT,
        keys.CREDIT_BLOCK,
    )
    """Actions the command palette offers while this screen is shown."""

    def __init__(self, number: str, siblings: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.number = number
        """The number of the party shown (changes with next/previous)."""
        self.opened_number = number
        """The number the screen was opened with."""
        self.result_numbers = tuple(siblings)
        """The numbers of the result list, in order (``siblings`` is taken by Textual)."""
        self.data: Inquiry | None = None
        """The party shown (None until it has loaded)."""
        self._serial = 0
        self._early: tuple[int, Future[Inquiry]] | None = None
        self._reload_on_resume = False
        self._closing = False
        self._ready = False
        self._tabs_loaded: dict[str, int] = {}
        self._panels: tuple[AccountSheet, SalesPanel] | None = None
        self._panels_mounted = asyncio.Event()
        self.history_kind: str | None = None
        """The one kind the full history shows, or None for everything."""
        # Made outside a running app (no settings yet), compose starts the read instead.
        with suppress(NoActiveAppError):
            self.read_early()

    def read_early(self) -> None:
        """Start reading the party before the screen is built, so its first frame shows it.

        A Textual worker would start only after the mount; a thread of :data:`READER` starts
        at once. The mount picks the result up, or hands the wait to a worker.
        """
        self._serial += 1
        settings = self.context.settings
        future = READER.submit(read_party, self.number, self.context.clerk_id, settings.region)
        self._early = (self._serial, future)

    def compose(self) -> ComposeResult:
        """Header, banner, summary strip, tabs and the key bar."""
        if self._early is None and not self.is_mounted:
            self.read_early()
        yield Header(icon=HEADER_ICON)
        yield Label(_("INQUIRY · read only"), id="mode-banner", markup=False)
        yield SummaryStrip(id="summary")
        with PartyTabs(id="tabs", initial="tab-main"):
            with TabPane(_("1 Main"), id="tab-main"), Horizontal(id="main-data"):
                yield Static("", id="address")
                with Vertical(id="reach"):
                    yield Static("", id="phones")
                    yield Static("", id="emails")
            with TabPane(_("2 Other"), id="tab-other"):
                yield Static("", id="other-data")
            with TabPane(_("3 Personal"), id="tab-personal"):
                yield Static("", id="personal")
            with TabPane(_("4 Contacts"), id="tab-contacts"):
                yield PersonList("", id="persons")
            with TabPane(_("5 Bank"), id="tab-bank"):
                yield Static("", id="bank")
            with TabPane(_("7 Log"), id="tab-log"):
                yield ContactList(id="contact-log")
            with TabPane(_("8 Follow-ups"), id="tab-follow_ups"):
                yield FollowUpList(id="party-follow-ups", empty_text=_("No follow-ups."))
            with TabPane(_("9 History"), id="tab-history"):
                yield Label(self.kind_text(), id="history-kind", markup=False)
                yield HistoryList(id="history")
            # Filled on first use (figure_panels): the first frame waits for none of it.
            yield TabPane(_("Account"), id="tab-account")
            yield TabPane(_("Sales"), id="tab-sales")
            with TabPane(_("6 Notes"), id="tab-notes"):
                yield Static("", id="notes")
            with TabPane(_("Documents"), id="tab-documents"):
                yield DocumentList(with_customer=False, id="party-documents")
            with TabPane(_("Letters"), id="tab-correspondence"):
                yield LetterList(id="letters")
        yield CallStatus(id="call-status")
        yield Footer()

    def on_mount(self) -> None:
        """Show the party if it has been read already, else as soon as it is."""
        self.title = self.number
        self._ready = True
        if self.data is not None:
            # A reload that started before the mount (another clerk's change noticed while
            # the screen was built) arrived first: show it; the early read is stale then.
            self.fill(self.data)
        if self._early is None:
            return
        serial, future = self._early
        self._early = None
        # A short wait here saves painting the screen twice (empty, then with the party).
        wait((future,), timeout=EARLY_WAIT)
        if future.done() and future.exception() is None:
            data = future.result()
            self.show(data, serial)
            self.note_opened(data.id)
        else:
            self.deliver(future, serial)

    def on_screen_resume(self) -> None:
        """Show fresh data after the edit mode or a new record."""
        if self._reload_on_resume:
            self._reload_on_resume = False
            self.reload()

    # Loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Load (F5: reload) the party from the database."""
        self._serial += 1
        self.load(self.number, self._serial)

    def data_changed(self) -> None:
        """Someone wrote: read the party again, without noting it as opened once more (that
        write would come back here as a change)."""
        self._serial += 1
        self.load(self.number, self._serial, note=False)

    @work(thread=True, exclusive=True, group="inquiry", exit_on_error=False)
    def load(self, number: str, serial: int, note: bool = True) -> None:
        """Read the party in a thread, show it, then note it as recently opened."""
        clerk = self.context.clerk_id
        with db.connection_context():
            data = inquiry.load(number, clerk, region=self.context.settings.region)
            if get_current_worker().is_cancelled:
                return
            self.app.call_from_thread(self.show, data, serial)
            if note:
                inquiry.record_opened(clerk, data.id)

    @work(thread=True, exclusive=True, group="inquiry", exit_on_error=False)
    def deliver(self, future: Future[Inquiry], serial: int) -> None:
        """Wait for the read started by :meth:`read_early`, show it, note it as opened."""
        data = future.result()
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self.show, data, serial)
        with db.connection_context():
            inquiry.record_opened(self.context.clerk_id, data.id)

    @work(thread=True, group="recent", exit_on_error=False)
    def note_opened(self, party_id: int) -> None:
        """Put the party on top of the clerk's recently opened list."""
        with db.connection_context():
            inquiry.record_opened(self.context.clerk_id, party_id)

    def show(self, data: Inquiry, serial: int) -> None:
        """Show ``data`` unless a newer load has started (or the screen is gone)."""
        if serial != self._serial or self._closing:
            return
        if data.number != self.number and self.number in self.result_numbers:
            # Opened by a former number: the list entry is the same party.
            self.result_numbers = tuple(
                data.number if number == self.number else number for number in self.result_numbers
            )
        self.number = data.number
        self.data = data
        if self._ready:
            self.fill(data)

    def fill(self, data: Inquiry) -> None:
        """Show the party in the header, banner, summary and every tab."""
        self.title = f"{data.number}: {data.name}"
        self.show_banner()
        self.query_one(SummaryStrip).show(data.summary)
        self.query_one("#address", Static).update(self.address_text(data))
        self.query_one("#phones", Static).update(self.phones_text(data))
        self.query_one("#emails", Static).update(self.emails_text(data))
        self.query_one("#other-data", Static).update(self.other_text(data))
        self.query_one("#personal", Static).update(self.personal_text(data))
        self.query_one(PersonList).show(data.persons)
        self.query_one("#bank", Static).update(self.bank_text(data))
        self.query_one("#notes", Static).update(self.notes_text(data))
        self._tabs_loaded.clear()
        self.load_active_tab()
        # Read ahead once the party is painted, not before: the first frame comes first.
        self.call_after_refresh(self.read_figures, data.id, data.number)
        self.context_may_have_changed()

    # The contact log, follow-up and history tabs ------------------------------------------

    def context_party(self) -> tuple[int, str] | None:
        """The customer shown."""
        return None if self.data is None else (self.data.id, self.data.number)

    def kind_text(self) -> str:
        """What the full history shows, and the key that changes it."""
        shown = (
            _("everything") if self.history_kind is None else history_kind_label(self.history_kind)
        )
        return _("Showing: {kind} · {key}: one kind at a time").format(
            kind=shown, key=keys.HISTORY_FILTER.key_display
        )

    @on(TabbedContent.TabActivated)
    def tab_shown(self) -> None:
        """Read a lazy tab when it is first shown for this party; its list takes the keys."""
        self.load_active_tab()
        pane = self.query_one(PartyTabs).active_pane
        lists = pane.query(PagedList) if pane is not None else None
        if lists:
            lists.first().focus()

    def load_active_tab(self) -> None:
        """Read the tab shown if it is one of :data:`LAZY_TABS` not yet read for this party."""
        data = self.data
        if data is None or not self._ready:
            return
        name = self.query_one(PartyTabs).active_name
        if name not in LAZY_TABS or self._tabs_loaded.get(name) == data.id:
            return
        self._tabs_loaded[name] = data.id
        if name == "log":
            self.load_contacts(data.id)
        elif name == "follow_ups":
            self.load_follow_ups(data.id)
        elif name == "correspondence":
            self.load_letters(data.id)
        elif name == "account":
            self.load_account(data.id)
        elif name == "sales":
            self.load_sales(data.id, data.number)
        elif name == "documents":
            self.load_documents(data.id)
        else:
            self.load_history(data.id, self.history_kind)

    @work(thread=True, exclusive=True, group="contact-log", exit_on_error=False)
    def load_contacts(self, party_id: int) -> None:
        """Read the first page of the contact log."""
        with db.connection_context():
            rows = contacts.contacts_of(party_id, None, PAGE + 1)
        self.app.call_from_thread(self.show_contacts, party_id, rows)

    def show_contacts(self, party_id: int, rows: list[ContactRow]) -> None:
        """Show the first page of the contact log (if the party is still shown)."""
        if self.data is not None and self.data.id == party_id:
            self.query_one(ContactList).show(rows[:PAGE], more=len(rows) > PAGE, keep=True)

    @on(PagedList.PageNeeded, "#contact-log")
    def more_contacts(self, event: PagedList.PageNeeded) -> None:
        """Read the next page of the contact log."""
        last = self.query_one(ContactList).last_row
        if last is not None and self.data is not None:
            self.load_more_contacts(self.data.id, last.key, event.serial)

    @work(thread=True, group="contact-log-page", exit_on_error=False)
    def load_more_contacts(self, party_id: int, after: ContactKey, serial: int) -> None:
        """Read the page after ``after``."""
        with db.connection_context():
            rows = contacts.contacts_of(party_id, after, PAGE + 1)
        self.app.call_from_thread(
            self.query_one(ContactList).extend, rows[:PAGE], more=len(rows) > PAGE, serial=serial
        )

    @work(thread=True, exclusive=True, group="party-follow-ups", exit_on_error=False)
    def load_follow_ups(self, party_id: int) -> None:
        """Read the party's open and latest done follow-ups."""
        with db.connection_context():
            rows = followups.of_party(party_id, region=self.context.settings.region)
        self.app.call_from_thread(self.show_follow_ups, party_id, rows)

    def show_follow_ups(self, party_id: int, rows: list[FollowUpRow]) -> None:
        """Show the party's follow-ups under their sections."""
        if self.data is not None and self.data.id == party_id:
            follow_ups = self.query_one("#party-follow-ups", FollowUpList)
            follow_ups.today = self.context.today
            follow_ups.show(rows, keep=True)

    @on(PagedList.Opened, "#party-follow-ups")
    def edit_follow_up(self, event: PagedList.Opened) -> None:
        """Enter on an open follow-up changes it in the F11 dialog."""
        from tui_crm.screens.follow_up_modal import FollowUpModal

        row = cast(FollowUpRow, event.row)
        if not row.done:
            self.app.push_screen(
                FollowUpModal(row.party_id, row.number, row), lambda _row: self.data_changed()
            )

    @work(thread=True, exclusive=True, group="letters", exit_on_error=False)
    def load_letters(self, party_id: int) -> None:
        """Read the customer's letters (the correspondence tab)."""
        with db.connection_context():
            rows = letters.letters_of(party_id)
        self.app.call_from_thread(self.show_letters, party_id, rows)

    def show_letters(self, party_id: int, rows: list[LetterRow]) -> None:
        """Show the letters (if the party is still shown)."""
        if self.data is not None and self.data.id == party_id:
            self.query_one(LetterList).show(rows, keep=True)

    @on(PagedList.Opened, "#letters")
    def open_letter(self, event: PagedList.Opened) -> None:
        """Enter on a letter opens it in the system's viewer (over SSH: shows the path)."""
        self.show_letter_file(cast(LetterRow, event.row).path)

    def show_letter_file(self, path: str) -> None:
        """Open ``path`` locally, else say where it lies."""
        if letters.open_in_viewer(Path(path)):
            self.notify(path, title=_("Opening the letter"), markup=False)
        else:
            self.notify(path, title=_("The letter is here"), markup=False, timeout=15)

    def action_letter(self) -> None:
        """Write a Word letter to the customer shown."""
        if self.data is None:
            return
        from tui_crm.screens.letter_modal import LetterModal

        self.app.push_screen(LetterModal(self.data.id, self.data.number), self.letter_written)

    def letter_written(self, row: LetterRow | None) -> None:
        """Open (or show) the new letter and list it on the correspondence tab."""
        if row is None:
            return
        self.show_letter_file(row.path)
        self._tabs_loaded.pop("correspondence", None)
        self._tabs_loaded.pop("log", None)
        self._tabs_loaded.pop("history", None)
        self.data_changed()

    @work(thread=True, exclusive=True, group="party-documents", exit_on_error=False)
    def load_documents(self, party_id: int) -> None:
        """Read the first page of the customer's documents, newest first."""
        with db.connection_context():
            rows = documents.list_documents(DocumentFilter(party_id=party_id), None, PAGE + 1)
        self.app.call_from_thread(self.show_documents, party_id, rows)

    def show_documents(self, party_id: int, rows: list[DocumentRow]) -> None:
        """Show the first page of the customer's documents."""
        if self.data is not None and self.data.id == party_id:
            shown = self.query_one("#party-documents", DocumentList)
            shown.show(rows[:PAGE], more=len(rows) > PAGE, keep=True)

    @on(PagedList.PageNeeded, "#party-documents")
    def more_documents(self, event: PagedList.PageNeeded) -> None:
        """Read the next page of the customer's documents."""
        last = self.query_one("#party-documents", DocumentList).last_row
        if last is not None and self.data is not None:
            self.load_more_documents(self.data.id, last.key, event.serial)

    @work(thread=True, group="party-documents-page", exit_on_error=False)
    def load_more_documents(self, party_id: int, after: DocumentKey, serial: int) -> None:
        """Read the page after ``after``."""
        with db.connection_context():
            rows = documents.list_documents(DocumentFilter(party_id=party_id), after, PAGE + 1)
        self.app.call_from_thread(
            self.query_one("#party-documents", DocumentList).extend,
            rows[:PAGE],
            more=len(rows) > PAGE,
            serial=serial,
        )

    @on(PagedList.Opened, "#party-documents")
    def open_document(self, event: PagedList.Opened) -> None:
        """Enter opens the document."""
        from tui_crm.screens.document import DocumentScreen

        self.app.push_screen(DocumentScreen(cast(DocumentRow, event.row).id))

    def action_toggle_block(self) -> None:
        """Alt+X: block the customer for credit, or lift the block (asks first)."""
        data = self.data
        if data is not None:
            from tui_crm.screens.open_items import ask_block

            ask_block(self, data.id, data.number, data.name, data.values.blocked)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def load_history(self, party_id: int, kind: str | None) -> None:
        """Read the first page of the full history."""
        kinds = None if kind is None else {kind}
        with db.connection_context():
            rows = history.history(party_id, kinds, None, PAGE + 1)
        self.app.call_from_thread(self.show_history, party_id, kind, rows)

    def show_history(self, party_id: int, kind: str | None, rows: list[HistoryRow]) -> None:
        """Show the first page of the full history."""
        if self.data is not None and self.data.id == party_id and kind == self.history_kind:
            shown = self.query_one(HistoryList)
            same = shown.kind == kind
            shown.kind = kind
            shown.show(rows[:PAGE], more=len(rows) > PAGE, keep=same)

    @on(PagedList.PageNeeded, "#history")
    def more_history(self, event: PagedList.PageNeeded) -> None:
        """Read the next page of the full history."""
        last = self.query_one(HistoryList).last_row
        if last is not None and self.data is not None:
            self.load_more_history(self.data.id, self.history_kind, last.key, event.serial)

    @work(thread=True, group="history-page", exit_on_error=False)
    def load_more_history(
        self, party_id: int, kind: str | None, before: HistoryKey, serial: int
    ) -> None:
        """Read the page before ``before``."""
        kinds = None if kind is None else {kind}
        with db.connection_context():
            rows = history.history(party_id, kinds, before, PAGE + 1)
        self.app.call_from_thread(
            self.query_one(HistoryList).extend, rows[:PAGE], more=len(rows) > PAGE, serial=serial
        )

    @work(thread=True, exclusive=True, group="figures", exit_on_error=False)
    def read_figures(self, party_id: int, number: str) -> None:
        """Read the sales and the account sheet ahead (a few ms in this thread), so that
        their tabs show at once, in one frame, when the clerk switches to them."""
        with db.connection_context():
            figures = sales.customer_sales(party_id, number, self.context.today)
            years = account_sheet.years(party_id)
            entries = account_sheet.entries(party_id, None, PAGE + 1)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.call_later, self.figures_read, figures, entries, years)

    async def figures_read(
        self, figures: CustomerSales, entries: list[AccountEntry], years: list[AccountYear]
    ) -> None:
        """Fill the sales and account sheet tabs of the party shown while they are hidden."""
        party_id = figures.party_id
        if not self.showing(party_id):
            return
        for name in ("sales", "account"):
            if self._tabs_loaded.get(name) != party_id:
                self._tabs_loaded[name] = party_id
                if name == "sales":
                    await self.show_sales(figures)
                else:
                    await self.show_account(party_id, entries, years)

    def showing(self, party_id: int) -> bool:
        """Whether the screen is still up and shows ``party_id`` (Esc may have closed it
        while a tab's figures were read or its panel mounted)."""
        return self.is_attached and self.data is not None and self.data.id == party_id

    async def figure_panels(self) -> tuple[AccountSheet, SalesPanel]:
        """The account sheet and sales panels, mounted into their tabs when first needed."""
        if self._panels is None:
            self._panels = (AccountSheet(id="account-sheet"), SalesPanel(id="sales"))
            sheet, panel = self._panels
            await self.query_one("#tab-account", TabPane).mount(sheet)
            await self.query_one("#tab-sales", TabPane).mount(panel)
            self._panels_mounted.set()
        await self._panels_mounted.wait()
        return self._panels

    def focus_list_of(self, name: str) -> None:
        """Give the keys to the list of the tab ``name`` if it is the one shown."""
        tabs = self.query_one(PartyTabs)
        pane = tabs.active_pane
        if tabs.active_name == name and pane is not None:
            lists = pane.query(PagedList)
            if lists:
                lists.first().focus()

    @work(thread=True, exclusive=True, group="account", exit_on_error=False)
    def load_account(self, party_id: int) -> None:
        """Read the totals per year and the first page of the account sheet."""
        with db.connection_context():
            years = account_sheet.years(party_id)
            entries = account_sheet.entries(party_id, None, PAGE + 1)
        self.app.call_from_thread(self.call_later, self.show_account, party_id, entries, years)

    async def show_account(
        self, party_id: int, entries: list[AccountEntry], years: list[AccountYear]
    ) -> None:
        """Show the account sheet (if the party is still shown)."""
        if not self.showing(party_id):
            return
        sheet, _panel = await self.figure_panels()
        if self.showing(party_id) and sheet.is_mounted:
            sheet.show(party_id, entries[:PAGE], years, more=len(entries) > PAGE)
            self.focus_list_of("account")

    @on(PagedList.PageNeeded, "#account-entries")
    def more_account(self, event: PagedList.PageNeeded) -> None:
        """Read the next page of the account sheet."""
        last = self.query_one(AccountList).last_row
        if last is not None and self.data is not None:
            self.load_more_account(self.data.id, last, event.serial)

    @work(thread=True, group="account-page", exit_on_error=False)
    def load_more_account(self, party_id: int, after: AccountEntry, serial: int) -> None:
        """Read the page after ``after``, its balance carried on."""
        with db.connection_context():
            rows = account_sheet.entries(party_id, after, PAGE + 1)
        self.app.call_from_thread(
            self.query_one(AccountList).extend, rows[:PAGE], more=len(rows) > PAGE, serial=serial
        )

    @work(thread=True, exclusive=True, group="sales", exit_on_error=False)
    def load_sales(self, party_id: int, number: str) -> None:
        """Count the party's sales."""
        with db.connection_context():
            figures = sales.customer_sales(party_id, number, self.context.today)
        self.app.call_from_thread(self.call_later, self.show_sales, figures)

    async def show_sales(self, figures: CustomerSales) -> None:
        """Show the sales figures (if the party is still shown)."""
        if not self.showing(figures.party_id):
            return
        _sheet, panel = await self.figure_panels()
        if self.showing(figures.party_id) and panel.is_mounted:
            panel.show(figures)
            self.focus_list_of("sales")

    def action_cycle_kind(self) -> None:
        """Alt+Y: the full history shows the next kind only (then everything again)."""
        order: list[str | None] = [None, *history.KINDS]
        self.history_kind = order[(order.index(self.history_kind) + 1) % len(order)]
        self.query_one("#history-kind", Label).update(self.kind_text())
        tabs = self.query_one(PartyTabs)
        self._tabs_loaded.pop("history", None)
        if tabs.active_name != "history":
            tabs.show_tab("history")
        else:
            self.load_active_tab()

    def show_banner(self) -> None:
        """The mode banner: read-only, kind, blocked, bookmark, place in the result list."""
        parts = [_("INQUIRY · read only")]
        data = self.data
        if data is not None:
            parts.append(_("Customer") if data.kind == "customer" else _("Prospect"))
            if data.values.blocked:
                parts.append(_("BLOCKED"))
            if data.bookmarked:
                parts.append(_("Bookmarked"))
        if self.number in self.result_numbers and len(self.result_numbers) > 1:
            place = self.result_numbers.index(self.number) + 1
            parts.append(
                _("{place} of {count}").format(place=place, count=len(self.result_numbers))
            )
        self.query_one("#mode-banner", Label).update("  ·  ".join(parts))

    # Texts of the tabs ----------------------------------------------------------------------

    def address_text(self, data: Inquiry) -> Content:
        """The postal address block."""
        values = data.values
        person = " ".join(part for part in (values.first_name, values.last_name) if part)
        salutation = " ".join(p for p in (values.salutation, values.title, person) if p)
        lines = [Content.styled(data.name, "bold")]
        if values.company and values.company2:
            lines.append(Content(values.company2))
        if values.company and person:
            lines.append(Content(salutation))
        elif not values.company and (values.salutation or values.title):
            lines[0] = Content.styled(salutation, "bold")
        if values.street:
            lines.append(Content(values.street))
        place = f"{values.postcode} {values.city}".strip()
        if values.country != self.context.settings.region and place:
            place = f"{values.country}-{place}"
        if place:
            lines.append(Content(place))
        return Content("\n").join(lines)

    def phones_text(self, data: Inquiry) -> Content:
        """The party's own phone numbers, main first."""
        lines = [heading(_("Phone numbers"))]
        for phone in data.phones:
            label = phone_kind_label(phone.kind)
            lines.append(Content(f"{label.ljust(10)} {phone.display}"))
        if not data.phones:
            lines.append(Content(_("No phone number.")))
        return Content("\n").join(lines)

    def emails_text(self, data: Inquiry) -> Content:
        """The party's own email addresses, main first."""
        lines = [heading(_("Email addresses"))]
        lines.extend(Content(email.address) for email in data.emails)
        if not data.emails:
            lines.append(Content(_("No email address.")))
        return Content("\n").join(lines)

    def other_text(self, data: Inquiry) -> Content:
        """Group, price list, payment terms, source, contact interval, credit and history."""
        values = data.values
        source = values.marketing_source
        if data.referred_by:
            source = _("{source} (referred by {party})").format(
                source=source or _("Referral"), party=data.referred_by
            )
        interval = values.contact_interval_days
        pairs = [
            (_("Customer group"), data.group),
            (_("Price list"), data.price_list),
            (_("Payment terms"), data.payment_terms),
            (_("Source"), source),
            (
                _("Contact interval"),
                _("{days} days").format(days=interval) if interval else "",
            ),
            (_("Credit limit"), formatting.money(values.credit_limit)),
            (_("Blocked"), _("Yes") if values.blocked else _("No")),
            (_("Clerk"), data.clerk),
            (_("Contacts"), str(data.contact_count)),
            (_("Former numbers"), ", ".join(data.former_numbers)),
        ]
        if data.converted_at:
            pairs.append((_("Customer since"), formatting.day(data.converted_at.date())))
        pairs.extend(
            [
                (_("Created"), formatting.moment(data.created_at)),
                (_("Last change"), formatting.moment(data.updated_at)),
            ]
        )
        return facts(pairs)

    def personal_text(self, data: Inquiry) -> Content:
        """Salutation, title, names, birthday and notes."""
        values = data.values
        birthday = ""
        if values.birthday:
            today = date.today()
            age = today.year - values.birthday.year
            if (today.month, today.day) < (values.birthday.month, values.birthday.day):
                age -= 1
            birthday = _("{day} ({age} years)").format(day=formatting.day(values.birthday), age=age)
        return facts(
            [
                (_("Salutation"), values.salutation),
                (_("Title"), values.title),
                (_("First name"), values.first_name),
                (_("Last name"), values.last_name),
                (_("Birthday"), birthday),
                (_("Notes"), values.notes),
            ]
        )

    def bank_text(self, data: Inquiry) -> Content:
        """The bank accounts with their SEPA mandates."""
        if not data.bank_accounts:
            return Content(_("No bank account on file."))
        blocks = []
        for account in data.bank_accounts:
            mandate = ""
            if account.mandate_reference:
                mandate = _("{reference} of {day}").format(
                    reference=account.mandate_reference, day=formatting.day(account.mandate_date)
                )
            blocks.append(
                facts(
                    [
                        (_("IBAN"), grouped_iban(account.iban)),
                        (_("BIC"), account.bic),
                        (_("Bank"), account.bank_name),
                        (_("Account holder"), account.holder),
                        (_("SEPA mandate"), mandate),
                    ]
                )
            )
        return Content("\n\n").join(blocks)

    def notes_text(self, data: Inquiry) -> Content:
        """Notes, open follow-ups and the latest contacts."""
        lines = [heading(_("Notes")), Content(data.values.notes or _("No notes.")), Content("")]
        lines.append(heading(_("Open follow-ups")))
        today = date.today()
        for follow_up in data.follow_ups:
            text = Content(
                f"{formatting.day(follow_up.due_date)}  {follow_up.subject}  ({follow_up.owner})"
            )
            lines.append(text.stylize("$text-error") if follow_up.due_date < today else text)
        if not data.follow_ups:
            lines.append(Content(_("No open follow-ups.")))
        lines.extend([Content(""), heading(_("Latest contacts"))])
        for contact in data.contacts:
            kind = contact_kind_label(contact.kind)
            lines.append(
                Content(
                    f"{formatting.moment(contact.at)}  {kind}  {contact.topic}  ({contact.clerk})"
                )
            )
        if not data.contacts:
            lines.append(Content(_("No contacts logged.")))
        return Content("\n").join(lines)

    # Actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide next/previous without a result list and convert for customers."""
        if not self.may_run(action):
            return False
        if action in ("next_party", "previous_party"):
            return len(self.result_numbers) > 1
        if action == "convert":
            return self.data is not None and self.data.kind == "prospect"
        return True

    def action_show_tab(self, name: str) -> None:
        """Show the tab ``name`` (Alt+1 … Alt+9)."""
        self.query_one(PartyTabs).show_tab(name)

    def action_next_tab(self) -> None:
        """Show the next tab (Ctrl+PgDn)."""
        self.query_one(PartyTabs).step(1)

    def action_previous_tab(self) -> None:
        """Show the previous tab (Ctrl+PgUp)."""
        self.query_one(PartyTabs).step(-1)

    def _step(self, offset: int) -> None:
        if self.number not in self.result_numbers:
            return
        index = self.result_numbers.index(self.number) + offset
        if not 0 <= index < len(self.result_numbers):
            self.notify(
                _("Last customer of the list.") if offset > 0 else _("First customer of the list.")
            )
            return
        self.number = self.result_numbers[index]
        self.show_banner()
        self.reload()

    def action_next_party(self) -> None:
        """Show the next customer of the result list."""
        self._step(1)

    def action_previous_party(self) -> None:
        """Show the previous customer of the result list."""
        self._step(-1)

    def action_edit(self) -> None:
        """Switch to edit mode."""
        if self.data is None:
            return
        self._reload_on_resume = True
        self.app.push_screen(EditPartyScreen(self.data))

    def action_new_party(self, kind: str) -> None:
        """Type in a new customer or prospect."""
        self.app.push_screen(NewPartyScreen(kind))

    def action_bookmark(self) -> None:
        """Bookmark the customer, or remove the bookmark."""
        if self.data is not None:
            self.toggle_bookmark(self.data.id)

    @work(thread=True, exclusive=True, group="bookmark", exit_on_error=False)
    def toggle_bookmark(self, party_id: int) -> None:
        """Toggle the bookmark in a thread."""
        with db.connection_context():
            marked = editing.toggle_bookmark(self.context.clerk_id, party_id)
        self.app.call_from_thread(self.bookmarked, party_id, marked)

    def bookmarked(self, party_id: int, marked: bool) -> None:
        """Show the new bookmark state."""
        if self.data is not None and self.data.id == party_id:
            self.data = replace(self.data, bookmarked=marked)
            self.show_banner()
        self.notify(_("Bookmarked.") if marked else _("Bookmark removed."))

    def action_convert(self) -> None:
        """Convert the prospect into a customer, after asking."""
        data = self.data
        if data is None or data.kind != "prospect":
            return

        def answer(confirmed: bool | None) -> None:
            if confirmed:
                self.convert(data.id)

        question = _("Convert prospect {number} ({name}) into a customer?").format(
            number=data.number, name=data.name
        )
        self.app.push_screen(ConfirmModal(question), answer)

    @work(thread=True, exclusive=True, group="convert", exit_on_error=False)
    def convert(self, party_id: int) -> None:
        """Convert in a thread, then show the customer under the new number."""
        with db.connection_context():
            number = editing.convert_to_customer(party_id, self.context.settings.clerk)
        self.app.call_from_thread(self.converted, number)

    def converted(self, number: str) -> None:
        """Show the converted customer."""
        old = self.number
        self.result_numbers = tuple(
            number if sibling == old else sibling for sibling in self.result_numbers
        )
        self.number = number
        self.notify(_("{old} is now customer {number}.").format(old=old, number=number))
        self.reload()

    def on_unmount(self) -> None:
        """Drop loads still under way."""
        self._closing = True

    def action_back(self) -> None:
        """Back to the list, its cursor on the customer shown last."""
        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 2 else None
        super().action_back()
        if below is None or self.number == self.opened_number:
            return
        select = getattr(below, "select_number", None)
        if callable(select):
            select(self.number)
