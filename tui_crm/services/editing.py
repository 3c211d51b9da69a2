"""Changing customers and prospects: save with optimistic locking, create, convert, bookmark.

Every write runs in one transaction (``BEGIN IMMEDIATE`` on SQLite, so two clerks cannot both
read and then both write) and leaves one :class:`~tui_crm.db.models.AuditLog` row per changed
field. A save names the version the clerk started from; when another clerk saved the same party
since then, nothing is written and :class:`ConflictError` lists the fields that differ, with
the value before, theirs and mine, so the clerk can choose.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from peewee import Database, Field

from tui_crm.db import search_index
from tui_crm.db.connection import db
from tui_crm.db.models import (
    AuditLog,
    BankAccount,
    Bookmark,
    CustomerGroup,
    Email,
    NumberHistory,
    Party,
    PaymentTerms,
    Phone,
    PriceList,
    Sequence,
    now,
)
from tui_crm.db.text import search_key, words
from tui_crm.errors import CrmError
from tui_crm.i18n import _
from tui_crm.services import validation
from tui_crm.services.roles import Permission, require
from tui_crm.services.transactions import retrying, writing
from tui_crm.services.validation import FieldError

PARTY_FIELDS = (
    "salutation",
    "title",
    "first_name",
    "last_name",
    "company",
    "company2",
    "street",
    "postcode",
    "city",
    "country",
    "birthday",
    "group_id",
    "price_list_id",
    "payment_terms_id",
    "contact_interval_days",
    "marketing_source",
    "credit_limit",
    "blocked",
    "notes",
)
"""Editable columns of the ``party`` row (``*_id`` are the foreign keys)."""

BANK_FIELDS = ("iban", "bic", "bank_name", "holder")
"""Editable columns of the party's main bank account."""

FIELDS = (*PARTY_FIELDS, "phones", "emails", *BANK_FIELDS)
"""Every editable field of :class:`PartyValues`, in form order."""

SEQUENCE_DEFAULTS = {"customer": ("", 10000), "prospect": ("I", 10000)}
"""Prefix and first value of a number sequence created on first use."""

DUPLICATE_LIMIT = 10
"""The most possible duplicates reported."""


@dataclass(frozen=True, slots=True)
class PhoneValue:
    """One of the party's own phone numbers."""

    kind: str
    """``phone``, ``mobile``, ``fax`` or ``other``."""
    e164: str
    """The number in E.164."""
    as_entered: str = field(default="", compare=False)
    """What the clerk typed (kept for reference; not compared)."""


@dataclass(frozen=True, slots=True)
class PartyValues:
    """Everything the edit mode can change of a party, as stored (E.164, compact IBAN …)."""

    salutation: str = ""
    """Herr, Frau, Firma …"""
    title: str = ""
    """Academic title."""
    first_name: str = ""
    """First name."""
    last_name: str = ""
    """Last name."""
    company: str = ""
    """Company name (line 1)."""
    company2: str = ""
    """Company name (line 2)."""
    street: str = ""
    """Street and house number."""
    postcode: str = ""
    """Postcode."""
    city: str = ""
    """City."""
    country: str = "DE"
    """ISO country code."""
    birthday: date | None = None
    """Date of birth."""
    group_id: int | None = None
    """Customer group."""
    price_list_id: int | None = None
    """Price list."""
    payment_terms_id: int | None = None
    """Payment terms."""
    contact_interval_days: int | None = None
    """Days between contacts before the party shows in the call suggestions."""
    marketing_source: str = ""
    """Where the party heard of us."""
    credit_limit: Decimal = Decimal("0.00")
    """Credit limit."""
    blocked: bool = False
    """Blocked for credit."""
    notes: str = ""
    """Free notes."""
    phones: tuple[PhoneValue, ...] = ()
    """The party's own numbers, main number first."""
    emails: tuple[str, ...] = ()
    """The party's own addresses, main first."""
    iban: str = ""
    """IBAN of the main bank account (compact); empty: no bank account."""
    bic: str = ""
    """BIC of the main bank account."""
    bank_name: str = ""
    """Name of the bank."""
    holder: str = ""
    """Account holder."""

    @property
    def display_name(self) -> str:
        """Company, else ``first last``."""
        person = " ".join(part for part in (self.first_name, self.last_name) if part)
        return self.company or person

    def get(self, name: str) -> Any:
        """The value of field ``name``."""
        return getattr(self, name)


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """A field another clerk changed since this clerk loaded the party."""

    field: str
    """The field name (see :data:`FIELDS`)."""
    old: Any
    """The value when this clerk started editing."""
    theirs: Any
    """The value the other clerk saved."""
    mine: Any
    """The value this clerk wants to save."""

    @property
    def both_changed(self) -> bool:
        """Whether this clerk changed the field too (not just the other clerk)."""
        return bool(self.mine != self.old)


class ConflictError(CrmError):
    """Another clerk saved the party meanwhile; nothing was written.

    Args:
        conflicts: The fields where the saved values differ from this clerk's.
        theirs: The values saved now.
        version: The version saved now (the base of the next try).
    """

    def __init__(
        self, conflicts: tuple[FieldConflict, ...], theirs: PartyValues, version: int
    ) -> None:
        names = ", ".join(conflict.field for conflict in conflicts)
        super().__init__(
            _("Another clerk saved this customer meanwhile ({fields}).").format(fields=names),
            title=_("Conflict"),
        )
        self.conflicts = conflicts
        """Fields that differ, with the value before, theirs and mine."""
        self.theirs = theirs
        """The values saved by the other clerk."""
        self.version = version
        """The version saved by the other clerk."""


class PartyNotFound(CrmError):
    """The party was deleted (or never existed)."""


class NotAProspect(CrmError):
    """Only prospects can be converted to customers."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The values of a party as stored now, with its version."""

    id: int
    """Database id."""
    number: str
    """Current number."""
    kind: str
    """``customer`` or ``prospect``."""
    version: int
    """Optimistic-lock version."""
    values: PartyValues
    """The editable values."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a lookup table (group, price list, payment terms)."""

    id: int
    """Database id."""
    code: str
    """Short code."""
    name: str
    """Name."""


@dataclass(frozen=True, slots=True)
class Choices:
    """The lookup tables the edit form offers."""

    groups: tuple[Choice, ...]
    """Customer groups."""
    price_lists: tuple[Choice, ...]
    """Price lists."""
    payment_terms: tuple[Choice, ...]
    """Payment terms."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An existing party that looks like the one being typed."""

    id: int
    """Database id."""
    number: str
    """Its number."""
    kind: str
    """``customer`` or ``prospect``."""
    name: str
    """Company, else first and last name."""
    postcode: str
    """Postcode."""
    city: str
    """City."""
    reasons: tuple[str, ...]
    """What matched: ``phone``, ``email``, ``name``."""


def field_label(name: str) -> str:
    """The label of an editable field, translated."""
    labels = {
        "salutation": _("Salutation"),
        "title": _("Title"),
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "company": _("Company"),
        "company2": _("Company (line 2)"),
        "street": _("Street"),
        "postcode": _("Postcode"),
        "city": _("City"),
        "country": _("Country"),
        "birthday": _("Birthday"),
        "group_id": _("Customer group"),
        "price_list_id": _("Price list"),
        "payment_terms_id": _("Payment terms"),
        "contact_interval_days": _("Contact interval (days)"),
        "marketing_source": _("Source"),
        "credit_limit": _("Credit limit"),
        "blocked": _("Blocked"),
        "notes": _("Notes"),
        "phones": _("Phone numbers"),
        "emails": _("Email addresses"),
        "iban": _("IBAN"),
        "bic": _("BIC"),
        "bank_name": _("Bank"),
        "holder": _("Account holder"),
    }
    return labels.get(name, name)


def phone_kind_label(kind: str) -> str:
    """The label of a kind of phone number, translated."""
    labels = {"phone": _("Phone"), "mobile": _("Mobile"), "fax": _("Fax"), "other": _("Other")}
    return labels.get(kind, kind)


# Reading ---------------------------------------------------------------------------------


def tuples(query: Any) -> list[tuple[Any, ...]]:
    """Run a query and return its rows as tuples (the stubs type rows as models)."""
    return [tuple(row) for row in query.tuples()]


def dicts(query: Any) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts by column name or alias."""
    return [dict(row) for row in query.dicts()]


def _column(name: str) -> Field:
    """The Party field behind a value name (``group_id`` → ``Party.group``)."""
    fields_by_name: dict[str, Field] = Party._meta.fields
    return (
        fields_by_name[name.removesuffix("_id")] if name.endswith("_id") else fields_by_name[name]
    )


PARTY_SELECT = (
    Party.id,
    Party.number,
    Party.kind,
    Party.version,
    *(_column(name).alias(name) for name in PARTY_FIELDS),
)
"""The columns :func:`values_from` needs, aliased to the value names."""


def values_from(
    row: dict[str, Any],
    phone_rows: list[tuple[str, str, str]],
    emails: list[str],
    bank: dict[str, Any] | None,
) -> PartyValues:
    """Build :class:`PartyValues` from a party row (aliased as :data:`PARTY_SELECT`).

    Args:
        row: The party's columns by value name.
        phone_rows: ``(kind, e164, as_entered)`` of the party's own phones, main first.
        emails: The party's own addresses, main first.
        bank: The main bank account's columns, or None.
    """
    party: dict[str, Any] = {name: row[name] for name in PARTY_FIELDS}
    party["credit_limit"] = party["credit_limit"] or Decimal("0.00")
    party["blocked"] = bool(party["blocked"])
    bank_values: dict[str, Any] = {name: str((bank or {}).get(name) or "") for name in BANK_FIELDS}
    return PartyValues(
        **party,
        phones=tuple(PhoneValue(kind, e164, raw) for kind, e164, raw in phone_rows),
        emails=tuple(emails),
        **bank_values,
    )


def _own_phones(party_id: int) -> list[tuple[str, str, str]]:
    query = (
        Phone.select(Phone.kind, Phone.e164, Phone.as_entered)
        .where((Phone.party == party_id) & Phone.contact_person.is_null())
        .order_by(Phone.is_main.desc(), Phone.id)
    )
    return [(str(kind), str(e164), str(raw)) for kind, e164, raw in tuples(query)]


def _own_emails(party_id: int) -> list[str]:
    query = (
        Email.select(Email.address)
        .where((Email.party == party_id) & Email.contact_person.is_null())
        .order_by(Email.is_main.desc(), Email.id)
    )
    return [str(address) for (address,) in tuples(query)]


def _main_bank(party_id: int) -> dict[str, Any] | None:
    query = (
        BankAccount.select(
            BankAccount.id,
            BankAccount.iban,
            BankAccount.bic,
            BankAccount.bank_name,
            BankAccount.holder,
        )
        .where(BankAccount.party == party_id)
        .order_by(BankAccount.is_main.desc(), BankAccount.id)
        .limit(1)
    )
    rows = dicts(query)
    return rows[0] if rows else None


def snapshot(party_id: int) -> Snapshot:
    """Read the party's editable values and version as stored now (four queries).

    Raises:
        PartyNotFound: No party has the id.
    """
    rows = dicts(Party.select(*PARTY_SELECT).where(Party.id == party_id))
    if not rows:
        raise PartyNotFound(_("This customer no longer exists."), title=_("Customer"))
    row = rows[0]
    values = values_from(row, _own_phones(party_id), _own_emails(party_id), _main_bank(party_id))
    return Snapshot(
        int(row["id"]), str(row["number"]), str(row["kind"]), int(row["version"]), values
    )


def choices() -> Choices:
    """The customer groups, price lists and payment terms, by code (three queries)."""

    def load(model: Any) -> tuple[Choice, ...]:
        query = model.select(model.id, model.code, model.name).order_by(model.code)
        return tuple(Choice(int(i), str(code), str(name)) for i, code, name in tuples(query))

    return Choices(load(CustomerGroup), load(PriceList), load(PaymentTerms))


# Checking and comparing ------------------------------------------------------------------


def check(values: PartyValues) -> None:
    """Check a whole record before it is written (the form checks each field as it is typed).

    Raises:
        FieldError: The first field that is missing or wrong, named in ``field``.
    """
    if not values.company.strip() and not values.last_name.strip():
        raise FieldError("last_name", _("Enter a last name or a company."))
    try:
        validation.country(values.country)
    except CrmError as error:
        raise FieldError("country", error.msg) from None
    if values.postcode:
        try:
            validation.postcode(values.postcode, values.country)
        except CrmError as error:
            raise FieldError("postcode", error.msg) from None
    for address in values.emails:
        try:
            validation.email(address)
        except CrmError as error:
            raise FieldError("emails", error.msg) from None
    if values.iban:
        try:
            validation.iban(values.iban)
        except CrmError as error:
            raise FieldError("iban", error.msg) from None
    if not values.iban and (values.bic or values.bank_name or values.holder):
        raise FieldError("iban", _("Enter the IBAN of the bank account."))
    if values.bic:
        try:
            validation.bic(values.bic)
        except CrmError as error:
            raise FieldError("bic", error.msg) from None
    if values.credit_limit < 0:
        raise FieldError("credit_limit", _("The credit limit cannot be negative."))
    interval = values.contact_interval_days
    if interval is not None and not 1 <= interval <= 3650:
        raise FieldError("contact_interval_days", _("Enter 1 to 3650 days, or leave it empty."))


def changed_fields(before: PartyValues, after: PartyValues) -> tuple[str, ...]:
    """The names of the fields whose values differ."""
    return tuple(name for name in FIELDS if before.get(name) != after.get(name))


def differing(
    original: PartyValues, theirs: PartyValues, mine: PartyValues
) -> tuple[FieldConflict, ...]:
    """Fields another clerk changed (theirs ≠ original) where this clerk's value differs."""
    return tuple(
        FieldConflict(name, original.get(name), theirs.get(name), mine.get(name))
        for name in FIELDS
        if theirs.get(name) != original.get(name) and mine.get(name) != theirs.get(name)
    )


def merge(
    original: PartyValues,
    theirs: PartyValues,
    mine: PartyValues,
    take_mine: frozenset[str] = frozenset(),
) -> PartyValues:
    """Combine two saves: a field only one clerk changed keeps that change; a field both
    changed (or only the other clerk changed) keeps theirs unless it is in ``take_mine``.
    """
    chosen = {
        name: mine.get(name)
        if theirs.get(name) == original.get(name) or name in take_mine
        else theirs.get(name)
        for name in FIELDS
    }
    return replace(theirs, **chosen)


def audit_text(value: Any) -> str | None:
    """A value as the audit log stores it (ISO dates, plain decimals, ``+49…`` lists)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(
            f"{item.kind} {item.e164}" if isinstance(item, PhoneValue) else str(item)
            for item in value
        )
    return str(value)


# Writing ---------------------------------------------------------------------------------


def _database() -> Database:
    database: Database = db.obj
    return database


def _search_key(number: str, values: PartyValues) -> str:
    return search_key(
        values.first_name,
        values.last_name,
        values.company,
        values.company2,
        values.street,
        values.postcode,
        values.city,
        number,
        *values.emails,
    )


def _audit(
    party_id: int, table: str, row_id: int, name: str, old: Any, new: Any, clerk: str
) -> dict[str, Any]:
    return {
        "table_name": table,
        "row_id": row_id,
        "party": party_id,
        "field": name,
        "old_value": audit_text(old),
        "new_value": audit_text(new),
        "clerk": clerk,
        "at": now(),
    }


def _write_phones(
    party_id: int, before: tuple[PhoneValue, ...], after: tuple[PhoneValue, ...]
) -> None:
    own = (Phone.party == party_id) & Phone.contact_person.is_null()
    added = list(after)
    removed = []
    for phone in before:
        if phone in added:
            added.remove(phone)
        else:
            removed.append(phone)
    for phone in removed:
        row = (
            Phone.select(Phone.id)
            .where(own & (Phone.kind == phone.kind) & (Phone.e164 == phone.e164))
            .order_by(Phone.id.desc())
            .first()
        )
        if row is not None:
            Phone.delete().where(Phone.id == row.id).execute()
    for phone in added:
        Phone.insert(
            party=party_id,
            kind=phone.kind,
            e164=phone.e164,
            as_entered=phone.as_entered or phone.e164,
            reversed_digits=phone.e164[1:][::-1],
            is_main=False,
        ).execute()
    Phone.update(is_main=False).where(own & Phone.is_main).execute()
    if after:
        main = (
            Phone.select(Phone.id)
            .where(own & (Phone.kind == after[0].kind) & (Phone.e164 == after[0].e164))
            .order_by(Phone.id)
            .first()
        )
        if main is not None:
            Phone.update(is_main=True).where(Phone.id == main.id).execute()


def _write_emails(party_id: int, before: tuple[str, ...], after: tuple[str, ...]) -> None:
    own = (Email.party == party_id) & Email.contact_person.is_null()
    gone = [address for address in before if address not in after]
    if gone:
        Email.delete().where(own & Email.address.in_(gone)).execute()
    for address in after:
        if address not in before:
            Email.insert(party=party_id, address=address, kind="work", is_main=False).execute()
    Email.update(is_main=False).where(own).execute()
    if after:
        Email.update(is_main=True).where(own & (Email.address == after[0])).execute()


def _write_bank(
    party_id: int, before: PartyValues, after: PartyValues, clerk: str
) -> list[dict[str, Any]]:
    changed = [name for name in BANK_FIELDS if before.get(name) != after.get(name)]
    if not changed:
        return []
    current = _main_bank(party_id)
    if not after.iban:
        if current is not None:
            BankAccount.delete().where(BankAccount.id == current["id"]).execute()
        row_id = int(current["id"]) if current else 0
    elif current is None:
        row_id = int(
            BankAccount.insert(
                party=party_id,
                iban=after.iban,
                bic=after.bic,
                bank_name=after.bank_name,
                holder=after.holder,
                is_main=True,
            ).execute()
        )
    else:
        row_id = int(current["id"])
        BankAccount.update({name: after.get(name) for name in changed}).where(
            BankAccount.id == row_id
        ).execute()
    return [
        _audit(party_id, "bank_account", row_id, name, before.get(name), after.get(name), clerk)
        for name in changed
    ]


class _Raced(Exception):
    """Another transaction bumped the version between our read and our write (PostgreSQL)."""


@retrying
def save(party_id: int, original: PartyValues, version: int, mine: PartyValues, clerk: str) -> int:
    """Write this clerk's changes if nobody else saved the party since ``version``.

    When another clerk saved meanwhile but only changed fields this clerk left alone (or
    changed them to the same values), the two saves are merged. Otherwise nothing is written.

    Args:
        party_id: The party.
        original: The values the clerk started editing from.
        version: The version the clerk started editing from.
        mine: The values the clerk wants to store.
        clerk: Login of the clerk, for the audit log.

    Returns:
        The party's version after the save (unchanged when nothing differed).

    Raises:
        FieldError: A value is missing or invalid; nothing is written.
        ConflictError: Another clerk saved different values; nothing is written.
        PartyNotFound: The party was deleted meanwhile.
        PermissionDenied: The clerk's role may not change customers.
    """
    check(mine)
    for _attempt in range(3):
        try:
            return _save_once(party_id, original, version, mine, clerk)
        except _Raced:
            continue
    raise CrmError(_("The customer is being changed right now; save again."), title=_("Save"))


def _save_once(
    party_id: int, original: PartyValues, version: int, mine: PartyValues, clerk: str
) -> int:
    with writing() as database:
        require(clerk, Permission.EDIT)
        stored = snapshot(party_id)
        base = original
        if stored.version != version:
            conflicts = differing(original, stored.values, mine)
            if conflicts:
                raise ConflictError(conflicts, stored.values, stored.version)
            mine = merge(original, stored.values, mine)
            base = stored.values
        changes = [
            name for name in changed_fields(base, mine) if mine.get(name) != stored.values.get(name)
        ]
        if not changes:
            return stored.version
        # This clerk's changes on top of what is stored now.
        result = replace(stored.values, **{name: mine.get(name) for name in changes})
        updated = (
            Party.update(
                {
                    **{_column(name): mine.get(name) for name in changes if name in PARTY_FIELDS},
                    Party.version: stored.version + 1,
                    Party.updated_at: now(),
                    Party.search_key: _search_key(stored.number, result),
                }
            )
            .where((Party.id == party_id) & (Party.version == stored.version))
            .execute()
        )
        if updated != 1:
            raise _Raced
        audit = [
            _audit(
                party_id, "party", party_id, name, stored.values.get(name), mine.get(name), clerk
            )
            for name in changes
            if name not in BANK_FIELDS
        ]
        if "phones" in changes:
            _write_phones(party_id, stored.values.phones, mine.phones)
        if "emails" in changes:
            _write_emails(party_id, stored.values.emails, mine.emails)
        audit.extend(_write_bank(party_id, stored.values, result, clerk))
        if audit:
            AuditLog.insert_many(audit).execute()
        search_index.reindex_parties(database, [party_id])
        return stored.version + 1


def next_number(sequence: str) -> str:
    """Hand out the next number of ``sequence`` (``customer``, ``prospect``); call in a
    write transaction. The sequence row is created when missing, and numbers that are
    already taken (current or former) are skipped.
    """
    found = tuples(
        Sequence.select(Sequence.prefix, Sequence.next_value).where(Sequence.name == sequence)
    )
    if found:
        row = found[0]
    else:
        prefix, start = SEQUENCE_DEFAULTS.get(sequence, ("", 10000))
        Sequence.insert(name=sequence, prefix=prefix, next_value=start).execute()
        row = (prefix, start)
    prefix, value = str(row[0]), int(row[1])
    while True:
        number = f"{prefix}{value}"
        value += 1
        taken = (
            Party.select(Party.id).where(Party.number == number).exists()
            or NumberHistory.select(NumberHistory.id).where(NumberHistory.number == number).exists()
        )
        if not taken:
            break
    Sequence.update(next_value=value).where(Sequence.name == sequence).execute()
    return number


@retrying
def create(kind: str, values: PartyValues, clerk: str) -> str:
    """Create a customer or prospect with a number from its sequence.

    Args:
        kind: ``customer`` or ``prospect``.
        values: The values typed.
        clerk: Login of the clerk, for the audit log.

    Returns:
        The new number.

    Raises:
        FieldError: A value is missing or invalid; nothing is written.
    """
    if kind not in SEQUENCE_DEFAULTS:
        raise ValueError(f"unknown party kind {kind!r}")
    check(values)
    with writing() as database:
        require(clerk, Permission.EDIT)
        number = next_number(kind)
        stamp = now()
        party_id = int(
            Party.insert(
                {
                    Party.number: number,
                    Party.kind: kind,
                    **{_column(name): values.get(name) for name in PARTY_FIELDS},
                    Party.created_at: stamp,
                    Party.updated_at: stamp,
                    Party.version: 1,
                    Party.search_key: _search_key(number, values),
                }
            ).execute()
        )
        _write_phones(party_id, (), values.phones)
        _write_emails(party_id, (), values.emails)
        _write_bank(party_id, PartyValues(), values, clerk)
        AuditLog.insert(
            _audit(party_id, "party", party_id, "number", None, number, clerk)
        ).execute()
        search_index.reindex_parties(database, [party_id])
    return number


@retrying
def convert_to_customer(party_id: int, clerk: str) -> str:
    """Turn a prospect into a customer: a new customer number, the old one kept as a former
    number, on the same row, so every document, contact and follow-up stays with it.

    Returns:
        The new customer number.

    Raises:
        NotAProspect: The party is a customer already (perhaps converted by another clerk).
        PartyNotFound: No party has the id.
    """
    with writing() as database:
        require(clerk, Permission.EDIT)
        stored = snapshot(party_id)
        if stored.kind != "prospect":
            raise NotAProspect(
                _("{number} is a customer already.").format(number=stored.number),
                title=_("Convert"),
            )
        number = next_number("customer")
        stamp = now()
        NumberHistory.insert(
            party=party_id, number=stored.number, kind="prospect", valid_until=stamp
        ).execute()
        updated = (
            Party.update(
                {
                    Party.number: number,
                    Party.kind: "customer",
                    Party.converted_at: stamp,
                    Party.updated_at: stamp,
                    Party.version: stored.version + 1,
                    Party.search_key: _search_key(number, stored.values),
                }
            )
            .where((Party.id == party_id) & (Party.kind == "prospect"))
            .execute()
        )
        if updated != 1:
            raise NotAProspect(_("This prospect was converted meanwhile."), title=_("Convert"))
        AuditLog.insert_many(
            [
                _audit(party_id, "party", party_id, "number", stored.number, number, clerk),
                _audit(party_id, "party", party_id, "kind", "prospect", "customer", clerk),
            ]
        ).execute()
        search_index.reindex_parties(database, [party_id])
    return number


@retrying
def toggle_bookmark(clerk_id: int, party_id: int) -> bool:
    """Bookmark the party for the clerk, or remove the bookmark (Merken).

    Returns:
        Whether the party is bookmarked now.
    """
    with writing():
        mine = (Bookmark.clerk == clerk_id) & (Bookmark.party == party_id)
        if Bookmark.delete().where(mine).execute():
            return False
        Bookmark.insert(clerk=clerk_id, party=party_id, created_at=now()).execute()
        return True


def find_duplicates(
    values: PartyValues, *, exclude: int | None = None, limit: int = DUPLICATE_LIMIT
) -> list[Duplicate]:
    """Existing parties with the same phone (E.164), email, or folded name and postcode.

    At most four queries, each on an index (``phone.e164``, ``email.address``,
    ``party.postcode``).

    Args:
        values: What is being typed.
        exclude: A party not to report (the one being edited).
        limit: The most parties to return.
    """
    reasons: dict[int, list[str]] = {}

    def found(party_ids: list[int], reason: str) -> None:
        for party_id in party_ids:
            if party_id != exclude:
                reasons.setdefault(party_id, [])
                if reason not in reasons[party_id]:
                    reasons[party_id].append(reason)

    numbers = sorted({phone.e164 for phone in values.phones if phone.e164})
    if numbers:
        by_phone = Phone.select(Phone.party).where(Phone.e164.in_(numbers)).limit(limit + 1)
        found([int(party) for (party,) in tuples(by_phone)], "phone")
    addresses = sorted({variant for a in values.emails for variant in (a, a.lower()) if a})
    if addresses:
        by_email = Email.select(Email.party).where(Email.address.in_(addresses)).limit(limit + 1)
        found([int(party) for (party,) in tuples(by_email)], "email")
    name_words = words(values.display_name)
    postcode = values.postcode.strip()
    if name_words and postcode:
        condition = Party.postcode == postcode
        for word in name_words:
            condition &= (
                (Party.search_key == word)
                | Party.search_key.startswith(f"{word} ")
                | Party.search_key.endswith(f" {word}")
                | Party.search_key.contains(f" {word} ")
            )
        by_name = Party.select(Party.id).where(condition).limit(limit + 1)
        found([int(party) for (party,) in tuples(by_name)], "name")
    if not reasons:
        return []
    ids = list(reasons)[:limit]
    rows = dicts(
        Party.select(
            Party.id,
            Party.number,
            Party.kind,
            Party.company,
            Party.first_name,
            Party.last_name,
            Party.postcode,
            Party.city,
        ).where(Party.id.in_(ids))
    )
    by_id = {int(row["id"]): row for row in rows}
    duplicates = []
    for party_id in ids:
        row = by_id.get(party_id)
        if row is None:
            continue
        person = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
        duplicates.append(
            Duplicate(
                id=party_id,
                number=str(row["number"]),
                kind=str(row["kind"]),
                name=str(row["company"] or person),
                postcode=str(row["postcode"]),
                city=str(row["city"]),
                reasons=tuple(reasons[party_id]),
            )
        )
    return duplicates
