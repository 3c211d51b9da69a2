"""MissedCallsScreen: calls that rang unanswered, newest first (Verpasste Anrufe)."""

from __future__ import annotations

from typing import cast

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Label
from textual.worker import get_current_worker

from tui_crm import keys
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.services.telephony import journal
from tui_crm.services.telephony.journal import MissedCall, MissedKey
from tui_crm.widgets.missed_call_list import MissedCallList
from tui_crm.widgets.paged_list import PagedList

FIRST_PAGE = 60
"""Missed calls fetched for the first paint."""

PAGE = 200
"""Missed calls per further page."""

RELOAD_LIMIT = 1000
"""The most rows a reload after a change fetches again."""


class MissedCallsScreen(CrmScreen):
    """Every missed call, the customers' and unknown or withheld numbers', newest first.

    Enter opens the customer (an unknown number goes into the search); F12 calls back, F11
    sets a follow-up, Alt+I makes a prospect of an unknown number. A call counts as returned
    once a call with the customer (either way) is logged after it.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.NEW_PROSPECT]
    PALETTE = (keys.NEW_PROSPECT,)
    """Actions the command palette offers while this screen is shown."""

    def __init__(self) -> None:
        super().__init__()
        self._token = 0

    def compose(self) -> ComposeResult:
        """A line of explanation, the list and the key bar."""
        yield Header(icon=HEADER_ICON)
        yield Label(
            _(
                "Calls that rang unanswered. Enter opens the customer, F12 calls back, "
                "Alt+I makes a prospect of an unknown number."
            ),
            id="missed-hint",
            markup=False,
        )
        yield MissedCallList(id="missed")
        yield Footer()

    @property
    def missed(self) -> MissedCallList:
        """The list."""
        return self.query_one("#missed", MissedCallList)

    def on_mount(self) -> None:
        """Load the first page."""
        self.title = _("Missed calls")
        self.missed.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from a customer: a call logged there marks the call returned."""
        if self.missed.loaded:
            self.data_changed()

    def reload(self, *, keep: bool = False) -> None:
        """Fetch the first page again (F5)."""
        self._token += 1
        limit = FIRST_PAGE
        if keep:
            limit = min(max(len(self.missed.rows), FIRST_PAGE), RELOAD_LIMIT)
        self.load(limit, keep, self._token)

    def data_changed(self) -> None:
        """Someone wrote (a new missed call, a call back): fetch again, cursor kept."""
        self.reload(keep=True)

    @work(thread=True, exclusive=True, group="missed", exit_on_error=False)
    def load(self, limit: int, keep: bool, token: int) -> None:
        """Read a first page in a thread."""
        with db.connection_context():
            rows = journal.missed_calls(limit=limit + 1, settings=self.context.settings)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_rows, rows, limit, keep, token)

    def show_rows(self, rows: list[MissedCall], limit: int, keep: bool, token: int) -> None:
        """Show a first page unless a newer one was asked for."""
        if token == self._token:
            self.missed.show(rows[:limit], more=len(rows) > limit, keep=keep)
            self.context_may_have_changed()

    @on(PagedList.PageNeeded, "#missed")
    def page_needed(self, event: PagedList.PageNeeded) -> None:
        """Fetch the next page."""
        last = self.missed.last_row
        if last is not None:
            self.load_page(last.key, event.serial, self._token)

    @work(thread=True, group="missed-page", exit_on_error=False)
    def load_page(self, after: MissedKey, serial: int, token: int) -> None:
        """Read the page after ``after`` in a thread."""
        with db.connection_context():
            rows = journal.missed_calls(after=after, limit=PAGE + 1, settings=self.context.settings)
        self.app.call_from_thread(self.add_rows, rows, serial, token)

    def add_rows(self, rows: list[MissedCall], serial: int, token: int) -> None:
        """Append a page."""
        if token == self._token:
            self.missed.extend(rows[:PAGE], more=len(rows) > PAGE, serial=serial)

    def context_party(self) -> tuple[int, str] | None:
        """The selected call's customer (none for an unknown caller)."""
        row = self.missed.current
        if row is None or row.party_id is None:
            return None
        return (row.party_id, row.party_number)

    def context_phone(self) -> str:
        """An unknown caller's number, for F12 (empty for customers and withheld calls)."""
        row = self.missed.current
        if row is None or row.party_id is not None:
            return ""
        return row.phone_e164

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A prospect only from an unknown number."""
        if not self.may_run(action):
            return False
        if action == "new_party":
            return True if self.context_phone() else None
        return True

    @on(PagedList.Opened, "#missed")
    def open_row(self, event: PagedList.Opened) -> None:
        """Enter: the customer; an unknown number into the search."""
        row = cast(MissedCall, event.row)
        if row.party_id is not None:
            from tui_crm.screens.inquiry import InquiryScreen

            numbers = tuple(r.party_number for r in self.missed.rows if r.party_number)
            self.app.push_screen(InquiryScreen(row.party_number, numbers))
        elif row.phone_e164 or row.reported:
            self.context.calls.search(row.display if row.phone_e164 else row.reported)
        else:
            self.notify(_("The caller withheld the number."), title=_("Missed calls"))

    def action_new_party(self, kind: str) -> None:
        """Alt+I: a new prospect with the unknown caller's number."""
        row = self.missed.current
        if row is not None and self.context_phone():
            self.context.calls.new_prospect(row.display)
