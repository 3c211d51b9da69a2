"""NewPartyScreen: type in a new customer or prospect, warned about likely duplicates."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.screens.edit_party import EditPartyScreen
from tui_crm.services import editing
from tui_crm.services.editing import Duplicate, PartyValues
from tui_crm.widgets.form_field import FormField
from tui_crm.widgets.phone_field import PhoneField

DUPLICATE_DELAY = 0.3
"""Seconds of no typing before the duplicate check runs."""


class NewPartyScreen(EditPartyScreen):
    """The edit form for a record that does not exist yet; the number comes from the
    ``customer`` or ``prospect`` sequence when it is saved.

    Args:
        kind: ``customer`` or ``prospect``.
        phone: A first phone number to fill in (a caller's number).
    """

    def __init__(self, kind: str = "customer", *, phone: str = "") -> None:
        super().__init__(None, kind=kind)
        self._timer: Timer | None = None
        self.phone = phone
        """The number filled into the first phone field."""

    def banner_text(self) -> str:
        """The mode banner."""
        if self.kind == "prospect":
            return _("NEW PROSPECT · F10 or Ctrl+S saves · Esc cancels")
        return _("NEW CUSTOMER · F10 or Ctrl+S saves · Esc cancels")

    def compose_extra(self) -> Iterable[Widget]:
        """The duplicate warning (hidden while there is none)."""
        yield Static("", id="duplicates")

    def on_mount(self) -> None:
        """Title as the kind of record."""
        super().on_mount()
        self.title = _("New prospect") if self.kind == "prospect" else _("New customer")
        if self.phone:
            for field in self.query("#field-phone-0").results(PhoneField):
                field.input.value = self.phone

    @on(FormField.Changed)
    def typed(self) -> None:
        """Check for duplicates once typing pauses."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DUPLICATE_DELAY, self.check_duplicates)

    def check_duplicates(self) -> None:
        """Look for existing records with the same phone, email, or name and postcode."""
        self.find_duplicates(self.collect(strict=False))

    @work(thread=True, exclusive=True, group="duplicates", exit_on_error=False)
    def find_duplicates(self, values: PartyValues) -> None:
        """Run the duplicate check in a thread."""
        with db.connection_context():
            found = editing.find_duplicates(values)
        self.app.call_from_thread(self.show_duplicates, found)

    def show_duplicates(self, found: list[Duplicate]) -> None:
        """Show the possible duplicates (or hide the warning)."""
        reasons = {
            "phone": _("same phone"),
            "email": _("same email"),
            "name": _("same name and postcode"),
        }
        lines = [Content.styled(_("Possible duplicates:"), "bold")]
        for duplicate in found:
            why = ", ".join(reasons.get(reason, reason) for reason in duplicate.reasons)
            place = f"{duplicate.postcode} {duplicate.city}".strip()
            lines.append(Content(f"  {duplicate.number}  {duplicate.name}, {place}  ({why})"))
        warning = self.query_one("#duplicates", Static)
        warning.update(Content("\n").join(lines) if found else "")
        warning.set_class(bool(found), "-found")

    def store(self, mine: PartyValues) -> None:
        """Create the record (runs in the save thread)."""
        number = editing.create(self.kind, mine, self.context.settings.clerk)
        self.app.call_from_thread(self.created, number)

    def created(self, number: str) -> None:
        """Show the new record in the inquiry."""
        from tui_crm.screens.inquiry import InquiryScreen  # the inquiry opens this screen

        self.saving = False
        self.closing = True
        kind = _("Prospect") if self.kind == "prospect" else _("Customer")
        self.notify(_("{kind} {number} created.").format(kind=kind, number=number))
        self.app.switch_screen(InquiryScreen(number))
