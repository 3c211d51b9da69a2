"""Finding and showing customers and prospects; the start screen's lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tui_crm.db import queries
from tui_crm.db.models import Clerk, Party
from tui_crm.errors import CrmError
from tui_crm.services import phones


@dataclass(frozen=True, slots=True)
class PartyRow:
    """One line of a customer list."""

    id: int
    """Database id."""
    number: str
    """Customer or prospect number."""
    name: str
    """Company, else first and last name."""
    kind: str
    """``customer`` or ``prospect``."""
    city: str
    """City of the address."""
    phone: str
    """Main phone, formatted for display."""
    blocked: bool
    """Blocked for credit."""


@dataclass(frozen=True, slots=True)
class PartyDetail:
    """What the customer inquiry shows of one party."""

    id: int
    """Database id."""
    number: str
    """Customer or prospect number."""
    kind: str
    """``customer`` or ``prospect``."""
    name: str
    """Company, else first and last name."""
    salutation: str
    """Herr, Frau … (private customers)."""
    title: str
    """Academic title."""
    person: str
    """First and last name."""
    company2: str
    """Second company line."""
    street: str
    """Street and house number."""
    postcode: str
    """Postcode."""
    city: str
    """City."""
    country: str
    """ISO country code."""
    birthday: date | None
    """Birthday of a private customer."""
    blocked: bool
    """Blocked for credit."""
    notes: str
    """Free notes."""
    phones: tuple[tuple[str, str], ...]
    """``(kind, formatted number)`` pairs, main number first."""
    emails: tuple[str, ...]
    """Email addresses, main first."""


class CustomerNotFound(CrmError):
    """No customer or prospect has the number."""


def _name(row: dict[str, object]) -> str:
    person = " ".join(str(part) for part in (row["first_name"], row["last_name"]) if part)
    return str(row["company"] or person)


def _rows(rows: list[dict[str, object]], region: str) -> list[PartyRow]:
    ids = [int(str(row["id"])) for row in rows]
    main = queries.main_phones(ids)
    return [
        PartyRow(
            id=int(str(row["id"])),
            number=str(row["number"]),
            name=_name(row),
            kind=str(row["kind"]),
            city=str(row["city"]),
            phone=phones.display(main.get(int(str(row["id"])), ""), region),
            blocked=bool(row["blocked"]),
        )
        for row in rows
    ]


def search(query: str, *, limit: int = 100, region: str = "DE") -> list[PartyRow]:
    """Find customers and prospects by number prefix or name, city, street, email words.

    Args:
        query: What the clerk typed.
        limit: The most rows to return.
        region: Default phone region for display.

    Returns:
        Matching parties, number hits first.
    """
    return _rows(queries.search_parties(query, limit), region)


def ensure_clerk(login: str) -> int:
    """Return the id of the clerk ``login``, creating the clerk on first use."""
    existing = queries.clerk_id(login)
    if existing is not None:
        return existing
    clerk, _created = Clerk.get_or_create(login=login, defaults={"name": login})
    return int(clerk.id)


def recent(clerk: int, *, limit: int = 20, region: str = "DE") -> list[PartyRow]:
    """The parties the clerk opened last, newest first."""
    return _rows(queries.recent_parties(clerk, limit), region)


def bookmarks(clerk: int, *, limit: int = 20, region: str = "DE") -> list[PartyRow]:
    """The parties the clerk bookmarked, newest first."""
    return _rows(queries.bookmarked_parties(clerk, limit), region)


def open_party(number: str, clerk: int, *, region: str = "DE") -> PartyDetail:
    """Load one party for the inquiry and record it as recently opened by ``clerk``.

    Raises:
        CustomerNotFound: No party has ``number``.
    """
    party = queries.party_by_number(number)
    if party is None:
        raise CustomerNotFound(f"No customer or prospect with number {number}", title="Search")
    phone_rows, email_rows = queries.party_contacts(party.id)
    with party._meta.database.atomic():
        queries.touch_recent(clerk, party.id)
    return _detail(party, phone_rows, email_rows, region)


def _detail(party: Party, phone_rows: list, email_rows: list, region: str) -> PartyDetail:
    person = " ".join(part for part in (party.first_name, party.last_name) if part)
    return PartyDetail(
        id=party.id,
        number=party.number,
        kind=party.kind,
        name=party.display_name,
        salutation=party.salutation,
        title=party.title,
        person=person,
        company2=party.company2,
        street=party.street,
        postcode=party.postcode,
        city=party.city,
        country=party.country,
        birthday=party.birthday,
        blocked=party.blocked,
        notes=party.notes,
        phones=tuple((row.kind, phones.display(row.e164, region)) for row in phone_rows),
        emails=tuple(row.address for row in email_rows),
    )
