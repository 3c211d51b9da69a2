"""LetterModal: write a Word letter to one customer (template, contact person, subject)."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from tui_crm import keys
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import CrmModal
from tui_crm.screens.follow_up_modal import error_text
from tui_crm.services import default_templates, followups, letters
from tui_crm.services.followups import PartyBrief
from tui_crm.services.letters import MAX_SUBJECT, LetterRow
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.form_row import FormRow


def template_files(folder: Path) -> list[Path]:
    """The ``.docx`` templates in ``folder``, the shipped ones written there first."""
    default_templates.ensure_defaults(folder)
    return sorted(
        (path for path in folder.glob("*.docx") if not path.name.startswith((".", "~$"))),
        key=lambda path: path.name.lower(),
    )


class LetterModal(CrmModal[LetterRow | None]):
    """Template, contact person and subject; F10 or Enter writes and records the letter.

    Args:
        party_id: The customer's id.
        number: The customer's number (shown until the name has loaded).
    """

    CSS_PATH = STYLES / "letters.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(self, party_id: int, number: str) -> None:
        super().__init__()
        self.party_id = party_id
        """The customer's id."""
        self.number = number
        """The customer's number."""
        self.brief: PartyBrief | None = None
        """Name and contact persons, once loaded."""
        self.writing = False
        """Whether the letter is being written."""

    def title_text(self) -> str:
        """``Letter · 10001: Hans Müller``."""
        who = self.number if self.brief is None else f"{self.brief.number}: {self.brief.name}"
        return _("Letter · {customer}").format(customer=who)

    def compose(self) -> ComposeResult:
        """Template, contact person, subject, the message line and the key hint."""
        with Vertical(id="dialog-box"):
            yield Label(self.title_text(), id="dialog-title", markup=False)
            yield FormRow(_("Template"), CycleField([("-", None)], id="template"))
            yield FormRow(_("Contact person"), CycleField([("-", None)], id="person"))
            yield FormRow(
                _("Subject"),
                Input(
                    "",
                    id="subject",
                    compact=True,
                    max_length=MAX_SUBJECT,
                    placeholder=_("The template's subject"),
                ),
            )
            yield Label("", id="dialog-error", markup=False)
            yield Label(
                _("{save} or Enter writes the letter · Esc cancels").format(
                    save=keys.SAVE.key_display
                ),
                id="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        """Focus the template choice; read templates and contact persons."""
        self.query_one("#template", CycleField).focus()
        self.load()

    @work(thread=True, exclusive=True, group="letter-load", exit_on_error=False)
    def load(self) -> None:
        """Read the templates folder and the customer's contact persons in a thread."""
        try:
            files = template_files(self.context.settings.templates_path)
            with db.connection_context():
                brief = followups.party_brief(self.party_id)
        except Exception as error:  # shown in the dialog
            self.app.call_from_thread(self.show_error, error_text(error))
            return
        self.app.call_from_thread(self.show_choices, files, brief)

    def show_choices(self, files: list[Path], brief: PartyBrief) -> None:
        """Fill the title, the templates and the contact persons."""
        self.brief = brief
        self.query_one("#dialog-title", Label).update(self.title_text())
        self.query_one("#template", CycleField).set_options(
            [(path.name, path) for path in files],
            next((path for path in files if path.name == "letter.docx"), None),
        )
        self.query_one("#person", CycleField).set_options(
            [("-", None), *((name or "?", person) for person, name in brief.persons)]
        )

    def show_error(self, message: str) -> None:
        """Show what keeps the letter from being written."""
        self.query_one("#dialog-error", Label).update(message)
        self.set_class(bool(message), "-error")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter in the subject writes."""
        event.stop()
        self.action_save()

    def key_enter(self) -> None:
        """Enter on a choice writes too."""
        self.action_save()

    def action_save(self) -> None:
        """Write the letter in a thread."""
        template = self.query_one("#template", CycleField).value
        if self.writing or not isinstance(template, Path):
            return
        person = self.query_one("#person", CycleField).value
        self.writing = True
        self.show_error("")
        self.query_one("#dialog-hint", Label).update(_("Writing the letter …"))
        self.write(
            template,
            person if isinstance(person, int) else None,
            self.query_one("#subject", Input).value.strip(),
        )

    @work(thread=True, exclusive=True, group="letter-write", exit_on_error=False)
    def write(self, template: Path, person: int | None, subject: str) -> None:
        """Render, write and record the letter; close with it."""
        context = self.context
        try:
            with db.connection_context():
                row = letters.write_letter(
                    self.party_id,
                    template,
                    context.settings.clerk,
                    context.settings,
                    options=letters.LetterOptions(subject=subject, contact_person=person),
                    today=context.today,
                )
        except Exception as error:  # shown in the dialog, which stays open
            self.app.call_from_thread(self.failed, error_text(error))
            return
        self.app.call_from_thread(self.dismiss, row)

    def failed(self, message: str) -> None:
        """The letter was not written: say why."""
        self.writing = False
        self.query_one("#dialog-hint", Label).update(
            _("{save} or Enter writes the letter · Esc cancels").format(save=keys.SAVE.key_display)
        )
        self.show_error(message)

    def action_back(self) -> None:
        """Esc: close without writing."""
        self.dismiss(None)
