"""The customer inquiry (Kundenauskunft): everything about one party in a bounded number of
queries, as frozen rows the screen can show without touching the database again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from peewee import JOIN, Case, fn

from tui_crm.db import queries
from tui_crm.db.models import (
    BankAccount,
    Bookmark,
    Clerk,
    ContactLog,
    ContactPerson,
    CustomerGroup,
    Document,
    Email,
    FollowUp,
    NumberHistory,
    OpenItem,
    Party,
    PaymentTerms,
    Phone,
    PriceList,
)
from tui_crm.errors import CrmError
from tui_crm.i18n import _
from tui_crm.services import phones
from tui_crm.services.editing import (
    PARTY_SELECT,
    PartyValues,
    dicts,
    tuples,
    values_from,
)
from tui_crm.services.transactions import retrying, writing

LIST_LIMIT = 20
"""Open follow-ups and recent contacts shown on the notes tab."""

QUERIES = 11
"""Queries :func:`load` runs for a party found by its current number (pinned by a test)."""


class PartyNotFound(CrmError):
    """No customer or prospect has the number."""


@dataclass(frozen=True, slots=True)
class PhoneLine:
    """A phone number as the inquiry shows it."""

    kind: str
    """``phone``, ``mobile``, ``fax`` or ``other``."""
    e164: str
    """The stored number (for dialling)."""
    display: str
    """National format for the default region, international otherwise."""
    is_main: bool
    """The main number."""


@dataclass(frozen=True, slots=True)
class EmailLine:
    """An email address."""

    address: str
    """The address."""
    kind: str
    """``work``, ``private`` …"""
    is_main: bool
    """The main address."""


@dataclass(frozen=True, slots=True)
class PersonLine:
    """A contact person (Ansprechpartner) with their numbers and addresses."""

    id: int
    """Database id."""
    salutation: str
    """Herr, Frau …"""
    title: str
    """Academic title."""
    first_name: str
    """First name."""
    last_name: str
    """Last name."""
    position: str
    """Position in the company."""
    department: str
    """Department."""
    birthday: date | None
    """Date of birth."""
    notes: str
    """Notes."""
    phones: tuple[PhoneLine, ...]
    """Direct numbers."""
    emails: tuple[EmailLine, ...]
    """Addresses."""

    @property
    def name(self) -> str:
        """Title, first and last name."""
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class BankLine:
    """A bank account."""

    iban: str
    """IBAN (compact)."""
    bic: str
    """BIC."""
    bank_name: str
    """Name of the bank."""
    holder: str
    """Account holder."""
    mandate_reference: str
    """SEPA mandate reference, empty without a mandate."""
    mandate_date: date | None
    """Date of the SEPA mandate."""
    is_main: bool
    """The main account."""


@dataclass(frozen=True, slots=True)
class FollowUpLine:
    """An open follow-up (Wiedervorlage)."""

    due_date: date
    """Due day."""
    due_time: time | None
    """Due time, if any."""
    subject: str
    """Subject."""
    owner: str
    """Name of the clerk it belongs to."""


@dataclass(frozen=True, slots=True)
class ContactLine:
    """An entry of the contact log."""

    at: datetime
    """When."""
    kind: str
    """``phone_in``, ``visit`` … (see ``models.CONTACT_KINDS``)."""
    topic: str
    """Topic."""
    clerk: str
    """Name of the clerk."""


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures shown above every tab."""

    open_balance: Decimal
    """Sum of what is still unpaid on open items."""
    overdue: Decimal
    """The part of :attr:`open_balance` past its due date."""
    open_items: int
    """Number of open items."""
    dunning_level: int
    """Highest dunning level of the open items (0: none)."""
    credit_limit: Decimal
    """Credit limit."""
    blocked: bool
    """Blocked for credit."""
    last_contact: datetime | None
    """Last contact of any kind."""
    next_follow_up: date | None
    """Due day of the earliest open follow-up."""
    next_follow_up_subject: str
    """Its subject."""
    year: int
    """The current year (revenue figures)."""
    revenue_this_year: Decimal
    """Net invoiced this year, less credit notes."""
    revenue_last_year: Decimal
    """Net invoiced last year, less credit notes."""


@dataclass(frozen=True, slots=True)
class Inquiry:
    """Everything the inquiry screen shows of one party."""

    id: int
    """Database id."""
    number: str
    """Current number."""
    kind: str
    """``customer`` or ``prospect``."""
    version: int
    """Optimistic-lock version (the edit mode starts from it)."""
    values: PartyValues
    """The editable values."""
    group: str
    """Customer group, ``code name``."""
    price_list: str
    """Price list, ``code name``."""
    payment_terms: str
    """Payment terms, ``code name``."""
    clerk: str
    """Name of the clerk in charge."""
    referred_by: str
    """``number name`` of the party that referred this one."""
    contact_count: int
    """Number of contacts logged."""
    created_at: datetime | None
    """When the record was created."""
    updated_at: datetime | None
    """Last change."""
    converted_at: datetime | None
    """When the prospect became a customer."""
    former_numbers: tuple[str, ...]
    """Numbers the party had before (prospect number)."""
    phones: tuple[PhoneLine, ...]
    """The party's own numbers, main first."""
    emails: tuple[EmailLine, ...]
    """The party's own addresses, main first."""
    persons: tuple[PersonLine, ...]
    """Contact persons."""
    bank_accounts: tuple[BankLine, ...]
    """Bank accounts, main first."""
    follow_ups: tuple[FollowUpLine, ...]
    """Open follow-ups, earliest first (at most :data:`LIST_LIMIT`)."""
    contacts: tuple[ContactLine, ...]
    """Latest contacts, newest first (at most :data:`LIST_LIMIT`)."""
    summary: Summary
    """The figures shown above every tab."""
    bookmarked: bool
    """Whether this clerk bookmarked the party."""

    @property
    def name(self) -> str:
        """Company, else first and last name."""
        return self.values.display_name


def _party_row(number: str) -> dict[str, Any] | None:
    referrer = Party.alias()
    owner = Clerk.alias()
    query = (
        Party.select(
            *PARTY_SELECT,
            Party.contact_count,
            Party.last_contact_at,
            Party.created_at,
            Party.updated_at,
            Party.converted_at,
            CustomerGroup.code.alias("group_code"),
            CustomerGroup.name.alias("group_name"),
            PriceList.code.alias("price_list_code"),
            PriceList.name.alias("price_list_name"),
            PaymentTerms.code.alias("terms_code"),
            PaymentTerms.name.alias("terms_name"),
            owner.name.alias("clerk_name"),
            referrer.number.alias("referrer_number"),
            referrer.company.alias("referrer_company"),
            referrer.first_name.alias("referrer_first"),
            referrer.last_name.alias("referrer_last"),
        )
        .join_from(Party, CustomerGroup, JOIN.LEFT_OUTER, on=(Party.group == CustomerGroup.id))
        .join_from(Party, PriceList, JOIN.LEFT_OUTER, on=(Party.price_list == PriceList.id))
        .join_from(
            Party, PaymentTerms, JOIN.LEFT_OUTER, on=(Party.payment_terms == PaymentTerms.id)
        )
        .join_from(Party, owner, JOIN.LEFT_OUTER, on=(Party.clerk == owner.id))
        .join_from(Party, referrer, JOIN.LEFT_OUTER, on=(Party.referred_by == referrer.id))
    )
    rows = dicts(query.where(Party.number == number))
    if not rows:
        former = NumberHistory.select(NumberHistory.party).where(NumberHistory.number == number)
        rows = dicts(query.where(Party.id.in_(former)).limit(1))
    return rows[0] if rows else None


def _coded(code: object, name: object) -> str:
    return " ".join(str(part) for part in (code, name) if part)


def _summary(
    party_id: int, row: dict[str, Any], values: PartyValues, today: date, follow_ups: list[Any]
) -> Summary:
    balance = OpenItem.amount - OpenItem.paid
    item = tuples(
        OpenItem.select(
            fn.SUM(balance).coerce(False),
            fn.SUM(Case(None, ((OpenItem.due_date < today, balance),), 0)).coerce(False),
            fn.COUNT(OpenItem.id),
            fn.MAX(OpenItem.dunning_level),
        ).where((OpenItem.party == party_id) & OpenItem.closed_at.is_null())
    )[0]
    this_year, last_year = date(today.year, 1, 1), date(today.year - 1, 1, 1)

    def net(kind: str, since: date, until: date) -> Any:
        matches = (Document.kind == kind) & (Document.date >= since) & (Document.date < until)
        return fn.SUM(Case(None, ((matches, Document.net_total),), 0)).coerce(False)

    next_year = date(today.year + 1, 1, 1)
    revenue = tuples(
        Document.select(
            net("invoice", this_year, next_year),
            net("credit_note", this_year, next_year),
            net("invoice", last_year, this_year),
            net("credit_note", last_year, this_year),
        ).where(
            (Document.party == party_id)
            & (Document.date >= last_year)
            & (Document.date < next_year)
            & (Document.kind.in_(("invoice", "credit_note")))
            & (Document.status != "cancelled")
        )
    )[0]
    money = OpenItem.amount.to_decimal
    first = follow_ups[0] if follow_ups else None
    return Summary(
        open_balance=money(item[0]),
        overdue=money(item[1]),
        open_items=int(item[2] or 0),
        dunning_level=int(item[3] or 0),
        credit_limit=values.credit_limit,
        blocked=values.blocked,
        last_contact=row["last_contact_at"],
        next_follow_up=first.due_date if first else None,
        next_follow_up_subject=first.subject if first else "",
        year=today.year,
        revenue_this_year=money(revenue[0]) - money(revenue[1]),
        revenue_last_year=money(revenue[2]) - money(revenue[3]),
    )


def load(number: str, clerk_id: int, *, region: str = "DE", today: date | None = None) -> Inquiry:
    """Load everything the inquiry shows of the party with ``number`` (current or former).

    Runs :data:`QUERIES` queries, each on an index, whatever the size of the history: the
    party with its lookups, phones, emails, contact persons, bank accounts, open-item
    totals, revenue, open follow-ups, recent contacts, former numbers and the bookmark.

    Args:
        number: The customer or prospect number (a former prospect number works too).
        clerk_id: The clerk looking (for the bookmark).
        region: Default phone region for display.
        today: The day overdue items and revenue years are counted from (default today).

    Raises:
        PartyNotFound: No party has or had ``number``.
    """
    today = today or date.today()
    row = _party_row(number)
    if row is None:
        raise PartyNotFound(
            _("No customer or prospect with number {number}").format(number=number),
            title=_("Customer"),
        )
    party_id = int(row["id"])
    phone_rows = tuples(
        Phone.select(Phone.contact_person, Phone.kind, Phone.e164, Phone.as_entered, Phone.is_main)
        .where(Phone.party == party_id)
        .order_by(Phone.is_main.desc(), Phone.id)
    )
    email_rows = tuples(
        Email.select(Email.contact_person, Email.address, Email.kind, Email.is_main)
        .where(Email.party == party_id)
        .order_by(Email.is_main.desc(), Email.id)
    )
    person_rows = dicts(
        ContactPerson.select(
            ContactPerson.id,
            ContactPerson.salutation,
            ContactPerson.title,
            ContactPerson.first_name,
            ContactPerson.last_name,
            ContactPerson.position,
            ContactPerson.department,
            ContactPerson.birthday,
            ContactPerson.notes,
        )
        .where(ContactPerson.party == party_id)
        .order_by(ContactPerson.last_name, ContactPerson.first_name, ContactPerson.id)
    )
    bank_rows = dicts(
        BankAccount.select(
            BankAccount.iban,
            BankAccount.bic,
            BankAccount.bank_name,
            BankAccount.holder,
            BankAccount.mandate_reference,
            BankAccount.mandate_date,
            BankAccount.is_main,
        )
        .where(BankAccount.party == party_id)
        .order_by(BankAccount.is_main.desc(), BankAccount.id)
    )
    owner = Clerk.alias()
    follow_ups = [
        FollowUpLine(due, at, str(subject), str(name or login or ""))
        for due, at, subject, name, login in tuples(
            FollowUp.select(
                FollowUp.due_date, FollowUp.due_time, FollowUp.subject, owner.name, owner.login
            )
            .join(owner, JOIN.LEFT_OUTER, on=(FollowUp.owner == owner.id))
            .where((FollowUp.party == party_id) & FollowUp.done_at.is_null())
            .order_by(FollowUp.due_date, FollowUp.id)
            .limit(LIST_LIMIT)
        )
    ]
    writer = Clerk.alias()
    contacts = tuple(
        ContactLine(at, str(kind), str(topic), str(name or login or ""))
        for at, kind, topic, name, login in tuples(
            ContactLog.select(
                ContactLog.at, ContactLog.kind, ContactLog.topic, writer.name, writer.login
            )
            .join(writer, JOIN.LEFT_OUTER, on=(ContactLog.clerk == writer.id))
            .where(ContactLog.party == party_id)
            .order_by(ContactLog.at.desc(), ContactLog.id.desc())
            .limit(LIST_LIMIT)
        )
    )
    former = tuple(
        str(former_number)
        for (former_number,) in tuples(
            NumberHistory.select(NumberHistory.number)
            .where(NumberHistory.party == party_id)
            .order_by(NumberHistory.valid_until.desc())
        )
    )
    bookmarked = bool(
        tuples(
            Bookmark.select(Bookmark.id)
            .where((Bookmark.clerk == clerk_id) & (Bookmark.party == party_id))
            .limit(1)
        )
    )

    own_phones = [(k, e, raw) for person, k, e, raw, _main in phone_rows if person is None]
    own_emails = [address for person, address, _kind, _main in email_rows if person is None]
    main_bank = next(
        (
            {name: bank[name] for name in ("iban", "bic", "bank_name", "holder")}
            for bank in bank_rows
        ),
        None,
    )
    values = values_from(row, own_phones, own_emails, main_bank)

    def phone_line(kind: str, e164: str, raw: str, is_main: bool) -> PhoneLine:
        shown = phones.shown(str(e164), str(raw or ""), region)
        return PhoneLine(str(kind), str(e164), shown, bool(is_main))

    persons = tuple(
        PersonLine(
            id=int(person["id"]),
            salutation=str(person["salutation"]),
            title=str(person["title"]),
            first_name=str(person["first_name"]),
            last_name=str(person["last_name"]),
            position=str(person["position"]),
            department=str(person["department"]),
            birthday=person["birthday"],
            notes=str(person["notes"]),
            phones=tuple(
                phone_line(kind, e164, raw, is_main)
                for owner_id, kind, e164, raw, is_main in phone_rows
                if owner_id == person["id"]
            ),
            emails=tuple(
                EmailLine(str(address), str(kind), bool(is_main))
                for owner_id, address, kind, is_main in email_rows
                if owner_id == person["id"]
            ),
        )
        for person in person_rows
    )
    referrer_person = " ".join(
        str(part) for part in (row["referrer_first"], row["referrer_last"]) if part
    )
    referrer_name = str(row["referrer_company"] or referrer_person)
    return Inquiry(
        id=party_id,
        number=str(row["number"]),
        kind=str(row["kind"]),
        version=int(row["version"]),
        values=values,
        group=_coded(row["group_code"], row["group_name"]),
        price_list=_coded(row["price_list_code"], row["price_list_name"]),
        payment_terms=_coded(row["terms_code"], row["terms_name"]),
        clerk=str(row["clerk_name"] or ""),
        referred_by=_coded(row["referrer_number"], referrer_name),
        contact_count=int(row["contact_count"] or 0),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        converted_at=row["converted_at"],
        former_numbers=former,
        phones=tuple(
            phone_line(kind, e164, raw, is_main)
            for person, kind, e164, raw, is_main in phone_rows
            if person is None
        ),
        emails=tuple(
            EmailLine(str(address), str(kind), bool(is_main))
            for person, address, kind, is_main in email_rows
            if person is None
        ),
        persons=persons,
        bank_accounts=tuple(
            BankLine(
                iban=str(bank["iban"]),
                bic=str(bank["bic"]),
                bank_name=str(bank["bank_name"]),
                holder=str(bank["holder"]),
                mandate_reference=str(bank["mandate_reference"]),
                mandate_date=bank["mandate_date"],
                is_main=bool(bank["is_main"]),
            )
            for bank in bank_rows
        ),
        follow_ups=tuple(follow_ups),
        contacts=contacts,
        summary=_summary(party_id, row, values, today, follow_ups),
        bookmarked=bookmarked,
    )


@retrying
def record_opened(clerk_id: int, party_id: int) -> None:
    """Put the party at the top of the clerk's recently opened list (one short write)."""
    with writing():
        queries.touch_recent(clerk_id, party_id)
