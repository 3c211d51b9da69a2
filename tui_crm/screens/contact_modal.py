"""ContactModal: log a contact (Kontakt erfassen), optionally with a follow-up."""

from __future__ import annotations

from datetime import date, datetime, time

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label

from tui_crm import keys
from tui_crm.db.connection import db
from tui_crm.db.models import CONTACT_KINDS
from tui_crm.errors import ValidationError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import CrmModal
from tui_crm.screens.follow_up_modal import date_text, error_text, save_hint, time_text
from tui_crm.services import contacts, dates, followups
from tui_crm.services.contacts import MAX_DURATION, MAX_TOPIC, ContactRow
from tui_crm.services.followups import FollowUpDraft, PartyBrief
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.form_row import FormRow
from tui_crm.widgets.live_field import LiveField

LOGGED_KINDS = tuple(kind for kind in CONTACT_KINDS if kind != "missed")
"""Kinds a clerk logs by hand (missed calls come from the telephone system)."""


def minutes(text: str) -> int:
    """A duration in whole minutes, 0 to 24 hours.

    Raises:
        ValidationError: Anything else.
    """
    word = text.strip().lower().removesuffix("min").strip()
    if not word.isdigit() or int(word) * 60 > MAX_DURATION:
        raise ValidationError(_("Type the minutes, 0 to 1440."))
    return int(word)


def kind_options(kinds: tuple[str, ...] = LOGGED_KINDS) -> list[tuple[str, str]]:
    """``(label, kind)`` for a choice of contact kinds."""
    return [(contacts.kind_label(kind), kind) for kind in kinds]


class ContactModal(CrmModal[ContactRow | None]):
    """Kind, day and time (now by default), contact person, topic, agreements, duration, and
    optionally a follow-up created in the same step.

    Args:
        party_id: The customer's id.
        number: The customer's number (shown until the name has loaded).
        topic: A topic to start with (the subject of a follow-up it comes from).
        kind: The kind to start with.
    """

    CSS_PATH = STYLES / "followups.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(
        self, party_id: int, number: str, *, topic: str = "", kind: str = "phone_out"
    ) -> None:
        super().__init__()
        self.party_id = party_id
        """The customer's id."""
        self.number = number
        """The customer's number."""
        self.topic = topic
        """The topic to start with."""
        self.kind = kind if kind in LOGGED_KINDS else "phone_out"
        """The kind to start with."""
        self.brief: PartyBrief | None = None
        """Name and contact persons, once loaded."""
        self.saving = False
        """Whether a save is running."""

    def title_text(self) -> str:
        """``Log contact · 10001: Hans Müller``."""
        who = self.number if self.brief is None else f"{self.brief.number}: {self.brief.name}"
        return _("Log contact · {customer}").format(customer=who)

    def compose(self) -> ComposeResult:
        """The contact's fields, then the follow-up's, the message line and the key hint."""
        today = self.context.today
        with Vertical(id="dialog-box"):
            yield Label(self.title_text(), id="dialog-title", markup=False)
            yield FormRow(_("Kind"), CycleField(kind_options(), self.kind, id="kind"))
            yield LiveField(
                "day",
                _("Date"),
                date_text(today),
                parse=lambda text: dates.parse_contact_day(text, self.context.today),
                describe=lambda day: dates.describe(day, self.context.today),
                placeholder="t, -1, 24.11.",
                max_length=20,
            )
            yield LiveField(
                "time",
                _("Time"),
                time_text(datetime.now().time()),
                parse=dates.parse_time,
                describe=time_text,
                hint=_("now"),
                placeholder=_("hh:mm"),
                max_length=8,
            )
            yield FormRow(_("Contact person"), CycleField([("-", None)], id="person"))
            yield FormRow(
                _("Topic"),
                Input(self.topic, id="topic", compact=True, max_length=MAX_TOPIC),
            )
            yield FormRow(_("Agreements"), Input("", id="agreements", compact=True))
            yield LiveField(
                "duration",
                _("Duration (min)"),
                "",
                parse=minutes,
                describe=lambda count: _("{minutes} min").format(minutes=count),
                max_length=5,
            )
            yield FormRow(
                _("Follow-up"),
                Checkbox(_("Create a follow-up"), False, id="with-follow-up", compact=True),
            )
            yield LiveField(
                "follow-up-due",
                _("Follow-up due"),
                "+7",
                parse=lambda text: dates.parse_due(text, self.context.today),
                describe=lambda day: dates.describe(day, self.context.today),
                placeholder="+3, +2w, mo, 24.12.",
                max_length=20,
            )
            yield FormRow(
                _("Follow-up subject"),
                Input(
                    "",
                    id="follow-up-subject",
                    compact=True,
                    max_length=followups.MAX_SUBJECT,
                    placeholder=_("Same as the topic"),
                ),
            )
            yield Label("", id="dialog-error", markup=False)
            yield Label(save_hint(), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """Cursor into the topic; load the contact persons."""
        self.query_one("#topic", Input).focus()
        self.load_persons()

    @work(thread=True, exclusive=True, group="contact-persons", exit_on_error=False)
    def load_persons(self) -> None:
        """Read the customer's name and contact persons in a thread."""
        try:
            with db.connection_context():
                brief = followups.party_brief(self.party_id)
        except Exception as error:  # shown in the dialog
            self.app.call_from_thread(self.show_error, error_text(error))
            return
        self.app.call_from_thread(self.show_persons, brief)

    def show_persons(self, brief: PartyBrief) -> None:
        """Fill the title and the contact persons."""
        self.brief = brief
        self.query_one("#dialog-title", Label).update(self.title_text())
        self.query_one("#person", CycleField).set_options(
            [("-", None), *((name or "?", person) for person, name in brief.persons)]
        )

    @on(LiveField.Changed, "#field-follow-up-due")
    @on(Input.Changed, "#follow-up-subject")
    def follow_up_typed(self) -> None:
        """Typing into the follow-up's fields asks for a follow-up."""
        due = self.query_one("#field-follow-up-due", LiveField)
        subject = self.query_one("#follow-up-subject", Input)
        if due.input.value != due.initial or subject.value:
            self.query_one("#with-follow-up", Checkbox).value = True

    def show_error(self, message: str) -> None:
        """Show what keeps the contact from being saved."""
        self.query_one("#dialog-error", Label).update(message)
        self.set_class(bool(message), "-error")

    def _field(self, name: str) -> object:
        field = self.query_one(f"#field-{name}", LiveField)
        try:
            return field.value()
        except ValidationError:
            field.input.focus()
            raise

    def moment(self) -> datetime | None:
        """When the contact was: None for today without a time (the service takes now).

        Raises:
            ValidationError: The day or time is not acceptable.
        """
        day = self._field("day")
        clock = self._field("time")
        today = self.context.today
        if not isinstance(day, date):
            day = today
        if not isinstance(clock, time):
            return None if day == today else datetime.combine(day, time(12, 0))
        return datetime.combine(day, clock)

    def follow_up(self, topic: str) -> FollowUpDraft | None:
        """The follow-up to create with the contact, if asked for.

        Raises:
            ValidationError: Its due date is not acceptable.
        """
        if not self.query_one("#with-follow-up", Checkbox).value:
            return None
        due = self._field("follow-up-due")
        if not isinstance(due, date):
            self.query_one("#field-follow-up-due", LiveField).input.focus()
            raise ValidationError(_("Enter a due date."))
        subject = self.query_one("#follow-up-subject", Input).value.strip() or topic
        if not subject:
            self.query_one("#follow-up-subject", Input).focus()
            raise ValidationError(_("Enter a subject."))
        return followups.check_draft(FollowUpDraft(due_date=due, subject=subject))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter in any field saves."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Check the fields and log the contact in a thread."""
        if self.saving:
            return
        topic = self.query_one("#topic", Input).value.strip()
        kind = self.query_one("#kind", CycleField).value
        person = self.query_one("#person", CycleField).value
        try:
            at = self.moment()
            duration = self._field("duration")
            follow_up = self.follow_up(topic)
        except ValidationError as error:
            self.show_error(error.msg)
            return
        self.show_error("")
        self.saving = True
        self.save(
            str(kind),
            at,
            topic,
            self.query_one("#agreements", Input).value.strip(),
            duration * 60 if isinstance(duration, int) else None,
            person if isinstance(person, int) else None,
            follow_up,
        )

    @work(thread=True, exclusive=True, group="contact-save", exit_on_error=False)
    def save(
        self,
        kind: str,
        at: datetime | None,
        topic: str,
        agreements: str,
        duration: int | None,
        person: int | None,
        follow_up: FollowUpDraft | None,
    ) -> None:
        """Log the contact (and its follow-up) in one transaction; close with it."""
        context = self.context
        try:
            with db.connection_context():
                logged = contacts.log_contact(
                    self.party_id,
                    kind,
                    at,
                    topic,
                    agreements,
                    duration,
                    context.clerk_id,
                    person,
                    follow_up,
                    today=context.today,
                )
        except Exception as error:  # shown in the dialog, which stays open
            self.app.call_from_thread(self.failed, error_text(error))
            return
        self.app.call_from_thread(self.dismiss, logged)

    def failed(self, message: str) -> None:
        """The save was refused: say why."""
        self.saving = False
        self.show_error(message)
        self.notify(message, title=_("Contact"), severity="error", markup=False)

    def action_back(self) -> None:
        """Esc: close without saving."""
        self.dismiss(None)
