"""FollowUpModal: the F11 dialog, a new follow-up for the customer in context (or a change)."""

from __future__ import annotations

from datetime import date, time
from typing import Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label

from tui_crm import keys
from tui_crm.db.connection import db
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import CrmModal
from tui_crm.services import dates, followups
from tui_crm.services.followups import (
    MAX_DAYS_AFTER_CONTACT,
    MAX_SUBJECT,
    ClerkChoice,
    FollowUpDraft,
    FollowUpRow,
    PartyBrief,
)
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.form_row import FormRow
from tui_crm.widgets.live_field import LiveField


def date_text(day: date) -> str:
    """A date as dialogs prefill it: ``24.12.2026``, which every language's parser reads."""
    return day.strftime("%d.%m.%Y")


def time_text(clock: time | None) -> str:
    """``09:30``, empty for None."""
    return clock.strftime("%H:%M") if clock else ""


def whole_days(text: str) -> int:
    """Days after the last contact: a whole number 0 … 3650.

    Raises:
        ValidationError: Anything else.
    """
    word = text.strip().lstrip("+")
    if not word.isdigit() or int(word) > MAX_DAYS_AFTER_CONTACT:
        raise ValidationError(
            _("Type a number of days, 0 to {count}.").format(count=MAX_DAYS_AFTER_CONTACT)
        )
    return int(word)


def save_hint() -> str:
    """The keys that save and cancel a dialog."""
    return _("{save} or Enter saves · Esc cancels").format(save=keys.SAVE.key_display)


def error_text(error: BaseException) -> str:
    """A message for a failed save: the domain's own, else the exception's name and text."""
    if isinstance(error, CrmError):
        return error.msg
    return f"{type(error).__name__}: {error}"


class FollowUpModal(CrmModal[FollowUpRow | None]):
    """Due date (as clerks type it, resolved beside the field), time, subject, note, contact
    person, owner, priority, and a recurrence or "N days after the last contact".

    Opens at once with what it knows; the customer's name, contact persons, the clerks and
    the recent subjects arrive from a thread worker.

    Args:
        party_id: The customer's id.
        number: The customer's number (shown until the name has loaded).
        row: The follow-up to change, or None for a new one.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(self, party_id: int, number: str, row: FollowUpRow | None = None) -> None:
        super().__init__()
        self.party_id = party_id
        """The customer's id."""
        self.number = number
        """The customer's number."""
        self.row = row
        """The follow-up being changed (None: a new one)."""
        self.brief: PartyBrief | None = None
        """Name, last contact and contact persons, once loaded."""
        self.saving = False
        """Whether a save is running."""
        self.complete = False
        """Whether the fields after the first frame are mounted."""
        self._reused = False

    def reuse(self, party_id: int, number: str) -> None:
        """Make the dialog, kept mounted since its last use, a new one for ``party_id``.

        Every field goes back to its start and the choices are read again when it shows.
        The app keeps one dialog for F11: pushing a mounted screen skips compose, mount and
        styling, most of the time it takes to open.
        """
        self.party_id = party_id
        self.number = number
        self.row = None
        self.brief = None
        self.saving = False
        if not self.is_mounted:
            return
        self._reused = True
        self.query_one("#dialog-title", Label).update(self.title_text())
        self.query_one("#field-due", LiveField).set_text("+1")
        self.query_one("#field-time", LiveField).set_text("")
        self.query_one("#subject", Input).value = ""
        self.show_error("")
        if not self.complete:
            return
        self.query_one("#note", Input).value = ""
        self.query_one("#person", CycleField).set_options([("-", None)])
        owner = self.query_one("#owner", CycleField)
        owner.set_options(owner.options, self.context.clerk_id)
        self.query_one("#priority", CycleField).set_options(
            self.query_one("#priority", CycleField).options, 2
        )
        self.query_one("#field-recurrence", LiveField).set_text("")
        self.query_one("#field-after-contact", LiveField).set_text("")

    def on_screen_resume(self) -> None:
        """Shown again after :meth:`reuse`: cursor into the due date, read the choices."""
        if not self._reused:
            return
        self._reused = False
        due = self.query_one("#field-due", LiveField).input
        due.focus()
        due.select_all()
        if self.complete:
            # After the first frame: the thread's queries would hold up the paint.
            self.call_after_refresh(self.load_choices)

    def title_text(self) -> str:
        """``New follow-up · 10001: Hans Müller`` (the name once loaded)."""
        who = self.number
        if self.brief is not None:
            who = f"{self.brief.number}: {self.brief.name}"
        if self.row is not None:
            return _("Change follow-up · {customer}").format(customer=who)
        return _("New follow-up · {customer}").format(customer=who)

    def compose(self) -> ComposeResult:
        """Title, due date, time and subject at once; the other fields after the first frame."""
        row = self.row
        with Vertical(id="dialog-box"):
            yield Label(self.title_text(), id="dialog-title", markup=False)
            yield LiveField(
                "due",
                _("Due date"),
                date_text(row.due_date) if row is not None else "+1",
                parse=lambda text: dates.parse_due(text, self.context.today),
                describe=lambda day: dates.describe(day, self.context.today),
                placeholder="+3, +2w, mo, 24.12.",
                max_length=20,
            )
            yield LiveField(
                "time",
                _("Time"),
                time_text(row.due_time) if row is not None else "",
                parse=dates.parse_time,
                describe=time_text,
                hint=_("all day"),
                placeholder=_("hh:mm"),
                max_length=8,
            )
            yield FormRow(
                _("Subject"),
                Input(
                    row.subject if row is not None else "",
                    id="subject",
                    compact=True,
                    max_length=MAX_SUBJECT,
                    placeholder=_("What to do"),
                ),
            )
            yield Vertical(id="more-fields")
            yield Label("", id="dialog-error", markup=False)
            yield Label(save_hint(), id="dialog-hint", markup=False)

    def more_fields(self) -> list[Widget]:
        """Recent subjects, note, contact person, owner, priority, recurrence, relative."""
        row = self.row
        me = self.context.clerk_id
        owners: list[tuple[str, int]] = [(self.context.settings.clerk, me)]
        if row is not None and row.owner_id != me:
            owners.append((row.owner, row.owner_id))
        after = row.days_after_contact if row is not None else None
        return [
            FormRow(
                _("Recent subjects"),
                CycleField([(_("Left/Right: pick one"), "")], id="recent-subjects"),
            ),
            FormRow(_("Note"), Input(row.note if row is not None else "", id="note", compact=True)),
            FormRow(_("Contact person"), CycleField([("-", None)], id="person")),
            FormRow(
                _("Owner"),
                CycleField(owners, row.owner_id if row is not None else me, id="owner"),
            ),
            FormRow(
                _("Priority"),
                CycleField(
                    [(_("1 high"), 1), (_("2 normal"), 2), (_("3 low"), 3)],
                    row.priority if row is not None else 2,
                    id="priority",
                ),
            ),
            LiveField(
                "recurrence",
                _("Repeat every"),
                row.recurrence if row is not None else "",
                parse=dates.parse_recurrence,
                describe=dates.recurrence_label,
                hint=_("once"),
                placeholder="7d, 2w, 1m",
                max_length=10,
            ),
            LiveField(
                "after-contact",
                _("Or days after contact"),
                "" if after is None else str(after),
                parse=whole_days,
                describe=self.describe_relative,
                hint=_("due N days after the last contact"),
                max_length=5,
            ),
        ]

    def on_mount(self) -> None:
        """Put the cursor into the due date; the other fields follow the first frame."""
        self.query_one("#field-due", LiveField).input.focus()
        self.call_after_refresh(self.add_fields)

    async def add_fields(self) -> None:
        """Mount the other fields, then read the choices for them."""
        await self.query_one("#more-fields", Vertical).mount_all(self.more_fields())
        self.complete = True
        self.load_choices()

    @work(thread=True, exclusive=True, group="follow-up-choices", exit_on_error=False)
    def load_choices(self) -> None:
        """Read the customer, the clerks and the recent subjects in a thread."""
        try:
            with db.connection_context():
                brief = followups.party_brief(self.party_id)
                clerks = followups.clerks()
                subjects = followups.recent_subjects(self.context.clerk_id)
        except Exception as error:  # shown in the dialog; it can still be saved
            self.app.call_from_thread(self.show_error, error_text(error))
            return
        self.app.call_from_thread(self.show_choices, brief, clerks, subjects)

    def show_choices(
        self, brief: PartyBrief, clerks: list[ClerkChoice], subjects: list[str]
    ) -> None:
        """Fill the title, the contact persons, the owners and the recent subjects."""
        if brief.id != self.party_id:
            return  # read for the customer of an earlier use of this dialog
        self.brief = brief
        self.query_one("#dialog-title", Label).update(self.title_text())
        persons = self.query_one("#person", CycleField)
        wanted = self.row.contact_person_id if self.row is not None else None
        persons.set_options(
            [("-", None), *((name or "?", person) for person, name in brief.persons)], wanted
        )
        owner = self.query_one("#owner", CycleField)
        chosen = owner.value
        options = [(clerk.label, clerk.id) for clerk in clerks]
        if not any(clerk.id == chosen for clerk in clerks):
            # An inactive owner stays choosable: the list must never change it silently.
            options.insert(0, (owner.label, chosen))
        owner.set_options(options, chosen)
        recent = self.query_one("#recent-subjects", CycleField)
        recent.set_options([(_("Left/Right: pick one"), ""), *((text, text) for text in subjects)])
        subject = self.query_one("#subject", Input)
        subject.suggester = SuggestFromList(subjects, case_sensitive=False)
        self.query_one("#field-after-contact", LiveField).update_preview()

    def describe_relative(self, days: int) -> str:
        """The due date of "``days`` after the last contact" as it stands now."""
        last = self.brief.last_contact_at if self.brief is not None else None
        day = followups.relative_due(days, last, self.context.today)
        if last is None:
            return _("{date}; no contact yet, counted from today").format(
                date=dates.describe(day, self.context.today)
            )
        return dates.describe(day, self.context.today)

    @on(CycleField.Changed, "#recent-subjects")
    def subject_picked(self, event: CycleField.Changed) -> None:
        """A recent subject goes into the subject field."""
        if event.value:
            self.query_one("#subject", Input).value = event.value

    def show_error(self, message: str) -> None:
        """Show what keeps the follow-up from being saved."""
        self.query_one("#dialog-error", Label).update(message)
        self.set_class(bool(message), "-error")

    def draft(self) -> FollowUpDraft:
        """The follow-up as filled in (fields not mounted yet count as left as they were).

        Raises:
            ValidationError: A field is not acceptable; its input gets the cursor.
        """
        values: dict[str, Any] = {}
        fields: dict[str, LiveField] = {}
        for name in ("due", "time", "recurrence", "after-contact"):
            found = self.query(f"#field-{name}")
            if not found:
                values[name] = None
                continue
            field = fields[name] = cast(LiveField, found.first())
            try:
                values[name] = field.value()
            except ValidationError:
                field.input.focus()
                raise
        days = values["after-contact"]
        due = values["due"]
        if due is None and days is None:
            fields["due"].input.focus()
            raise ValidationError(_("Enter a due date."))
        subject = self.query_one("#subject", Input)
        if not subject.value.strip():
            subject.focus()
            raise ValidationError(_("Enter a subject."))
        row = self.row
        if "recurrence" not in fields and row is not None:
            values["recurrence"] = row.recurrence
        if "after-contact" not in fields and row is not None:
            days = row.days_after_contact
        return FollowUpDraft(
            due_date=due or self.context.today,
            subject=subject.value,
            due_time=values["time"],
            note=self._chosen("#note", row.note if row is not None else ""),
            owner=self._chosen("#owner", row.owner_id if row is not None else None),
            priority=self._chosen("#priority", row.priority if row is not None else 2),
            recurrence=values["recurrence"] or "",
            days_after_contact=days,
            contact_person=self._chosen(
                "#person", row.contact_person_id if row is not None else None
            ),
        )

    def _chosen(self, selector: str, default: Any) -> Any:
        """The value of an input or choice of the later fields, else ``default``."""
        found = self.query(selector)
        if not found:
            return default
        widget = found.first()
        if isinstance(widget, Input):
            return widget.value.strip()
        return cast(CycleField, widget).value

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter in any field saves."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Check the fields and save in a thread."""
        if self.saving:
            return
        try:
            draft = followups.check_draft(self.draft())
        except ValidationError as error:
            self.show_error(error.msg)
            return
        self.show_error("")
        self.saving = True
        self.save(draft)

    @work(thread=True, exclusive=True, group="follow-up-save", exit_on_error=False)
    def save(self, draft: FollowUpDraft) -> None:
        """Create (or update) the follow-up; close with it, or show why not."""
        context = self.context
        try:
            with db.connection_context():
                if self.row is None:
                    saved = followups.create(
                        self.party_id,
                        draft,
                        context.clerk_id,
                        today=context.today,
                        region=context.settings.region,
                    )
                else:
                    saved = followups.update(
                        self.row.id,
                        draft,
                        self.row.version,
                        context.clerk_id,
                        today=context.today,
                        region=context.settings.region,
                    )
        except Exception as error:  # shown in the dialog, which stays open
            self.app.call_from_thread(self.failed, error_text(error))
            return
        self.app.call_from_thread(self.dismiss, saved)

    def failed(self, message: str) -> None:
        """The save was refused: say why and let the clerk correct it."""
        self.saving = False
        self.show_error(message)
        self.notify(message, title=_("Follow-up"), severity="error", markup=False)

    def action_back(self) -> None:
        """Esc: close without saving."""
        self.dismiss(None)
