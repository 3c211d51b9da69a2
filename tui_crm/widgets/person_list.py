"""PersonList: the contact persons of a party with their numbers and addresses, read-only."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.editing import phone_kind_label
from tui_crm.services.inquiry import PersonLine


def person_block(person: PersonLine) -> Content:
    """One contact person: name, position, numbers, addresses, birthday, notes."""
    head = " ".join(part for part in (person.salutation, person.name) if part)
    lines = [Content.styled(head or "-", "bold")]
    role = ", ".join(part for part in (person.position, person.department) if part)
    if role:
        lines.append(Content(f"  {role}"))
    for phone in person.phones:
        lines.append(Content(f"  {phone_kind_label(phone.kind)}: {phone.display}"))
    for email in person.emails:
        lines.append(Content(f"  {_('Email')}: {email.address}"))
    if person.birthday:
        lines.append(Content(f"  {_('Birthday')}: {formatting.day(person.birthday)}"))
    if person.notes:
        lines.append(Content(f"  {person.notes}"))
    return Content("\n").join(lines)


class PersonList(Static):
    """Every contact person of a party, one block each."""

    def show(self, persons: tuple[PersonLine, ...]) -> None:
        """Show ``persons`` (a sentence when there are none)."""
        if not persons:
            self.update(Content(_("No contact persons.")))
            return
        self.update(Content("\n\n").join(person_block(person) for person in persons))
