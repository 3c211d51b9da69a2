"""FollowUpListScreen: the follow-up list (Wiedervorlage) with its done and postpone dialogs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label
from textual.worker import get_current_worker

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmModal, CrmScreen
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.contact_modal import kind_options, minutes
from tui_crm.screens.follow_up_modal import FollowUpModal, date_text, error_text, save_hint
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.services import dates, followups
from tui_crm.services.contacts import ContactDraft
from tui_crm.services.followups import (
    ClerkChoice,
    DoneResult,
    FollowUpKey,
    FollowUpRow,
    SectionCounts,
)
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.follow_up_list import FollowUpList, section_title
from tui_crm.widgets.form_row import FormRow
from tui_crm.widgets.live_field import LiveField
from tui_crm.widgets.paged_list import PagedList

FIRST_PAGE = 60
"""Rows fetched for the first paint (more than a screen)."""

PAGE = 200
"""Rows per further page."""

RELOAD_LIMIT = 2000
"""The most rows a reload after a change fetches again (the cursor stays on its row)."""

SEARCH_DELAY = 0.2
"""Seconds of no typing before the list is searched."""

ALL = -1
"""The owner choice for everyone's follow-ups (Select values cannot be None)."""

SECTION_CHOICES = ("all", "overdue", "today", "upcoming", "later")
"""The sections the list can be narrowed to."""


def follow_up_summary(row: FollowUpRow) -> str:
    """``27.11.2026 09:30 Rückruf · 10001 Hans Müller``."""
    when = formatting.day(row.due_date)
    if row.due_time:
        when += " " + row.due_time.strftime("%H:%M")
    return f"{when} {row.subject} · {row.number} {row.name}"


class FollowUpListScreen(CrmScreen):
    """Open follow-ups under overdue, today, upcoming and later, mine or everyone's.

    Pages of :func:`followups.due_list` are fetched as the cursor comes near the end of
    what is loaded; a change by anyone shows within a second or two.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [
        keys.FOLLOW_UP_DONE,
        keys.FOLLOW_UP_POSTPONE,
        keys.FOLLOW_UP_EDIT,
        keys.FOLLOW_UP_DELETE,
        keys.FOLLOW_UP_OWNER,
        keys.FOLLOW_UP_FIND,
        keys.CURSOR_TO_RESULTS,
    ]
    PALETTE = (
        keys.FOLLOW_UP_DONE,
        keys.FOLLOW_UP_POSTPONE,
        keys.FOLLOW_UP_EDIT,
        keys.FOLLOW_UP_DELETE,
        keys.FOLLOW_UP_OWNER,
    )
    """Actions the command palette offers while this screen is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.owner: int | None = None
        """Whose follow-ups: a clerk id, or None for everyone's (set to mine on mount)."""
        self.section = "all"
        """The section shown (``all`` or one of them)."""
        self.search_text = ""
        """What the list is narrowed to."""
        self._token = 0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """Filters, counts, the list and the key bar."""
        yield Header(icon=HEADER_ICON)
        with Horizontal(id="list-filters"):
            yield Input(
                placeholder=_("Find: number, name, phone, subject"),
                id="follow-up-search",
                compact=True,
            )
            yield CycleField(
                [(_("Mine"), self.context.clerk_id), (_("Everyone's"), ALL)],
                self.context.clerk_id,
                id="owner-filter",
            )
            yield CycleField(
                [(self.section_label(section), section) for section in SECTION_CHOICES],
                "all",
                id="section-filter",
            )
        yield Label("", id="section-counts", markup=False)
        yield FollowUpList(id="follow-ups")
        yield Footer()

    @staticmethod
    def section_label(section: str) -> str:
        """The filter's name of a section."""
        return _("All sections") if section == "all" else section_title(section)

    @property
    def follow_ups(self) -> FollowUpList:
        """The list."""
        return self.query_one("#follow-ups", FollowUpList)

    def on_mount(self) -> None:
        """My follow-ups, the list focused; then the clerks for the owner choice."""
        self.title = _("Follow-ups")
        self.owner = self.context.clerk_id
        self.follow_ups.focus()
        self.reload()
        self.load_clerks()

    def on_screen_resume(self) -> None:
        """Back from a customer: show what changed meanwhile."""
        if self.follow_ups.loaded:
            self.data_changed()

    # Loading ------------------------------------------------------------------------------

    def reload(self, *, keep: bool = False) -> None:
        """Fetch the first page (F5) and the counts again."""
        self._token += 1
        limit = FIRST_PAGE
        if keep:
            limit = min(max(len(self.follow_ups.rows), FIRST_PAGE), RELOAD_LIMIT)
        self.load(self.owner, self.section, self.search_text, limit, keep, self._token)

    def data_changed(self) -> None:
        """Someone wrote: fetch what is shown again, the cursor staying on its follow-up."""
        self.reload(keep=True)

    @work(thread=True, exclusive=True, group="follow-up-list", exit_on_error=False)
    def load(
        self, owner: int | None, section: str, search: str, limit: int, keep: bool, token: int
    ) -> None:
        """Read a first page and the section counts in a thread."""
        context = self.context
        today = context.today
        with db.connection_context():
            rows = followups.due_list(
                owner, section, search, None, limit + 1, today=today, region=context.settings.region
            )
            if get_current_worker().is_cancelled:
                return
            self.app.call_from_thread(self.show_rows, rows, limit, keep, token, today)
            counts = None if search.strip() else followups.section_counts(owner, today)
        self.app.call_from_thread(self.show_counts, counts, token)

    def show_rows(
        self, rows: list[FollowUpRow], limit: int, keep: bool, token: int, today: date
    ) -> None:
        """Show a first page unless the filters changed since it was asked for."""
        if token != self._token:
            return
        follow_ups = self.follow_ups
        follow_ups.today = today
        follow_ups.show(rows[:limit], more=len(rows) > limit, keep=keep)
        self.context_may_have_changed()

    def show_counts(self, counts: SectionCounts | None, token: int) -> None:
        """The counts above the list and in its headings."""
        if token != self._token:
            return
        self.follow_ups.set_counts(counts)
        label = self.query_one("#section-counts", Label)
        if counts is None:
            found = len(self.follow_ups.rows)
            shown = formatting.number(found) + ("+" if self.follow_ups.more else "")
            label.update(_("{count} found").format(count=shown))
            return
        parts = [
            f"{section_title(name)} {formatting.number(getattr(counts, name))}"
            for name in ("overdue", "today", "upcoming", "later")
        ]
        label.update(
            "  ·  ".join([*parts, _("{count} open").format(count=formatting.number(counts.total))])
        )

    @on(PagedList.PageNeeded, "#follow-ups")
    def page_needed(self, event: PagedList.PageNeeded) -> None:
        """The cursor nears the end of what is loaded: fetch the next page."""
        last = self.follow_ups.last_row
        if last is not None:
            self.load_page(
                self.owner, self.section, self.search_text, last.key, event.serial, self._token
            )

    @work(thread=True, group="follow-up-page", exit_on_error=False)
    def load_page(
        self,
        owner: int | None,
        section: str,
        search: str,
        after: FollowUpKey,
        serial: int,
        token: int,
    ) -> None:
        """Read the page after ``after`` in a thread."""
        context = self.context
        with db.connection_context():
            rows = followups.due_list(
                owner,
                section,
                search,
                after,
                PAGE + 1,
                today=context.today,
                region=context.settings.region,
            )
        self.app.call_from_thread(self.add_rows, rows, serial, token)

    def add_rows(self, rows: list[FollowUpRow], serial: int, token: int) -> None:
        """Append a page of the result set shown."""
        if token == self._token:
            self.follow_ups.extend(rows[:PAGE], more=len(rows) > PAGE, serial=serial)

    @work(thread=True, exclusive=True, group="clerks", exit_on_error=False)
    def load_clerks(self) -> None:
        """Read the clerks for the owner choice."""
        with db.connection_context():
            clerks = followups.clerks()
        self.app.call_from_thread(self.show_clerks, clerks)

    def show_clerks(self, clerks: list[ClerkChoice]) -> None:
        """Mine, everyone's, then each other clerk."""
        me = self.context.clerk_id
        choice = self.query_one("#owner-filter", CycleField)
        options = [(_("Mine"), me), (_("Everyone's"), ALL)]
        options += [(clerk.label, clerk.id) for clerk in clerks if clerk.id != me]
        choice.set_options(options, choice.value)

    # Filters ------------------------------------------------------------------------------

    @on(Input.Changed, "#follow-up-search")
    def search_typed(self, event: Input.Changed) -> None:
        """Search once typing pauses."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, self.apply_search)

    def apply_search(self) -> None:
        """Narrow the list to the text typed."""
        text = self.query_one("#follow-up-search", Input).value.strip()
        if text != self.search_text:
            self.search_text = text
            self.reload()

    @on(CycleField.Changed, "#owner-filter")
    def owner_chosen(self, event: CycleField.Changed) -> None:
        """Mine, everyone's, or one clerk's."""
        if isinstance(event.value, int):
            owner = None if event.value == ALL else event.value
            if owner != self.owner:
                self.owner = owner
                self.reload()

    @on(CycleField.Changed, "#section-filter")
    def section_chosen(self, event: CycleField.Changed) -> None:
        """One section, or all."""
        if isinstance(event.value, str) and event.value != self.section:
            self.section = event.value
            self.reload()

    def action_cycle_owner(self) -> None:
        """F7: mine ↔ everyone's."""
        choice = self.query_one("#owner-filter", CycleField)
        choice.value = ALL if self.owner is not None else self.context.clerk_id

    def action_find(self) -> None:
        """Cursor into the search field."""
        self.query_one("#follow-up-search", Input).focus()

    def action_to_results(self) -> None:
        """Down from the search field moves into the list."""
        self.follow_ups.focus()

    # Actions on the selected follow-up ----------------------------------------------------

    def context_party(self) -> tuple[int, str] | None:
        """The customer of the selected follow-up."""
        row = self.follow_ups.current
        return None if row is None else (row.party_id, row.number)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out the row actions while no follow-up is selected."""
        if not self.may_run(action):
            return False
        if action in ("done", "postpone", "edit", "delete"):
            return True if self.follow_ups.current is not None else None
        return True

    @on(PagedList.Opened, "#follow-ups")
    def open_customer(self, event: PagedList.Opened) -> None:
        """Enter opens the customer of the follow-up."""
        row = cast(FollowUpRow, event.row)
        numbers = tuple(dict.fromkeys(r.number for r in self.follow_ups.rows))
        self.app.push_screen(InquiryScreen(row.number, numbers))

    def _selected(self) -> FollowUpRow | None:
        row = self.follow_ups.current
        if row is None:
            self.notify(_("No follow-up selected."), severity="warning")
        return row

    def action_done(self) -> None:
        """F8: mark it done, optionally logging a contact."""
        row = self._selected()
        if row is not None:
            self.app.push_screen(DoneModal(row), self.done)

    def done(self, result: DoneResult | None) -> None:
        """Say what was done and show the list as it is now."""
        if result is None:
            return
        message = _("Done: {subject}").format(subject=result.follow_up.subject)
        if result.next is not None:
            message += " · " + _("next one {date}").format(
                date=dates.describe(result.next.due_date, self.context.today)
            )
        if result.contact_id is not None:
            message += " · " + _("contact logged")
        self.notify(message, title=_("Follow-up"), markup=False)
        self.reload(keep=True)

    def action_postpone(self) -> None:
        """F6: move it to another day."""
        row = self._selected()
        if row is not None:
            self.app.push_screen(PostponeModal(row), self.changed)

    def action_edit(self) -> None:
        """F4: change it in the F11 dialog."""
        row = self._selected()
        if row is not None:
            self.app.push_screen(FollowUpModal(row.party_id, row.number, row), self.changed)

    def changed(self, row: FollowUpRow | None) -> None:
        """A dialog saved the follow-up."""
        if row is not None:
            self.notify(
                _("Saved: {date} {subject}").format(
                    date=formatting.day(row.due_date), subject=row.subject
                ),
                title=_("Follow-up"),
                markup=False,
            )
            self.reload(keep=True)

    def action_delete(self) -> None:
        """Del: delete it, after asking."""
        row = self._selected()
        if row is None:
            return

        def answer(confirmed: bool | None) -> None:
            if confirmed:
                self.delete(row)

        question = _("Delete the follow-up {summary}?").format(summary=follow_up_summary(row))
        self.app.push_screen(ConfirmModal(question), answer)

    @work(thread=True, exclusive=True, group="follow-up-delete", exit_on_error=False)
    def delete(self, row: FollowUpRow) -> None:
        """Delete in a thread (refused if someone changed it meanwhile)."""
        try:
            with db.connection_context():
                followups.delete(row.id, self.context.clerk_id, expected_version=row.version)
        except CrmError as error:
            self.app.call_from_thread(self.refused, error)
            return
        self.app.call_from_thread(self.deleted, row)

    def deleted(self, row: FollowUpRow) -> None:
        """Show the list without it."""
        self.notify(_("Deleted: {subject}").format(subject=row.subject), markup=False)
        self.reload(keep=True)

    def refused(self, error: CrmError) -> None:
        """Another clerk was quicker: say so and show the list as it is now."""
        self.notify(error.msg, title=error.title, severity="error", markup=False)
        self.reload(keep=True)


class DoneModal(CrmModal[DoneResult | None]):
    """Mark a follow-up done; optionally log the contact it took in the same step.

    Args:
        row: The follow-up.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(self, row: FollowUpRow) -> None:
        super().__init__()
        self.row = row
        """The follow-up."""
        self.saving = False
        """Whether a save is running."""

    def compose(self) -> ComposeResult:
        """What is done, the optional contact, and the buttons."""
        row = self.row
        with Vertical(id="dialog-box"):
            yield Label(
                _("Done · {summary}").format(summary=follow_up_summary(row)),
                id="dialog-title",
                markup=False,
            )
            if row.recurrence:
                yield Label(
                    _("Repeats {every}: the next one is created.").format(
                        every=dates.recurrence_label(row.recurrence)
                    ),
                    id="done-recurrence",
                    markup=False,
                )
            yield FormRow(
                _("Contact"),
                Checkbox(_("Log a contact with it"), False, id="log-contact", compact=True),
            )
            yield FormRow(_("Kind"), CycleField(kind_options(), "phone_out", id="kind"))
            yield FormRow(_("Topic"), Input(row.subject, id="topic", compact=True, max_length=200))
            yield FormRow(_("Agreements"), Input("", id="agreements", compact=True))
            yield LiveField(
                "duration",
                _("Duration (min)"),
                "",
                parse=minutes,
                describe=lambda count: _("{minutes} min").format(minutes=count),
                max_length=5,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Done"), id="done", variant="primary")
                yield Button(_("Cancel"), id="cancel")
            yield Label("", id="dialog-error", markup=False)
            yield Label(save_hint(), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """Enter marks it done at once."""
        self.query_one("#done", Button).focus()

    @on(Input.Changed, "#agreements")
    @on(LiveField.Changed, "#field-duration")
    @on(CycleField.Changed, "#kind")
    def contact_typed(self, event: Input.Changed | LiveField.Changed | CycleField.Changed) -> None:
        """Filling in the contact asks for it to be logged."""
        if isinstance(event, Input.Changed) and not event.value:
            return
        self.query_one("#log-contact", Checkbox).value = True

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """Done or cancel."""
        if event.button.id == "done":
            self.action_save()
        else:
            self.dismiss(None)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter in a field marks it done."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Mark it done (with the contact) in a thread."""
        if self.saving:
            return
        contact = None
        if self.query_one("#log-contact", Checkbox).value:
            field = self.query_one("#field-duration", LiveField)
            try:
                duration = field.value()
            except ValidationError as error:
                self.query_one("#dialog-error", Label).update(error.msg)
                field.input.focus()
                return
            contact = ContactDraft(
                kind=str(self.query_one("#kind", CycleField).value),
                topic=self.query_one("#topic", Input).value.strip(),
                agreements=self.query_one("#agreements", Input).value.strip(),
                duration_seconds=duration * 60 if isinstance(duration, int) else None,
                contact_person=self.row.contact_person_id,
            )
        self.saving = True
        self.save(contact)

    @work(thread=True, exclusive=True, group="follow-up-done", exit_on_error=False)
    def save(self, contact: ContactDraft | None) -> None:
        """Mark it done in one transaction; close with the result."""
        context = self.context
        try:
            with db.connection_context():
                result = followups.done(
                    self.row.id,
                    context.clerk_id,
                    contact,
                    expected_version=self.row.version,
                    today=context.today,
                    region=context.settings.region,
                )
        except Exception as error:  # shown in the dialog
            self.app.call_from_thread(self.failed, error_text(error))
            return
        self.app.call_from_thread(self.dismiss, result)

    def failed(self, message: str) -> None:
        """Refused: say why."""
        self.saving = False
        self.query_one("#dialog-error", Label).update(message)
        self.notify(message, title=_("Follow-up"), severity="error", markup=False)

    def action_back(self) -> None:
        """Esc: leave it open."""
        self.dismiss(None)


class PostponeModal(CrmModal[FollowUpRow | None]):
    """Postpone a follow-up: +1 day, +1 week, or any date as clerks type it.

    The offsets count from the due date, or from today for an overdue follow-up, so
    postponing never moves it earlier.

    Args:
        row: The follow-up.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(self, row: FollowUpRow) -> None:
        super().__init__()
        self.row = row
        """The follow-up."""
        self.saving = False
        """Whether a save is running."""

    @property
    def base(self) -> date:
        """The day the offsets count from: the due date, today if it is overdue."""
        return max(self.row.due_date, self.context.today)

    def compose(self) -> ComposeResult:
        """The new date (one day later to start with) and the quick buttons."""
        with Vertical(id="dialog-box"):
            yield Label(
                _("Postpone · {summary}").format(summary=follow_up_summary(self.row)),
                id="dialog-title",
                markup=False,
            )
            yield LiveField(
                "to",
                _("New date"),
                date_text(self.base + timedelta(days=1)),
                parse=lambda text: dates.parse_due(text, self.context.today),
                describe=lambda day: dates.describe(day, self.context.today),
                required=True,
                required_message=_("Enter a due date."),
                placeholder="+3, +2w, mo, 24.12.",
                max_length=20,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("+1 day"), id="plus-day")
                yield Button(_("+1 week"), id="plus-week")
            yield Label("", id="dialog-error", markup=False)
            yield Label(save_hint(), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """Cursor into the date: Enter takes one day later."""
        self.query_one("#field-to", LiveField).input.focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """+1 day or +1 week from the due date (or today)."""
        days = 7 if event.button.id == "plus-week" else 1
        self.postpone(self.base + timedelta(days=days))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter postpones to the date typed."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Postpone to the date typed."""
        field = self.query_one("#field-to", LiveField)
        try:
            day = field.value()
        except ValidationError as error:
            self.query_one("#dialog-error", Label).update(error.msg)
            return
        self.postpone(day)

    def postpone(self, day: date) -> None:
        """Save the new date in a thread."""
        if not self.saving:
            self.saving = True
            self.save(day)

    @work(thread=True, exclusive=True, group="follow-up-postpone", exit_on_error=False)
    def save(self, day: date) -> None:
        """Move it; close with it, or say why not."""
        context = self.context
        try:
            with db.connection_context():
                row = followups.postpone(
                    self.row.id,
                    day,
                    context.clerk_id,
                    expected_version=self.row.version,
                    region=context.settings.region,
                )
        except Exception as error:  # shown in the dialog
            self.app.call_from_thread(self.failed, error_text(error))
            return
        self.app.call_from_thread(self.dismiss, row)

    def failed(self, message: str) -> None:
        """Refused: say why."""
        self.saving = False
        self.query_one("#dialog-error", Label).update(message)
        self.notify(message, title=_("Follow-up"), severity="error", markup=False)

    def action_back(self) -> None:
        """Esc: leave it as it is."""
        self.dismiss(None)
