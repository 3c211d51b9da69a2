"""MissedCallsScreen: calls that rang unanswered, newest first (Verpasste Anrufe)."""

from __future__ import annotations

from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Label

from tui_crm import keys
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON
from tui_crm.screens.paged import PagedScreen
from tui_crm.services.telephony import journal
from tui_crm.services.telephony.journal import MissedCall, MissedKey
from tui_crm.widgets.missed_call_list import MissedCallList
from tui_crm.widgets.paged_list import PagedList


class MissedCallsScreen(PagedScreen[MissedCall]):
    """Every missed call, the customers' and unknown or withheld numbers', newest first.

    Enter opens the customer (an unknown number goes into the search); F12 calls back, F11
    sets a follow-up, Alt+I makes a prospect of an unknown number. A call counts as returned
    once a call with the customer (either way) is logged after it.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.NEW_PROSPECT]
    PALETTE = (keys.NEW_PROSPECT,)
    """Actions the command palette offers while this screen is shown."""
    LIST_ID = "missed"

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

    def fetch(self, after: MissedKey | None, limit: int) -> list[MissedCall]:
        """A page of missed calls (in a thread)."""
        return journal.missed_calls(after=after, limit=limit, settings=self.context.settings)

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
