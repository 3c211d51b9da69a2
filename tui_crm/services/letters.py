"""Letters to one customer: the field values, the file in the documents folder, the record.

A letter is rendered from a ``.docx`` template (:mod:`tui_crm.services.templates`) with the
customer's fields formatted in the locale, written into the customer's folder under the
documents folder with a name that never overwrites, and recorded as a :class:`Letter` row
with a contact-log entry of kind ``letter`` in one transaction. Dunning notices are letters
from the dunning templates with the open items (:func:`write_dunning_letter`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tui_crm import formatting, i18n
from tui_crm.config import CompanySettings, Settings
from tui_crm.db.connection import db
from tui_crm.db.models import (
    Article,
    BankAccount,
    Clerk,
    ContactLog,
    ContactPerson,
    CustomerGroup,
    Document,
    DocumentLine,
    Email,
    Letter,
    Mailing,
    OpenItem,
    Party,
    PaymentTerms,
    Phone,
    PriceList,
    now,
)
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.services import contacts, followups, phones, roles
from tui_crm.services.editing import dicts, tuples
from tui_crm.services.followups import UnknownParty
from tui_crm.services.roles import Permission
from tui_crm.services.templates import CompiledTemplate, clean
from tui_crm.services.transactions import writing

MAX_SUBJECT = 200
"""Width of the subject column (and of the contact log's topic)."""

Context = dict[str, Any]
"""The values a template is rendered with: strings, dicts and lists of them."""


class LetterError(CrmError):
    """A letter cannot be written (folder not writable, template missing …)."""


@dataclass(frozen=True, slots=True)
class LetterRow:
    """A letter kept on a customer (the correspondence tab)."""

    id: int
    """Database id."""
    party_id: int
    """The customer."""
    created_at: datetime
    """When it was written."""
    template: str
    """The template's file name."""
    subject: str
    """Its subject."""
    path: str
    """Where the ``.docx`` lies."""
    contact_person: str
    """The contact person it was addressed to."""
    mailing_id: int | None
    """The mail merge it was part of."""
    mailing: str
    """That mail merge's name."""
    clerk: str
    """Login of the clerk who wrote it."""


# Field values ---------------------------------------------------------------------------

_MALE = {"herr", "herrn", "mr", "mr."}
_FEMALE = {"frau", "mrs", "mrs.", "ms", "ms."}


def _text(value: object) -> str:
    return clean(str(value)) if value is not None else ""


def _joined(*parts: object) -> str:
    return " ".join(_text(part) for part in parts if part)


def salutation_line(salutation: str, title: str, first: str, last: str) -> str:
    """The greeting in the letter language: ``Sehr geehrte Frau Dr. Müller,``."""
    kind = salutation.strip().lower()
    german = i18n.language() == "de"
    if last and kind in _MALE:
        return f"Sehr geehrter Herr {_joined(title, last)}," if german else _en("Mr", title, last)
    if last and kind in _FEMALE:
        return f"Sehr geehrte Frau {_joined(title, last)}," if german else _en("Ms", title, last)
    if last and first and kind not in ("firma", "company"):
        return f"Guten Tag {_joined(first, last)}," if german else f"Dear {_joined(first, last)},"
    return "Sehr geehrte Damen und Herren," if german else "Dear Sir or Madam,"


def _en(form: str, title: str, last: str) -> str:
    return f"Dear {_joined(title or form, last)},"


def _address_person(salutation: str, title: str, first: str, last: str) -> str:
    """``Herrn Dr. Hans Müller`` (DIN 5008 writes Herrn in the address)."""
    if not (first or last):
        return ""
    kind = salutation.strip()
    if kind.lower() in _MALE and i18n.language() == "de":
        kind = "Herrn"
    elif kind.lower() in ("firma", "company"):
        kind = ""
    return _joined(kind, title, first, last)


def country_name(code: str, home: str) -> str:
    """The country's name in capitals (DIN 5008), empty for the home country."""
    if not code or code.upper() == home.upper():
        return ""
    from babel import Locale

    name = Locale.parse(i18n.locale_name()).territories.get(code.upper(), code)
    return str(name).upper()


def address_lines(party: dict[str, Any], person: dict[str, Any] | None, region: str) -> list[str]:
    """The DIN 5008 address block (Anschriftzone): at most six lines."""
    lines: list[str] = []
    own = _address_person(
        party["salutation"], party["title"], party["first_name"], party["last_name"]
    )
    if party["company"]:
        lines.append(_text(party["company"]))
        if party["company2"]:
            lines.append(_text(party["company2"]))
        if person is not None:
            lines.append(
                _address_person(
                    person["salutation"], person["title"], person["first_name"], person["last_name"]
                )
            )
        elif own:
            lines.append(own)
    else:
        lines.append(own)
        if person is not None:
            lines.append(
                _address_person(
                    person["salutation"], person["title"], person["first_name"], person["last_name"]
                )
            )
    if party["street"]:
        lines.append(_text(party["street"]))
    place = _joined(party["postcode"], party["city"])
    if place:
        lines.append(place)
    foreign = country_name(party["country"], region)
    if foreign:
        lines.append(foreign)
    lines = [line for line in lines if line]
    return [*lines[:5], lines[-1]] if len(lines) > 6 else lines


def _person_context(person: dict[str, Any] | None, region: str) -> dict[str, str]:
    if person is None:
        return {
            name: ""
            for name in (
                "salutation",
                "title",
                "first_name",
                "last_name",
                "name",
                "position",
                "department",
                "salutation_line",
                "email",
                "phone",
            )
        }
    return {
        "salutation": _text(person["salutation"]),
        "title": _text(person["title"]),
        "first_name": _text(person["first_name"]),
        "last_name": _text(person["last_name"]),
        "name": _joined(
            person["salutation"], person["title"], person["first_name"], person["last_name"]
        ),
        "position": _text(person["position"]),
        "department": _text(person["department"]),
        "salutation_line": salutation_line(
            person["salutation"], person["title"], person["first_name"], person["last_name"]
        ),
        "email": _text(person.get("email", "")),
        "phone": phones.display(person["phone"], region) if person.get("phone") else "",
    }


def company_context(company: CompanySettings) -> dict[str, str]:
    """The ``company`` fields from the config's ``[company]`` section."""
    from dataclasses import fields

    values = {item.name: _text(getattr(company, item.name)) for item in fields(company)}
    values["sender_line"] = " · ".join(
        part
        for part in (values["name"], values["street"], _joined(company.postcode, company.city))
        if part
    )
    return values


def _day(value: date | None) -> str:
    return formatting.day(value) if value else ""


def _long_day(value: date) -> str:
    from babel.dates import format_date

    return str(format_date(value, format="long", locale=i18n.locale_name()))


def _money(value: Decimal | None) -> str:
    return formatting.money(value if value is not None else Decimal("0.00"))


def _age(birthday: date | None, today: date) -> str:
    if birthday is None:
        return ""
    years = today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))
    return str(years)


_KIND = {"invoice": ("Rechnung", "Invoice"), "credit_note": ("Gutschrift", "Credit note")}
_DOCUMENT_KIND = {
    "quote": ("Angebot", "Quote"),
    "order": ("Auftrag", "Order"),
    "delivery_note": ("Lieferschein", "Delivery note"),
    "invoice": ("Rechnung", "Invoice"),
    "credit_note": ("Gutschrift", "Credit note"),
}


def _word(table: dict[str, tuple[str, str]], key: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if i18n.language() == "de" else pair[1]


@dataclass(frozen=True, slots=True)
class LetterOptions:
    """What a letter is about beyond the customer."""

    subject: str = ""
    """The subject line."""
    contact_person: int | None = None
    """The contact person it is addressed to."""
    document: int | None = None
    """A document whose fields and lines the template may show."""
    open_items: Sequence[int] | None = None
    """Only these open items (a dunning run); None: all open items of the customer."""
    dunning_level: int = 0
    """The dunning level of a dunning notice (0: none)."""
    fee: Decimal = Decimal("0.00")
    """Dunning fee."""
    interest: Decimal = Decimal("0.00")
    """Default interest."""
    pay_by: date | None = None
    """Day a dunning notice asks payment by."""


def clerk_context(login: str, company: CompanySettings) -> dict[str, str]:
    """The ``clerk`` fields of the clerk writing."""
    found = tuples(
        Clerk.select(Clerk.login, Clerk.name, Clerk.email, Clerk.extension).where(
            Clerk.login == login
        )
    )
    login, name, email, extension = found[0] if found else (login, "", "", "")
    phone = company.phone
    if phone and extension:
        phone = f"{phone}-{extension}"
    return {
        "login": _text(login),
        "name": _text(name or login),
        "email": _text(email or company.email),
        "phone": _text(phone),
        "extension": _text(extension),
    }


_PARTY_COLUMNS = (
    Party.id,
    Party.number,
    Party.kind,
    Party.salutation,
    Party.title,
    Party.first_name,
    Party.last_name,
    Party.company,
    Party.company2,
    Party.street,
    Party.postcode,
    Party.city,
    Party.country,
    Party.birthday,
    Party.marketing_source,
    Party.credit_limit,
    Party.converted_at,
    Party.created_at,
    CustomerGroup.name.alias("group_name"),
    PriceList.name.alias("price_list_name"),
    PaymentTerms.name.alias("payment_terms_name"),
    Clerk.name.alias("clerk_name"),
    Clerk.login.alias("clerk_login"),
)


def _party_rows(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    from peewee import JOIN

    query = (
        Party.select(*_PARTY_COLUMNS)
        .join(CustomerGroup, JOIN.LEFT_OUTER, on=(CustomerGroup.id == Party.group))
        .switch(Party)
        .join(PriceList, JOIN.LEFT_OUTER, on=(PriceList.id == Party.price_list))
        .switch(Party)
        .join(PaymentTerms, JOIN.LEFT_OUTER, on=(PaymentTerms.id == Party.payment_terms))
        .switch(Party)
        .join(Clerk, JOIN.LEFT_OUTER, on=(Clerk.id == Party.clerk))
        .where(Party.id.in_(list(ids)))
    )
    return {int(row["id"]): row for row in dicts(query)}


def _reach(ids: Sequence[int]) -> tuple[dict[int, str], dict[int, dict[str, str]]]:
    """Main email and first phone per kind of each party (own numbers, not contact persons')."""
    emails: dict[int, str] = {}
    for party, address in tuples(
        Email.select(Email.party, Email.address)
        .where(Email.party.in_(list(ids)) & Email.contact_person.is_null())
        .order_by(Email.party, Email.is_main.desc(), Email.id)
    ):
        emails.setdefault(int(party), str(address))
    numbers: dict[int, dict[str, str]] = {}
    for party, kind, e164 in tuples(
        Phone.select(Phone.party, Phone.kind, Phone.e164)
        .where(Phone.party.in_(list(ids)) & Phone.contact_person.is_null())
        .order_by(Phone.party, Phone.is_main.desc(), Phone.id)
    ):
        found = numbers.setdefault(int(party), {})
        found.setdefault("main", str(e164))
        found.setdefault(str(kind), str(e164))
    return emails, numbers


def _banks(ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    found: dict[int, tuple[str, str, str]] = {}
    for party, iban, bic, mandate in tuples(
        BankAccount.select(
            BankAccount.party, BankAccount.iban, BankAccount.bic, BankAccount.mandate_reference
        )
        .where(BankAccount.party.in_(list(ids)))
        .order_by(BankAccount.party, BankAccount.is_main.desc(), BankAccount.id)
    ):
        found.setdefault(int(party), (str(iban), str(bic), str(mandate)))
    return found


def _open_items(
    ids: Sequence[int], only: Sequence[int] | None, today: date
) -> dict[int, list[dict[str, Any]]]:
    query = (
        OpenItem.select(
            OpenItem.party,
            OpenItem.amount,
            OpenItem.paid,
            OpenItem.due_date,
            OpenItem.dunning_level,
            Document.number,
            Document.kind,
            Document.date,
            Document.reference,
        )
        .join(Document, on=(Document.id == OpenItem.document))
        .where(OpenItem.party.in_(list(ids)) & OpenItem.closed_at.is_null())
        .order_by(OpenItem.party, OpenItem.due_date, OpenItem.id)
    )
    if only is not None:
        query = query.where(OpenItem.id.in_(list(only)))
    found: dict[int, list[dict[str, Any]]] = {}
    for row in tuples(query):
        party, amount, paid, due, level, number, kind, day, reference = row
        found.setdefault(int(party), []).append(
            {
                "amount": amount,
                "paid": paid,
                "due": due,
                "level": int(level),
                "number": number,
                "kind": kind,
                "date": day,
                "reference": reference,
                "balance": amount - paid,
                "overdue": max((today - due).days, 0),
            }
        )
    return found


def _item_context(item: dict[str, Any]) -> dict[str, str]:
    return {
        "number": _text(item["number"]),
        "kind": _word(_KIND, item["kind"]),
        "date": _day(item["date"]),
        "due_date": _day(item["due"]),
        "days_overdue": str(item["overdue"]),
        "amount": _money(item["amount"]),
        "paid": _money(item["paid"]),
        "balance": _money(item["balance"]),
        "dunning_level": str(item["level"]),
        "reference": _text(item["reference"]),
    }


def _contact_person(contact_id: int, party_id: int) -> dict[str, Any]:
    rows = dicts(
        ContactPerson.select().where(
            (ContactPerson.id == contact_id) & (ContactPerson.party == party_id)
        )
    )
    if not rows:
        raise ValidationError(
            _("The contact person does not belong to this customer."), title=_("Letter")
        )
    email = (
        Email.select(Email.address)
        .where(Email.contact_person == contact_id)
        .order_by(Email.is_main.desc(), Email.id)
        .scalar()
    )
    phone = (
        Phone.select(Phone.e164)
        .where(Phone.contact_person == contact_id)
        .order_by(Phone.is_main.desc(), Phone.id)
        .scalar()
    )
    return {**rows[0], "email": email or "", "phone": phone or ""}


def _document_context(document_id: int | None, party_id: int) -> dict[str, Any]:
    empty: dict[str, Any] = {
        name: ""
        for name in (
            "number",
            "kind",
            "date",
            "due_date",
            "reference",
            "net_total",
            "vat_total",
            "gross_total",
        )
    }
    empty["lines"] = []
    if document_id is None:
        return empty
    document = Document.get_or_none((Document.id == document_id) & (Document.party == party_id))
    if document is None:
        raise ValidationError(_("The document does not belong to this customer."), _("Letter"))
    from peewee import JOIN

    lines = []
    for line in dicts(
        DocumentLine.select(DocumentLine, Article.number.alias("article_number"))
        .join(Article, JOIN.LEFT_OUTER, on=(Article.id == DocumentLine.article))
        .where(DocumentLine.document == document_id)
        .order_by(DocumentLine.position)
    ):
        article = line["article_number"] or ""
        lines.append(
            {
                "position": str(line["position"]),
                "article": _text(article),
                "text": _text(line["text"]),
                "quantity": formatting.number(line["quantity"].normalize()),
                "unit": _text(line["unit"]),
                "unit_price": _money(line["unit_price"]),
                "discount": formatting.number(line["discount_percent"]),
                "vat_rate": formatting.number(line["vat_rate"]),
                "net": _money(line["net"]),
            }
        )
    return {
        "number": _text(document.number),
        "kind": _word(_DOCUMENT_KIND, document.kind),
        "date": _day(document.date),
        "due_date": _day(document.due_date),
        "reference": _text(document.reference),
        "net_total": _money(document.net_total),
        "vat_total": _money(document.vat_total),
        "gross_total": _money(document.gross_total),
        "lines": lines,
    }


class ContextBuilder:
    """Builds the field values of many letters with a few queries per batch of customers.

    Args:
        settings: The settings (own company, region).
        clerk: Login of the clerk writing.
        today: The letters' date.
    """

    def __init__(self, settings: Settings, clerk: str, today: date) -> None:
        self.settings = settings
        self.today = today
        self.company = company_context(settings.company)
        """The ``company`` fields."""
        self.clerk = clerk_context(clerk, settings.company)
        """The ``clerk`` fields."""
        self.dates = {"today": _day(today), "today_long": _long_day(today)}

    def build(
        self, ids: Sequence[int], options: LetterOptions | None = None
    ) -> list[tuple[int, Context]]:
        """``(party id, field values)`` for each party of ``ids`` that exists, in order."""
        options = options or LetterOptions()
        region = self.settings.region
        parties = _party_rows(ids)
        emails, numbers = _reach(ids)
        banks = _banks(ids)
        items = _open_items(ids, options.open_items, self.today)
        result: list[tuple[int, Context]] = []
        for party_id in ids:
            party = parties.get(party_id)
            if party is None:
                continue
            person = (
                _contact_person(options.contact_person, party_id)
                if options.contact_person is not None
                else None
            )
            own = numbers.get(party_id, {})
            iban, bic, mandate = banks.get(party_id, ("", "", ""))
            lines = address_lines(party, person, region)
            mine = items.get(party_id, [])
            open_total = sum((item["balance"] for item in mine), Decimal("0.00"))
            overdue = sum(
                (item["balance"] for item in mine if item["overdue"] > 0), Decimal("0.00")
            )
            greeting = (
                salutation_line(
                    person["salutation"], person["title"], person["first_name"], person["last_name"]
                )
                if person is not None
                else salutation_line(
                    party["salutation"], party["title"], party["first_name"], party["last_name"]
                )
            )
            customer = {
                "number": _text(party["number"]),
                "kind": _("Customer") if party["kind"] == "customer" else _("Prospect"),
                "salutation": _text(party["salutation"]),
                "title": _text(party["title"]),
                "first_name": _text(party["first_name"]),
                "last_name": _text(party["last_name"]),
                "company": _text(party["company"]),
                "company2": _text(party["company2"]),
                "name": _text(party["company"] or _joined(party["first_name"], party["last_name"])),
                "person": _joined(
                    party["salutation"], party["title"], party["first_name"], party["last_name"]
                )
                if party["first_name"] or party["last_name"]
                else "",
                "street": _text(party["street"]),
                "postcode": _text(party["postcode"]),
                "city": _text(party["city"]),
                "country": _text(party["country"]),
                "country_name": country_name(party["country"], region),
                "address_block": "\n".join(lines),
                "address_lines": [{"text": line} for line in lines],
                "salutation_line": greeting,
                "birthday": _day(party["birthday"]),
                "age": _age(party["birthday"], self.today),
                "group": _text(party["group_name"] or ""),
                "price_list": _text(party["price_list_name"] or ""),
                "payment_terms": _text(party["payment_terms_name"] or ""),
                "marketing_source": _text(party["marketing_source"]),
                "credit_limit": _money(party["credit_limit"]),
                "email": _text(emails.get(party_id, "")),
                "phone": phones.display(own["main"], region) if "main" in own else "",
                "mobile": phones.display(own["mobile"], region) if "mobile" in own else "",
                "fax": phones.display(own["fax"], region) if "fax" in own else "",
                "clerk": _text(party["clerk_name"] or party["clerk_login"] or ""),
                "iban": iban,
                "bic": bic,
                "mandate_reference": _text(mandate),
                "customer_since": _day(
                    (party["converted_at"] or party["created_at"]).date()
                    if (party["converted_at"] or party["created_at"])
                    else None
                ),
                "open_balance": _money(open_total),
            }
            fee, interest = options.fee, options.interest
            result.append(
                (
                    party_id,
                    {
                        "customer": customer,
                        "contact": _person_context(person, region),
                        "clerk": self.clerk,
                        "company": self.company,
                        **self.dates,
                        "subject": _text(options.subject),
                        "open_items": [_item_context(item) for item in mine],
                        "open_total": _money(open_total),
                        "overdue_total": _money(overdue),
                        "dunning": {
                            "level": str(options.dunning_level) if options.dunning_level else "",
                            "fee": _money(fee),
                            "interest": _money(interest),
                            "total": _money(open_total + fee + interest),
                            "pay_by": _day(options.pay_by),
                        },
                        "document": _document_context(options.document, party_id),
                    },
                )
            )
        return result


# Files ----------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(text: str) -> str:
    """``text`` as a file or folder name: letters, digits, ``.``, ``_``, ``-`` only."""
    name = _UNSAFE.sub("-", text).strip(".-")
    return name[:80] or "letter"


def customer_folder(documents: Path, number: str) -> Path:
    """The customer's folder under the documents folder (one per customer number)."""
    return documents / safe_name(number)


def write_new(folder: Path, stem: str, data: bytes, suffix: str = ".docx") -> Path:
    """Write ``data`` to ``folder/stem.docx`` or ``stem-2.docx`` …, never over a file.

    The content is written to a temporary file first and linked into place, so no reader
    ever sees a half-written letter under its final name.

    Raises:
        LetterError: The folder cannot be created or written.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{stem}.{os.getpid()}.tmp"
        temporary.write_bytes(data)
        try:
            for attempt in range(1, 10_000):
                path = folder / (f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}")
                try:
                    os.link(temporary, path)
                except FileExistsError:
                    continue
                return path
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as error:
        raise LetterError(
            _("Cannot write into {folder}: {reason}").format(
                folder=folder, reason=error.strerror or error
            ),
            title=_("Letter"),
        ) from None
    raise LetterError(_("Too many letters of that name in {folder}.").format(folder=folder))


def letter_stem(today: date, template: str) -> str:
    """``2026-11-24-letter``: the day and the template's name."""
    return f"{today.isoformat()}-{safe_name(Path(template).stem)}"


# Recording ------------------------------------------------------------------------------


def record_letters(
    letters: Sequence[tuple[int, str]],
    template: str,
    subject: str,
    clerk: str,
    *,
    contact_person: int | None = None,
    mailing: int | None = None,
    log_contact: bool = True,
) -> list[int]:
    """Record written letters ``(party id, path)`` in one transaction; return their ids.

    Args:
        letters: The party and the file of each letter.
        template: The template's file name.
        subject: The subject (also the contact log's topic).
        clerk: Login of the clerk who wrote them.
        contact_person: The contact person addressed (single letters).
        mailing: The mail merge they belong to.
        log_contact: Also log a contact of kind ``letter`` (moves the last contact).
    """
    topic = (subject or Path(template).stem)[:MAX_SUBJECT]
    ids = []
    with writing():
        clerk_id, login = roles.require(clerk, Permission.EDIT)
        for party_id, path in letters:
            letter_id = int(
                Letter.insert(
                    {
                        Letter.party: party_id,
                        Letter.contact_person: contact_person,
                        Letter.mailing: mailing,
                        Letter.template: template[:500],
                        Letter.subject: subject[:MAX_SUBJECT],
                        Letter.path: path[:1000],
                        Letter.clerk: clerk_id,
                        Letter.created_at: now(),
                    }
                ).execute()
            )
            if log_contact:
                contact_id = contacts.insert_contact(
                    party_id,
                    contacts.ContactDraft(
                        kind="letter", topic=topic, contact_person=contact_person
                    ),
                    clerk_id,
                    login,
                )
                ContactLog.update({ContactLog.letter: letter_id}).where(
                    ContactLog.id == contact_id
                ).execute()
            ids.append(letter_id)
    return ids


def _party_by(number_or_id: str | int) -> int:
    if isinstance(number_or_id, int):
        if not Party.select(Party.id).where(Party.id == number_or_id).exists():
            raise UnknownParty(_("The customer does not exist (any more)."), title=_("Letter"))
        return number_or_id
    return followups.party_id_by_number(number_or_id)


def template_path(settings: Settings, name: str | Path) -> Path:
    """A template given by path, or by file name in the templates folder."""
    path = Path(name).expanduser()
    if path.parent == Path(".") and not path.exists():
        path = settings.templates_path / path.name
    return path


def write_letter(
    party: str | int,
    template: Path,
    clerk: str,
    settings: Settings,
    *,
    options: LetterOptions | None = None,
    out_dir: Path | None = None,
    today: date | None = None,
) -> LetterRow:
    """Render ``template`` for one customer, write the file and record it.

    The template is checked before anything is written. The file lands in the customer's
    folder under the documents folder (or in ``out_dir``) with a name that never overwrites;
    a :class:`Letter` row and a contact-log entry of kind ``letter`` are recorded in one
    transaction (a savepoint when the caller holds one).

    Args:
        party: The customer's number (current or former) or id.
        template: The ``.docx`` template.
        clerk: Login of the clerk writing.
        settings: Settings (documents folder, own company, region).
        options: Subject, contact person, document, open items, dunning values.
        out_dir: A folder to write into instead of the customer's folder.
        today: The letter's date (default: today).

    Returns:
        The recorded letter.

    Raises:
        TemplateProblem: The template is unusable (unknown fields named with their place).
        UnknownParty: No such customer.
        ValidationError: The contact person or document belongs to another customer.
        LetterError: The file cannot be written.
    """
    from tui_crm.services import default_templates, templates

    roles.require(clerk, Permission.EDIT)  # before the file is written; again when recorded
    options = options or LetterOptions()
    day = today or date.today()
    if not options.subject:
        from dataclasses import replace

        options = replace(options, subject=default_templates.default_subject(template.name))
    compiled = templates.load(template)
    party_id = _party_by(party)
    built = ContextBuilder(settings, clerk, day).build([party_id], options)
    if not built:
        raise UnknownParty(_("The customer does not exist (any more)."), title=_("Letter"))
    context = built[0][1]
    data = compiled.render(context)
    folder = out_dir or customer_folder(settings.documents_path, context["customer"]["number"])
    path = write_new(folder, letter_stem(day, template.name), data)
    try:
        (letter_id,) = record_letters(
            [(party_id, str(path))],
            template.name,
            options.subject,
            clerk,
            contact_person=options.contact_person,
        )
    except BaseException:
        path.unlink(missing_ok=True)  # nothing recorded, nothing left behind
        raise
    return letter(letter_id)


def render_for(
    compiled: CompiledTemplate,
    party_id: int,
    clerk: str,
    settings: Settings,
    options: LetterOptions | None = None,
    today: date | None = None,
) -> bytes:
    """The rendered ``.docx`` for one customer, written nowhere (previews, tests)."""
    built = ContextBuilder(settings, clerk, today or date.today()).build([party_id], options)
    if not built:
        raise UnknownParty(_("The customer does not exist (any more)."), title=_("Letter"))
    return compiled.render(built[0][1])


def write_dunning_letter(
    party_id: int,
    level: int,
    clerk: str,
    settings: Settings,
    *,
    open_items: Sequence[int] | None = None,
    fee: Decimal = Decimal("0.00"),
    interest: Decimal = Decimal("0.00"),
    pay_by: date | None = None,
    template: Path | None = None,
    out_dir: Path | None = None,
    today: date | None = None,
) -> LetterRow:
    """Write and record the dunning notice of ``level`` for a customer (for the dunning run).

    Level 0 is the payment reminder, 1 and 2 the first and second notice, 3 and above the
    final notice; the templates are ``payment-reminder.docx`` and ``dunning-1/2/3.docx`` in
    the templates folder (written there when missing) unless ``template`` is given. The
    open items table shows ``open_items`` (ids of :class:`OpenItem`), or all the customer's
    open items. Call it inside the dunning run's transaction: the letter is recorded in a
    savepoint of it, and the returned :attr:`LetterRow.id` goes into ``DunningEvent.letter``.

    Raises:
        TemplateProblem, UnknownParty, LetterError: As :func:`write_letter`.
    """
    from tui_crm.services import default_templates

    if template is None:
        default_templates.ensure_defaults(settings.templates_path)
        name = (
            default_templates.PAYMENT_REMINDER
            if level <= 0
            else default_templates.DUNNING_TEMPLATES[min(level, 3)]
        )
        template = settings.templates_path / name
    subject = default_templates.default_subject(template.name) or _(
        "Dunning notice {level}"
    ).format(level=level)
    return write_letter(
        party_id,
        template,
        clerk,
        settings,
        options=LetterOptions(
            subject=subject,
            open_items=open_items,
            dunning_level=level,
            fee=fee,
            interest=interest,
            pay_by=pay_by,
        ),
        out_dir=out_dir,
        today=today,
    )


# Reading --------------------------------------------------------------------------------

_LETTER_SQL = """
SELECT l.id, l.party_id, l.created_at, l.template, l.subject, l.path, cp.first_name,
       cp.last_name, l.mailing_id, m.name, k.login
FROM letter l
LEFT JOIN contact_person cp ON cp.id = l.contact_person_id
LEFT JOIN mailing m ON m.id = l.mailing_id
LEFT JOIN clerk k ON k.id = l.clerk_id
"""


def _row(row: Sequence[Any]) -> LetterRow:
    return LetterRow(
        id=int(row[0]),
        party_id=int(row[1]),
        created_at=Letter.created_at.python_value(row[2]) or datetime.min,
        template=str(row[3] or ""),
        subject=str(row[4] or ""),
        path=str(row[5] or ""),
        contact_person=" ".join(str(part) for part in (row[6], row[7]) if part),
        mailing_id=None if row[8] is None else int(row[8]),
        mailing=str(row[9] or ""),
        clerk=str(row[10] or ""),
    )


def letter(letter_id: int) -> LetterRow:
    """One letter.

    Raises:
        KeyError: No letter has the id.
    """
    database = db.obj
    found = database.execute_sql(
        f"{_LETTER_SQL} WHERE l.id = {database.param}", (letter_id,)
    ).fetchone()
    if found is None:
        raise KeyError(letter_id)
    return _row(found)


def letters_of(party_id: int, limit: int = 200) -> list[LetterRow]:
    """The customer's letters (single and from mail merges), newest first."""
    database = db.obj
    sql = (
        f"{_LETTER_SQL} WHERE l.party_id = {database.param} "
        f"ORDER BY l.created_at DESC, l.id DESC LIMIT {int(limit)}"
    )
    return [_row(row) for row in database.execute_sql(sql, (party_id,)).fetchall()]


def mailing_name(mailing_id: int) -> str:
    """The name of a mail merge."""
    return str(Mailing.select(Mailing.name).where(Mailing.id == mailing_id).scalar() or "")


# Opening --------------------------------------------------------------------------------


def over_ssh() -> bool:
    """Whether this session runs over SSH (a viewer would open on the server, not here)."""
    return bool(os.environ.get("SSH_CONNECTION"))


def open_in_viewer(path: Path) -> bool:
    """Open ``path`` with the system's viewer; False over SSH or when none is there.

    Never waits for the viewer and never passes the path through a shell.
    """
    if over_ssh() or not path.exists():
        return False
    if sys.platform.startswith("win"):
        starter = getattr(os, "startfile", None)
        if starter is None:
            return False
        starter(str(path))
        return True
    import subprocess

    command = ["open", str(path)] if sys.platform == "darwin" else ["xdg-open", str(path)]
    try:
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True
