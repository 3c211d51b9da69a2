"""Caller ID: which customer, prospect or contact person a number belongs to, fast.

Every lookup is an index seek: ``phone.e164`` (``phone_e164``) for each plausible reading
of the number (:func:`~tui_crm.services.phones.readings`), then, only when nothing is
stored under it, the PBX base numbers (a call from the direct line ``…-12`` finds the
switchboard ``…-0``, or a number stored with extension ``12``), and, only for numbers that
cannot be read in full (a local number without area code, say), the end of the number on
``phone.reversed_digits``. Never a scan.

A ring shows a :class:`CallerCard` (the one party the number belongs to, with balance,
dunning level, next follow-up and last contact), :class:`Candidates` (several parties: the
clerk chooses, then :func:`card_for`), :class:`UnknownCaller` or :class:`WithheldCaller`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui_crm.db.connection import db
from tui_crm.db.models import ContactLog, FollowUp, OpenItem
from tui_crm.i18n import _
from tui_crm.services import phones

if TYPE_CHECKING:
    from peewee import Database

    from tui_crm.config import Settings

MAX_CANDIDATES = 20
"""The most parties a lookup offers to choose from."""

EXTENSION_DIGITS = 4
"""The longest extension cut off to find a PBX's base or switchboard number."""

MIN_SUFFIX = 6
"""Fewest digits an end-of-number lookup needs."""

_SWITCHBOARD = re.compile(r"-\s*0\s*$")
"""How a switchboard number is written (``0761 22412-0``)."""


@dataclass(frozen=True, slots=True)
class PhoneMatch:
    """A stored number that matches the caller, with its party."""

    phone_id: int
    """The ``phone`` row."""
    party_id: int
    """The customer or prospect."""
    party_number: str
    """Their customer or prospect number."""
    party_kind: str
    """``customer`` or ``prospect``."""
    name: str
    """Company, else first and last name."""
    city: str
    """City."""
    blocked: bool
    """Blocked for credit."""
    contact_person_id: int | None
    """The contact person whose number it is, if it is one's."""
    contact_person: str
    """Their name."""
    phone_kind: str
    """``phone``, ``mobile``, ``fax``, ``other``."""
    e164: str
    """The stored number."""
    match: str
    """``exact``; ``direct`` (stored as base number with this extension); ``switchboard``
    (the caller's PBX's ``-0`` number is stored); ``suffix`` (only the end matched)."""
    last_contact_at: datetime | None = None
    """The party's last contact."""


@dataclass(frozen=True, slots=True)
class CallerCard:
    """What pops up when a known number rings."""

    number: str
    """The caller's number in E.164 (the reported text when it could not be read)."""
    display: str
    """The caller's number for the screen."""
    party_id: int
    """The customer or prospect."""
    party_number: str
    """Their number."""
    party_kind: str
    """``customer`` or ``prospect``."""
    name: str
    """Company, else first and last name."""
    city: str
    """City."""
    blocked: bool
    """Blocked for credit."""
    contact_person_id: int | None
    """The contact person calling, when the number is theirs alone."""
    contact_person: str
    """Their name."""
    phone_kind: str
    """``phone``, ``mobile``, …"""
    match: str
    """How the number matched (see :attr:`PhoneMatch.match`)."""
    open_balance: Decimal
    """What is still unpaid on open items."""
    overdue: Decimal
    """The part of it past its due date."""
    open_items: int
    """Number of open items."""
    dunning_level: int
    """Highest dunning level of the open items (0: none)."""
    next_follow_up: date | None
    """Due day of the earliest open follow-up."""
    next_follow_up_time: time | None
    """Its time, if it has one."""
    next_follow_up_subject: str
    """Its subject."""
    last_contact_at: datetime | None
    """The last contact (missed calls not counted)."""
    last_contact_kind: str
    """Its kind (``phone_in`` …)."""
    last_contact_topic: str
    """Its topic."""


@dataclass(frozen=True, slots=True)
class Candidates:
    """Several parties have the number: the clerk chooses (then :func:`card_for`)."""

    number: str
    """The caller's number in E.164 (or as reported)."""
    display: str
    """For the screen."""
    matches: tuple[PhoneMatch, ...]
    """One per party, the likeliest first."""


@dataclass(frozen=True, slots=True)
class UnknownCaller:
    """No stored number matches."""

    number: str
    """The caller's number in E.164, or as reported when it could not be read."""
    display: str
    """For the screen."""


@dataclass(frozen=True, slots=True)
class WithheldCaller:
    """The caller withheld the number."""

    reported: str = ""
    """What the PBX said (``anonymous``, empty …)."""


CallerLookup = CallerCard | Candidates | UnknownCaller | WithheldCaller
"""What :func:`caller_card` returns."""


def _database() -> Database:
    database: Database = db.obj
    return database


_MATCH_SQL = """
SELECT ph.id, ph.party_id, ph.contact_person_id, ph.kind, ph.e164, ph.as_entered,
       ph.extension, ph.is_main, p.number, p.kind, p.company, p.first_name, p.last_name,
       p.city, p.blocked, p.last_contact_at, cp.first_name, cp.last_name
FROM phone ph
JOIN party p ON p.id = ph.party_id
LEFT JOIN contact_person cp ON cp.id = ph.contact_person_id
"""


def _rows(where: str, params: Sequence[object], limit: int) -> list[tuple[Any, ...]]:
    database = _database()
    sql = f"{_MATCH_SQL} WHERE {where} LIMIT {int(limit)}"
    return list(database.execute_sql(sql, tuple(params)).fetchall())


def _match(row: Sequence[Any], how: str) -> PhoneMatch:
    person = " ".join(str(part) for part in (row[16], row[17]) if part)
    name = str(row[10] or " ".join(str(part) for part in (row[11], row[12]) if part))
    return PhoneMatch(
        phone_id=int(row[0]),
        party_id=int(row[1]),
        party_number=str(row[8]),
        party_kind=str(row[9]),
        name=name,
        city=str(row[13] or ""),
        blocked=bool(row[14]),
        contact_person_id=None if row[2] is None else int(row[2]),
        contact_person=person,
        phone_kind=str(row[3]),
        e164=str(row[4]),
        match=how,
        last_contact_at=ContactLog.at.python_value(row[15]),
    )


def _order(row: Sequence[Any]) -> tuple[bool, bool, bool, str]:
    """Own numbers before contact persons', main first, customers before prospects."""
    return (row[2] is not None, not row[7], str(row[9]) != "customer", str(row[8]))


def _exact(readings: Sequence[str], limit: int) -> list[PhoneMatch]:
    """Matches of the first reading that is stored (readings are tried best first)."""
    if not readings:
        return []
    marks = ", ".join([_database().param] * len(readings))
    rows = _rows(f"ph.e164 IN ({marks})", readings, limit * 4)
    for reading in readings:
        found = sorted((row for row in rows if row[4] == reading), key=_order)
        if found:
            return [_match(row, "exact") for row in found]
    return []


def _by_extension(e164: str, limit: int) -> list[PhoneMatch]:
    """A caller on a direct line whose PBX is stored: as the base number with the
    extension, or as the switchboard ``-0``."""
    bases: dict[str, str] = {}
    for cut in range(1, EXTENSION_DIGITS + 1):
        base = e164[:-cut]
        if len(base) < 7:
            break
        bases[base] = e164[-cut:]
    if not bases:
        return []
    keys = [*bases, *(base + "0" for base in bases)]
    marks = ", ".join([_database().param] * len(keys))
    direct: list[tuple[Any, ...]] = []
    switchboard: list[tuple[Any, ...]] = []
    for row in _rows(f"ph.e164 IN ({marks})", keys, limit * 4):
        stored, as_entered, extension = str(row[4]), str(row[5] or ""), str(row[6] or "")
        if stored in bases and extension and extension == bases[stored]:
            direct.append(row)
        elif (
            stored.endswith("0")
            and stored[:-1] in bases
            and (extension == "0" or _SWITCHBOARD.search(as_entered))
        ):
            switchboard.append(row)
    switchboard.sort(key=lambda row: (-len(str(row[4])), *_order(row)))
    return [_match(row, "direct") for row in sorted(direct, key=_order)] + [
        _match(row, "switchboard") for row in switchboard
    ]


def _by_suffix(digits: str, limit: int) -> list[PhoneMatch]:
    """Numbers ending in ``digits`` (``phone.reversed_digits`` range)."""
    database = _database()
    reversed_digits = digits[::-1]
    upper = reversed_digits[:-1] + chr(ord(reversed_digits[-1]) + 1)
    rows = _rows(
        f"ph.reversed_digits >= {database.param} AND ph.reversed_digits < {database.param}",
        (reversed_digits, upper),
        limit * 4,
    )
    return [_match(row, "suffix") for row in sorted(rows, key=_order)]


def _significant_digits(text: str, plan: phones.NumberPlan) -> str:
    """The digits of an unreadable number, outside-line and trunk prefixes dropped."""
    digits = re.sub(r"\D", "", text)
    if plan.outside_line_prefix and digits.startswith(plan.outside_line_prefix):
        digits = digits[len(plan.outside_line_prefix) :]
    return digits.lstrip("0")


def matches(
    number: str,
    settings: Settings | phones.NumberPlan | str | None = None,
    *,
    limit: int = MAX_CANDIDATES,
) -> list[PhoneMatch]:
    """Stored numbers (of customers, prospects and contact persons) matching ``number``.

    ``number`` may be in any format (see :func:`~tui_crm.services.phones.normalise`). The
    first reading with stored numbers wins; then direct lines and switchboards of a PBX;
    an unreadable number is matched by its last digits (at least :data:`MIN_SUFFIX`).

    Args:
        number: As typed or reported by the PBX.
        settings: The settings (region and ``[telephony]``), a plan, or a region.
        limit: The most matches returned.

    Returns:
        The matches, own numbers before contact persons', main numbers first; empty when
        the number is withheld or unknown.
    """
    if phones.is_withheld(number):
        return []
    plan = phones.plan_of(settings)
    readings = phones.readings(number, plan)
    found = _exact(readings, limit)
    if not found and readings:
        found = _by_extension(readings[0], limit)
    if not found and not readings:
        digits = _significant_digits(number, plan)
        if len(digits) >= MIN_SUFFIX:
            found = _by_suffix(digits, limit)
    return found[:limit]


def _one_per_party(found: Sequence[PhoneMatch]) -> list[PhoneMatch]:
    parties: dict[int, PhoneMatch] = {}
    persons: dict[int, set[int | None]] = {}
    for match in found:
        parties.setdefault(match.party_id, match)
        persons.setdefault(match.party_id, set()).add(match.contact_person_id)
    result = []
    for party_id, match in parties.items():
        if len(persons[party_id]) > 1 and match.contact_person_id is not None:
            # The number is the party's and a person's, or several persons': name none.
            match = _without_person(match)
        result.append(match)
    return result


def _without_person(match: PhoneMatch) -> PhoneMatch:
    return replace(match, contact_person_id=None, contact_person="")


def card_for(
    match: PhoneMatch,
    number: str = "",
    settings: Settings | phones.NumberPlan | str | None = None,
    *,
    today: date | None = None,
) -> CallerCard:
    """The card of a chosen :class:`PhoneMatch`: three index seeks (open items, next
    follow-up, last contact).

    Args:
        match: The match (from :func:`matches` or :attr:`Candidates.matches`).
        number: The caller's number in E.164 (default: the stored one).
        settings: For the display format.
        today: The day items count as overdue from (default: today).
    """
    plan = phones.plan_of(settings)
    database = _database()
    param = database.param
    day = today or date.today()
    items = database.execute_sql(
        "SELECT SUM(amount - paid), SUM(CASE WHEN due_date < "
        f"{param} THEN amount - paid ELSE 0 END), COUNT(*), MAX(dunning_level) FROM open_item "
        f"WHERE party_id = {param} AND closed_at IS NULL",
        (day, match.party_id),
    ).fetchone()
    follow_up = database.execute_sql(
        "SELECT due_date, due_time, subject FROM follow_up WHERE party_id = "
        f"{param} AND done_at IS NULL ORDER BY due_date, due_time LIMIT 1",
        (match.party_id,),
    ).fetchone()
    contact = database.execute_sql(
        f"SELECT at, kind, topic FROM contact_log WHERE party_id = {param} "
        "AND kind <> 'missed' ORDER BY at DESC, id DESC LIMIT 1",
        (match.party_id,),
    ).fetchone()
    money = OpenItem.amount.to_decimal
    caller = number or match.e164
    return CallerCard(
        number=caller,
        display=phones.display(caller, plan.region) if caller.startswith("+") else caller,
        party_id=match.party_id,
        party_number=match.party_number,
        party_kind=match.party_kind,
        name=match.name,
        city=match.city,
        blocked=match.blocked,
        contact_person_id=match.contact_person_id,
        contact_person=match.contact_person,
        phone_kind=match.phone_kind,
        match=match.match,
        open_balance=money(items[0]),
        overdue=money(items[1]),
        open_items=int(items[2] or 0),
        dunning_level=int(items[3] or 0),
        next_follow_up=FollowUp.due_date.python_value(follow_up[0]) if follow_up else None,
        next_follow_up_time=FollowUp.due_time.python_value(follow_up[1]) if follow_up else None,
        next_follow_up_subject=str(follow_up[2]) if follow_up else "",
        last_contact_at=ContactLog.at.python_value(contact[0]) if contact else None,
        last_contact_kind=str(contact[1]) if contact else "",
        last_contact_topic=str(contact[2] or "") if contact else "",
    )


def caller_card(
    number: str,
    settings: Settings | phones.NumberPlan | str | None = None,
    *,
    today: date | None = None,
) -> CallerLookup:
    """Who is calling: the card of the one party with ``number``, the candidates, unknown,
    or withheld. Index seeks only (p95 well under 1 ms at a million customers).

    Args:
        number: The caller ID as the PBX reports it, or a number in any format.
        settings: The settings (region and ``[telephony]``), a plan, or a region.
        today: The day items count as overdue from (default: today).
    """
    if phones.is_withheld(number):
        return WithheldCaller(number.strip())
    plan = phones.plan_of(settings)
    readings = phones.readings(number, plan)
    e164 = readings[0] if readings else number.strip()
    display = phones.display(e164, plan.region) if readings else e164
    parties = _one_per_party(matches(number, plan))
    if not parties:
        return UnknownCaller(e164, display)
    if len(parties) == 1:
        return card_for(parties[0], e164, plan, today=today)
    return Candidates(e164, display, tuple(parties))


@dataclass(frozen=True, slots=True)
class CliAnswer:
    """What ``tui-crm callerid`` prints and its exit status."""

    exit_code: int
    """0: found (one or several), 1: unknown or withheld."""
    stdout: str
    """Lines to print (with their newlines)."""
    stderr: str
    """A message for stderr (with its newline), or empty."""


def _card_json(card: CallerCard) -> dict[str, object]:
    def iso(value: date | time | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "customer": card.party_number,
        "kind": card.party_kind,
        "name": card.name,
        "city": card.city,
        "contact_person": card.contact_person,
        "phone_kind": card.phone_kind,
        "match": card.match,
        "blocked": card.blocked,
        "open_balance": f"{card.open_balance:.2f}",
        "overdue": f"{card.overdue:.2f}",
        "open_items": card.open_items,
        "dunning_level": card.dunning_level,
        "next_follow_up": iso(card.next_follow_up),
        "next_follow_up_time": iso(card.next_follow_up_time),
        "next_follow_up_subject": card.next_follow_up_subject,
        "last_contact": iso(card.last_contact_at),
        "last_contact_kind": card.last_contact_kind,
        "last_contact_topic": card.last_contact_topic,
    }


def lookup_for_cli(
    number: str,
    settings: Settings | phones.NumberPlan | str | None = None,
    *,
    as_json: bool = False,
    today: date | None = None,
    limit: int = 10,
) -> CliAnswer:
    """``tui-crm callerid NUMBER [--json]``, for a PBX dial plan: who has this number.

    Call it with the database open (``open_checked``); it runs one index seek per reading
    of the number plus three per party found. Text output is one line per party,
    tab-separated: customer number, name (with the contact person in brackets), city; the
    best match first, so ``cut -f2 | head -1`` gives a caller name. JSON output is one
    object::

        {"query": "0221 123456", "status": "found" | "several" | "unknown" | "withheld",
         "number": "+49221123456", "display": "0221 123456",
         "matches": [{"customer": "10001", "kind": "customer", "name": "…", "city": "…",
                      "contact_person": "", "phone_kind": "phone", "match": "exact",
                      "blocked": false, "open_balance": "0.00", "overdue": "0.00",
                      "open_items": 0, "dunning_level": 0, "next_follow_up": null,
                      "next_follow_up_time": null, "next_follow_up_subject": "",
                      "last_contact": null, "last_contact_kind": "",
                      "last_contact_topic": ""}]}

    Args:
        number: The caller ID.
        settings: The settings (region and ``[telephony]``).
        as_json: Print JSON instead of text.
        today: The day items count as overdue from (default: today).
        limit: The most parties printed.

    Returns:
        Exit status 0 when at least one party has the number, 1 when it is unknown or
        withheld (JSON is printed then too, text output prints nothing on stdout).
    """
    result = caller_card(number, settings, today=today)
    cards: list[CallerCard] = []
    if isinstance(result, CallerCard):
        cards = [result]
    elif isinstance(result, Candidates):
        cards = [
            card_for(match, result.number, settings, today=today)
            for match in result.matches[:limit]
        ]
    status = {
        CallerCard: "found",
        Candidates: "several",
        UnknownCaller: "unknown",
        WithheldCaller: "withheld",
    }[type(result)]
    code = 0 if cards else 1
    message = ""
    if isinstance(result, WithheldCaller):
        message = _("withheld number") + "\n"
    elif isinstance(result, UnknownCaller):
        message = _("unknown number: {number}").format(number=result.display) + "\n"
    if as_json:
        import json

        e164 = "" if isinstance(result, WithheldCaller) else result.number
        display = "" if isinstance(result, WithheldCaller) else result.display
        payload = {
            "query": number,
            "status": status,
            "number": e164,
            "display": display,
            "matches": [_card_json(card) for card in cards],
        }
        return CliAnswer(code, json.dumps(payload, ensure_ascii=False) + "\n", message)
    lines = []
    for card in cards:
        name = f"{card.name} ({card.contact_person})" if card.contact_person else card.name
        lines.append(f"{card.party_number}\t{name}\t{card.city}\n")
    return CliAnswer(code, "".join(lines), message)
