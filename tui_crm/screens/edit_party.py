"""EditPartyScreen: the edit mode of the customer inquiry, a form checked as it is typed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Header, Label, TabPane, TextArea

from tui_crm import formatting, i18n, keys
from tui_crm.db.connection import db
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.conflict import ConflictModal
from tui_crm.services import editing, phones, validation
from tui_crm.services.editing import Choices, ConflictError, PartyValues, PhoneValue
from tui_crm.services.inquiry import Inquiry
from tui_crm.services.validation import FieldError
from tui_crm.widgets.choice_field import ChoiceField
from tui_crm.widgets.form_field import FormField
from tui_crm.widgets.party_tabs import PartyTabs
from tui_crm.widgets.person_list import PersonList
from tui_crm.widgets.phone_field import PhoneField

TEXT_FIELDS = {
    "company": 200,
    "company2": 200,
    "street": 200,
    "city": 100,
    "salutation": 20,
    "title": 40,
    "first_name": 100,
    "last_name": 100,
    "marketing_source": 100,
    "bank_name": 100,
    "holder": 200,
}
"""Plain text fields and their maximum length."""

BLANK_PHONES = ("phone", "mobile")
"""Kinds of the empty phone lines offered for new numbers."""


def amount_text(value: Decimal) -> str:
    """An amount as the form shows it: no grouping, the language's decimal mark."""
    text = f"{value:.2f}"
    return text.replace(".", ",") if i18n.language() == "de" else text


def day_text(value: date | None) -> str:
    """A date as the form shows it: ``24.11.2026`` in German, ISO in English."""
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y") if i18n.language() == "de" else value.isoformat()


class EditPartyScreen(CrmScreen):
    """Edit mode: every editable value in the inquiry's tabs; F10 or Ctrl+S saves at once.

    Args:
        data: The party as the inquiry loaded it (its version is the base of the save), or
            None for a new record.
        kind: ``customer`` or ``prospect`` for a new record.
    """

    CSS_PATH = STYLES / "inquiry.tcss"
    BINDINGS = [keys.SAVE, *keys.TAB_BINDINGS]
    PALETTE = (keys.SAVE,)
    """Actions the command palette offers while this screen is shown."""

    def __init__(self, data: Inquiry | None = None, *, kind: str = "customer") -> None:
        super().__init__()
        self.data = data
        """The party being edited (None: a new record)."""
        self.kind = data.kind if data is not None else kind
        """``customer`` or ``prospect``."""
        self.original = data.values if data is not None else PartyValues()
        """The values the save starts from (theirs after a resolved conflict)."""
        self.version = data.version if data is not None else 0
        """The version the save starts from."""
        self.choices: Choices | None = None
        """Groups, price lists and payment terms, once loaded."""
        self.saving = False
        """Whether a save is running."""
        self.closing = False
        """Whether the screen is being left on purpose (no question about changes)."""

    # Layout ---------------------------------------------------------------------------------

    def banner_text(self) -> str:
        """The mode banner."""
        return _("EDIT · F10 or Ctrl+S saves · Esc cancels")

    def compose_extra(self) -> Iterable[Widget]:
        """Widgets between the banner and the tabs (a subclass adds the duplicate warning)."""
        return ()

    def compose(self) -> ComposeResult:
        """Header, banner, the form in tabs, and the key bar."""
        if self.data is None:
            self.original = PartyValues(country=self.context.settings.region)
        values = self.original
        yield Header(icon=HEADER_ICON)
        yield Label(self.banner_text(), id="mode-banner", classes="-edit", markup=False)
        yield from self.compose_extra()
        with PartyTabs(id="tabs", initial="tab-main"):
            with TabPane(_("1 Main"), id="tab-main"), VerticalScroll(classes="form"):
                yield from self.text_fields(values, "company", "company2", "street")
                yield FormField(
                    "postcode",
                    editing.field_label("postcode"),
                    values.postcode,
                    parse=self.parse_postcode,
                    max_length=16,
                )
                yield from self.text_fields(values, "city")
                yield FormField(
                    "country",
                    editing.field_label("country"),
                    values.country,
                    parse=validation.country,
                    required=True,
                    required_message=_("Enter the country as two letters, like DE."),
                    max_length=2,
                )
                yield Label(_("Phone numbers"), classes="form-heading")
                yield from self.phone_fields(values.phones)
                yield Label(_("Email addresses"), classes="form-heading")
                for index, address in enumerate((*values.emails, "")):
                    yield FormField(
                        f"email-{index}",
                        _("Email"),
                        address,
                        parse=validation.email,
                        max_length=254,
                    )
            with TabPane(_("2 Other"), id="tab-other"), VerticalScroll(classes="form"):
                for name in ("group_id", "price_list_id", "payment_terms_id"):
                    yield ChoiceField(name, editing.field_label(name), values.get(name))
                yield from self.text_fields(values, "marketing_source")
                interval = values.contact_interval_days
                yield FormField(
                    "contact_interval_days",
                    editing.field_label("contact_interval_days"),
                    str(interval) if interval else "",
                    parse=lambda text: validation.whole_number(text, 1, 3650),
                    max_length=4,
                )
                yield FormField(
                    "credit_limit",
                    editing.field_label("credit_limit"),
                    amount_text(values.credit_limit),
                    parse=validation.amount,
                    max_length=20,
                )
                yield Checkbox(
                    _("Blocked for credit"), values.blocked, id="field-blocked", compact=True
                )
            with TabPane(_("3 Personal"), id="tab-personal"), VerticalScroll(classes="form"):
                yield from self.text_fields(
                    values, "salutation", "title", "first_name", "last_name"
                )
                yield FormField(
                    "birthday",
                    editing.field_label("birthday"),
                    day_text(values.birthday),
                    parse=validation.birthday,
                    placeholder=_("dd.mm.yyyy"),
                    max_length=10,
                )
            with TabPane(_("4 Contacts"), id="tab-contacts"), VerticalScroll():
                yield PersonList("", id="persons")
            with TabPane(_("5 Bank"), id="tab-bank"), VerticalScroll(classes="form"):
                yield FormField(
                    "iban",
                    editing.field_label("iban"),
                    values.iban,
                    parse=validation.iban,
                    max_length=42,
                )
                yield FormField(
                    "bic",
                    editing.field_label("bic"),
                    values.bic,
                    parse=validation.bic,
                    max_length=11,
                )
                yield from self.text_fields(values, "bank_name", "holder")
            with TabPane(_("6 Notes"), id="tab-notes"):
                yield TextArea(values.notes, id="field-notes", compact=True)
        yield Footer()

    def text_fields(self, values: PartyValues, *names: str) -> Iterable[FormField]:
        """Plain text fields."""
        for name in names:
            yield FormField(
                name, editing.field_label(name), values.get(name), max_length=TEXT_FIELDS[name]
            )

    def phone_fields(self, numbers: tuple[PhoneValue, ...]) -> Iterable[PhoneField]:
        """One line per stored number and two empty ones for new numbers."""
        kinds = [
            (editing.phone_kind_label(kind), kind) for kind in ("phone", "mobile", "fax", "other")
        ]
        region = self.context.settings.region
        lines = [(phone.kind, phones.display(phone.e164, region)) for phone in numbers]
        lines.extend((kind, "") for kind in BLANK_PHONES)
        for index, (kind, text) in enumerate(lines):
            yield PhoneField(f"phone-{index}", kinds, kind, text, parse=self.parse_phone)

    def on_mount(self) -> None:
        """Title, contact persons, and the lookup lists."""
        if self.data is not None:
            self.title = f"{self.data.number}: {self.data.name}"
            self.query_one(PersonList).show(self.data.persons)
        else:
            self.query_one(PersonList).show(())
        self.query(FormField).first().input.focus()
        self.load_choices()

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def load_choices(self) -> None:
        """Read groups, price lists and payment terms in a thread."""
        with db.connection_context():
            choices = editing.choices()
        self.app.call_from_thread(self.show_choices, choices)

    def show_choices(self, choices: Choices) -> None:
        """Fill the three choice lists."""
        self.choices = choices
        lists = {
            "group_id": choices.groups,
            "price_list_id": choices.price_lists,
            "payment_terms_id": choices.payment_terms,
        }
        for name, entries in lists.items():
            field = self.query_one(f"#field-{name}", ChoiceField)
            field.set_choices([(f"{entry.code} {entry.name}", entry.id) for entry in entries])

    # Checking -------------------------------------------------------------------------------

    def parse_postcode(self, text: str) -> str:
        """A postcode of the country typed in the country field."""
        country = self.query_one("#field-country", FormField).text.upper()
        return validation.postcode(text, country or self.context.settings.region)

    def parse_phone(self, text: str) -> str:
        """A phone number in E.164 (default region from the config)."""
        return validation.phone(text, self.context.settings.region)

    def form_field(self, name: str) -> FormField:
        """The form line of value ``name``."""
        return self.query_one(f"#field-{name}", FormField)

    def collect(self, *, strict: bool = True) -> PartyValues:
        """The values of the form; unchanged fields keep their stored value exactly.

        Args:
            strict: Raise for the first field that does not check out (and show every
                message); otherwise keep the stored value of such fields, quietly.

        Raises:
            FieldError: ``strict`` and a field does not check out.
        """
        original = self.original
        bad: list[FormField] = []

        def read(name: str, field: FormField | None = None, empty: Any = "") -> Any:
            field = field or self.form_field(name)
            if not field.changed:
                return original.get(name)
            try:
                value = field.value(show=strict)
            except ValidationError:
                bad.append(field)
                return original.get(name)
            return empty if value is None else value

        chosen: dict[str, Any] = {
            name: read(name) for name in (*TEXT_FIELDS, "postcode", "country", "iban", "bic")
        }
        chosen["birthday"] = read("birthday", empty=None)
        chosen["contact_interval_days"] = read("contact_interval_days", empty=None)
        chosen["credit_limit"] = read("credit_limit", empty=Decimal("0.00"))
        for name in ("group_id", "price_list_id", "payment_terms_id"):
            chosen[name] = self.query_one(f"#field-{name}", ChoiceField).value
        chosen["blocked"] = self.query_one("#field-blocked", Checkbox).value
        chosen["notes"] = self.query_one("#field-notes", TextArea).text
        numbers: list[PhoneValue] = []
        for index, field in enumerate(self.query(PhoneField)):
            if not field.changed and index < len(original.phones):
                numbers.append(original.phones[index])
                continue
            if not field.text:
                continue
            try:
                numbers.append(PhoneValue(field.kind, field.value(show=strict), field.text))
            except ValidationError:
                bad.append(field)
        chosen["phones"] = tuple(numbers)
        addresses: list[str] = []
        for line in self.query(FormField):
            if not line.field.startswith("email-"):
                continue
            position = int(line.field.removeprefix("email-"))
            if not line.changed and position < len(original.emails):
                addresses.append(original.emails[position])
            elif line.text:
                try:
                    addresses.append(line.value(show=strict))
                except ValidationError:
                    bad.append(line)
        chosen["emails"] = tuple(dict.fromkeys(addresses))
        if strict and bad:
            self.reveal(bad[0])
            raise FieldError(bad[0].field, bad[0].error)
        return PartyValues(**chosen)

    def reveal(self, widget: Widget) -> None:
        """Show the tab holding ``widget`` and put the cursor into it."""
        for ancestor in widget.ancestors:
            if isinstance(ancestor, TabPane) and ancestor.id:
                self.query_one(PartyTabs).active = ancestor.id
                break
        target = widget.input if isinstance(widget, FormField) else widget
        self.call_after_refresh(target.focus)

    def show_field_error(self, error: FieldError) -> None:
        """Show a record-level error beside its field and go there."""
        names = {"emails": "email-0", "phones": "phone-0"}
        name = names.get(error.field, error.field)
        matches = self.query(f"#field-{name}")
        if matches:
            widget = matches.first()
            if isinstance(widget, FormField):
                widget.show_error(error.msg)
            self.reveal(widget)
        self.notify(error.msg, title=error.title, severity="error", markup=False)

    @property
    def has_unsaved_changes(self) -> bool:
        """Whether anything in the form differs from what it started with."""
        if self.closing or not self.is_mounted:
            return False
        if any(field.changed for field in self.query(FormField)):
            return True
        if any(field.loaded and field.value != field.initial for field in self.query(ChoiceField)):
            return True
        original = self.data.values if self.data is not None else self.original
        return bool(
            self.query_one("#field-blocked", Checkbox).value != original.blocked
            or self.query_one("#field-notes", TextArea).text != original.notes
        )

    # Saving ---------------------------------------------------------------------------------

    def describe(self, name: str, value: Any) -> str:
        """A value as the clerk reads it (for the conflict dialog)."""
        if value is None or value == "" or value == ():
            return "-"
        if name == "birthday" and isinstance(value, date):
            return formatting.day(value)
        if name == "credit_limit" and isinstance(value, Decimal):
            return formatting.money(value)
        if name == "blocked":
            return _("Yes") if value else _("No")
        if name == "phones":
            region = self.context.settings.region
            return ", ".join(phones.display(phone.e164, region) for phone in value)
        if name == "emails":
            return ", ".join(value)
        if name.endswith("_id") and self.choices is not None:
            entries = {
                "group_id": self.choices.groups,
                "price_list_id": self.choices.price_lists,
                "payment_terms_id": self.choices.payment_terms,
            }[name]
            for entry in entries:
                if entry.id == value:
                    return f"{entry.code} {entry.name}"
        return str(value)

    def action_show_tab(self, name: str) -> None:
        """Show the tab ``name`` (Alt+1 … Alt+6)."""
        self.query_one(PartyTabs).show_tab(name)

    def action_next_tab(self) -> None:
        """Show the next tab (Ctrl+PgDn)."""
        self.query_one(PartyTabs).step(1)

    def action_previous_tab(self) -> None:
        """Show the previous tab (Ctrl+PgUp)."""
        self.query_one(PartyTabs).step(-1)

    def action_save(self) -> None:
        """Check every field, then save in one transaction (F10, Ctrl+S)."""
        if self.saving:
            return
        try:
            mine = self.collect()
            editing.check(mine)
        except FieldError as error:
            self.show_field_error(error)
            return
        if self.data is not None and not editing.changed_fields(self.original, mine):
            self.notify(_("Nothing changed."))
            self.leave()
            return
        self.saving = True
        self.write(mine)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def write(self, mine: PartyValues) -> None:
        """Save in a thread; a conflict or a refused value comes back to the form."""
        try:
            with db.connection_context():
                self.store(mine)
        except ConflictError as conflict:
            self.app.call_from_thread(self.resolve, conflict, mine)
        except FieldError as error:
            self.app.call_from_thread(self.refused, error)
        except CrmError as error:
            self.app.call_from_thread(self.refused, error)

    def store(self, mine: PartyValues) -> None:
        """Write the values (runs in the save thread)."""
        assert self.data is not None
        editing.save(self.data.id, self.original, self.version, mine, self.context.settings.clerk)
        self.app.call_from_thread(self.saved)

    def saved(self) -> None:
        """Back to the inquiry, which shows the saved data."""
        self.saving = False
        self.notify(_("Saved."))
        self.leave()

    def refused(self, error: CrmError) -> None:
        """Show why the save was refused; the form keeps every value."""
        self.saving = False
        if isinstance(error, FieldError):
            self.show_field_error(error)
        else:
            self.notify(error.msg, title=error.title, severity="error", markup=False)

    def resolve(self, conflict: ConflictError, mine: PartyValues) -> None:
        """Let the clerk choose between the other clerk's values and these, then save."""
        self.saving = False

        def chosen(take_mine: frozenset[str] | None) -> None:
            if take_mine is None:
                self.notify(_("Not saved; your changes are still in the form."), severity="warning")
                return
            merged = editing.merge(self.original, conflict.theirs, mine, take_mine)
            self.original = conflict.theirs
            self.version = conflict.version
            self.saving = True
            self.write(merged)

        self.app.push_screen(ConflictModal(conflict.conflicts, self.describe), chosen)

    def leave(self) -> None:
        """Leave the edit mode without asking."""
        self.closing = True
        self.app.pop_screen()

    def action_back(self) -> None:
        """Esc: leave; with unsaved changes, ask first."""
        if not self.has_unsaved_changes:
            self.leave()
            return

        def answer(confirmed: bool | None) -> None:
            if confirmed:
                self.leave()

        self.app.push_screen(ConfirmModal(_("Discard your unsaved changes?")), answer)
