"""SuggestionsScreen: call suggestions (Anrufvorschläge), with the snooze dialog."""

from __future__ import annotations

from datetime import date
from typing import cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Header, Input, Label

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmModal
from tui_crm.screens.follow_up_modal import save_hint
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.paged import PagedScreen
from tui_crm.services import contacts, dates
from tui_crm.services.contacts import SuggestionKey, SuggestionRow
from tui_crm.widgets.live_field import LiveField
from tui_crm.widgets.paged_list import PagedList
from tui_crm.widgets.suggestion_list import SuggestionList


class SuggestionsScreen(PagedScreen[SuggestionRow]):
    """Customers whose last contact is older than their contact interval, most overdue first.

    Enter opens the customer, F11 sets a follow-up, Alt+K logs the call, F8 snoozes.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.SNOOZE]
    PALETTE = (keys.SNOOZE,)
    """Actions the command palette offers while this screen is shown."""
    LIST_ID = "suggestions"

    def compose(self) -> ComposeResult:
        """A line of explanation, the list and the key bar."""
        yield Header(icon=HEADER_ICON)
        yield Label(
            _("Customers whose last contact is older than their contact interval."),
            id="suggestions-hint",
            markup=False,
        )
        yield SuggestionList(id="suggestions")
        yield Footer()

    @property
    def suggestions(self) -> SuggestionList:
        """The list."""
        return self.query_one("#suggestions", SuggestionList)

    def on_mount(self) -> None:
        """Load the first page."""
        self.title = _("Call suggestions")
        self.suggestions.focus()
        self.reload()

    def fetch(self, after: SuggestionKey | None, limit: int) -> list[SuggestionRow]:
        """A page of suggestions, most overdue first (in a thread)."""
        context = self.context
        return contacts.call_suggestions(
            context.today, after, limit, region=context.settings.region
        )

    def context_party(self) -> tuple[int, str] | None:
        """The selected customer."""
        row = self.suggestions.current
        return None if row is None else (row.party_id, row.number)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out snooze while nothing is selected."""
        if not self.may_run(action):
            return False
        if action == "snooze":
            return True if self.suggestions.current is not None else None
        return True

    @on(PagedList.Opened, "#suggestions")
    def open_customer(self, event: PagedList.Opened) -> None:
        """Enter opens the customer."""
        row = cast(SuggestionRow, event.row)
        numbers = tuple(r.number for r in self.suggestions.rows)
        self.app.push_screen(InquiryScreen(row.number, numbers))

    def action_snooze(self) -> None:
        """F8: hide the customer from the suggestions until a date."""
        row = self.suggestions.current
        if row is None:
            return

        def chosen(until: date | None) -> None:
            if until is not None:
                self.snooze(row, until)

        self.app.push_screen(SnoozeModal(row), chosen)

    @work(thread=True, exclusive=True, group="snooze", exit_on_error=False)
    def snooze(self, row: SuggestionRow, until: date) -> None:
        """Save the snooze in a thread."""
        try:
            with db.connection_context():
                contacts.snooze(row.party_id, until, self.context.clerk_id)
        except CrmError as error:
            self.app.call_from_thread(
                self.notify, error.msg, title=error.title, severity="error", markup=False
            )
            return
        self.app.call_from_thread(self.snoozed, row, until)

    def snoozed(self, row: SuggestionRow, until: date) -> None:
        """Say until when, and show the list without it."""
        self.notify(
            _("{number} {name} is hidden until {date}.").format(
                number=row.number, name=row.name, date=formatting.day(until)
            ),
            markup=False,
        )
        self.reload(keep=True)


class SnoozeModal(CrmModal[date | None]):
    """Until when a call suggestion is hidden (it shows again that day).

    Args:
        row: The suggestion.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(self, row: SuggestionRow) -> None:
        super().__init__()
        self.row = row
        """The suggestion."""

    def compose(self) -> ComposeResult:
        """The date, a month from today to start with."""
        with Vertical(id="dialog-box"):
            yield Label(
                _("Snooze · {number} {name}").format(number=self.row.number, name=self.row.name),
                id="dialog-title",
                markup=False,
            )
            yield LiveField(
                "until",
                _("Hide until"),
                "+1m",
                parse=lambda text: dates.parse_due(text, self.context.today),
                describe=lambda day: dates.describe(day, self.context.today),
                required=True,
                required_message=_("Enter a date."),
                placeholder="+2w, +1m, 24.12.",
                max_length=20,
            )
            yield Label("", id="dialog-error", markup=False)
            yield Label(save_hint(), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """Cursor into the date."""
        self.query_one("#field-until", LiveField).input.focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter takes the date."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Close with the date typed."""
        field = self.query_one("#field-until", LiveField)
        try:
            day = field.value()
        except ValidationError as error:
            self.query_one("#dialog-error", Label).update(error.msg)
            return
        self.dismiss(day)

    def action_back(self) -> None:
        """Esc: no snooze."""
        self.dismiss(None)
