"""Finding and showing customers and prospects; the start screen's lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

import phonenumbers

from tui_crm.db import queries
from tui_crm.db.connection import db
from tui_crm.db.models import Clerk, Party
from tui_crm.db.text import words
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
    balance: Decimal = Decimal("0.00")
    """Open items balance (unpaid invoices less credit notes)."""


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


NUMBER = re.compile(r"^[A-Za-z]?\d+$")
PHONE = re.compile(r"^[\d\s+()/.\-]+$")
_display_phone = lru_cache(maxsize=65_536)(phones.display)
"""Formatting a number costs a phonenumbers parse; lists show the same numbers again and again."""

MAX_HITS = 10_000
"""The most hits a search lists; the list shows how many there are up to this."""


@dataclass(frozen=True, slots=True)
class PhoneQuery:
    """How a typed phone number is looked up."""

    e164_prefix: str
    """``+49221…`` when typed from the start (``0221 12``, ``+49 221``), else empty."""
    last_digits: str
    """The national digits to match at the end of numbers (``221-123456``, ``3456``)."""


def phone_query(text: str, region: str = "DE") -> PhoneQuery | None:
    """Read what was typed as a phone number, or None if it is not one.

    A number written from the start, nationally (``0221 / 12 34 56``) or internationally
    (``+49 221 123456``, ``0049 221 123456``), is a prefix of stored E.164 numbers; digits
    without a leading 0 or + (``221-123456``, ``123456``) are the end of a number.
    Fewer than three digits are not a phone search.
    """
    if not PHONE.match(text):
        return None
    # "+49 (0)221 …": the bracketed trunk zero is not dialled after the country code.
    text = text.replace("(0)", "")
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    if text.strip().startswith("+") or digits.startswith("00"):
        international = digits.removeprefix("00")
        try:
            national = str(phonenumbers.parse("+" + international, None).national_number)
        except phonenumbers.NumberParseException:
            national = ""
        return PhoneQuery("+" + international, national)
    if digits.startswith("0"):
        code = phonenumbers.country_code_for_region(region)
        return PhoneQuery(f"+{code}{digits[1:]}", digits[1:])
    return PhoneQuery("", digits)


def search_ids(query: str, *, limit: int = 100, region: str = "DE") -> list[int]:
    """Party ids for ``query``, ranked: exact number, number prefix, phone, names, the rest.

    Args:
        query: What the clerk typed: a number, a phone number in any format, or words.
        limit: The most ids to return.
        region: Default phone region for national numbers.

    Returns:
        Up to ``limit`` ids, each once, best first.
    """
    text = query.strip()
    if not text:
        return []
    database = db.obj
    found: dict[int, None] = {}

    def add(ids: list[int]) -> None:
        for party in ids:
            found.setdefault(party, None)

    if NUMBER.match(text):
        add(queries.number_hits(database, text.upper(), limit))
        add(queries.former_number_hits(database, text.upper()))
    phone = phone_query(text, region)
    if phone and phone.e164_prefix:
        add(queries.phone_prefix_hits(database, phone.e164_prefix, limit))
    elif phone and len(found) < limit:
        add(queries.phone_hits(database, phone.last_digits, limit - len(found)))
    terms = words(text)
    if terms and len(found) < limit:
        add(queries.word_hits(database, terms, limit))
    return list(found)[:limit]


def rows(ids: list[int], *, region: str = "DE") -> list[PartyRow]:
    """The list rows of ``ids`` in that order (main phone and open items balance included)."""
    data = queries.party_rows(db.obj, ids)
    main = queries.main_phones([int(row["id"]) for row in data])
    return [
        PartyRow(
            id=int(row["id"]),
            number=str(row["number"]),
            name=_name(row),
            kind=str(row["kind"]),
            city=str(row["city"]),
            phone=_display_phone(main.get(int(row["id"]), ""), region),
            blocked=bool(row["blocked"]),
            balance=row["balance"],
        )
        for row in data
    ]


def search(query: str, *, limit: int = 100, region: str = "DE") -> list[PartyRow]:
    """Find customers, prospects and contact persons' parties; see :func:`search_ids`."""
    return rows(search_ids(query, limit=limit, region=region), region=region)


def ensure_clerk(login: str) -> int:
    """Return the id of the clerk ``login``, creating the clerk on first use."""
    existing = queries.clerk_id(login)
    if existing is not None:
        return existing
    clerk, _created = Clerk.get_or_create(login=login, defaults={"name": login})
    return int(clerk.id)


def recent(clerk: int, *, limit: int = 20, region: str = "DE") -> list[PartyRow]:
    """The parties the clerk opened last, newest first."""
    return rows([int(row["id"]) for row in queries.recent_parties(clerk, limit)], region=region)


def bookmarks(clerk: int, *, limit: int = 20, region: str = "DE") -> list[PartyRow]:
    """The parties the clerk bookmarked, newest first."""
    return rows([int(row["id"]) for row in queries.bookmarked_parties(clerk, limit)], region=region)


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
