"""Calls in the contact log: dialling with a record, the one-step log after hang-up, and
missed calls.

- F12: :func:`call_choices` lists a party's numbers (own and contact persons', no fax),
  :func:`place_call` dials through the configured backend and records a ``phone_out``
  contact (clerk, time) at once; :func:`finish_call` adds topic, agreements and the
  duration (from the backend's hang-up report, or counted to now) in one step, optionally
  with a follow-up.
- Incoming: :func:`log_incoming` records an answered call after hang-up with its duration;
  :func:`record_missed` records a call that rang and ended unanswered as ``missed`` (one row
  per party with the number, once, however many clerk sessions heard it). Missed calls do not
  count as a contact (last contact and call suggestions stay as they were).
  :func:`missed_calls` lists them, newest first, with whether the party was called back.
- ``tui-crm call NUMBER_OR_CUSTOMER``: :func:`dial_target`, then :func:`place_call`.

Network I/O (the dial) happens outside any transaction; run these in a thread worker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tui_crm.db import queries
from tui_crm.db.connection import db
from tui_crm.db.models import AuditLog, Clerk, ContactLog, Party, now
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.services import contacts, followups, phones
from tui_crm.services.contacts import MAX_DURATION, MAX_TOPIC, ContactKey, ContactRow
from tui_crm.services.followups import ClerkRef, FollowUpDraft
from tui_crm.services.roles import Permission, require
from tui_crm.services.telephony import callerid
from tui_crm.services.telephony.dialers import Dialer, DialOutcome, DialTarget, target_for
from tui_crm.services.transactions import retrying, writing

if TYPE_CHECKING:
    from peewee import Database

    from tui_crm.config import Settings

log = logging.getLogger(__name__)

CALL_KINDS = ("phone_in", "phone_out")
"""Contact kinds of calls that took place."""

MISSED_SAME_WITHIN = timedelta(seconds=30)
"""A missed call of the same number and party within this time is the same call (heard by
several clerk sessions, each with its own clock)."""

MISSED_PARTIES = 5
"""The most parties one missed call is recorded on (a number shared by several)."""

NO_CALL_KINDS = ("fax",)
"""Phone kinds F12 does not offer."""


class CallNotFound(CrmError):
    """The call to finish is not (any more) in the contact log."""


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """A call started by :func:`place_call`."""

    outcome: DialOutcome
    """What the backend did (or, for ``none``, what to show)."""
    contact: ContactRow | None
    """The ``phone_out`` contact recorded (None when the number belongs to no party)."""
    started_at: datetime
    """When it was dialled."""


@dataclass(frozen=True, slots=True)
class MissedCall:
    """One missed call of the list."""

    id: int
    """The contact log row."""
    at: datetime
    """When it rang."""
    party_id: int
    """The party whose number called."""
    party_number: str
    """Their number."""
    name: str
    """Company, else first and last name."""
    city: str
    """City."""
    contact_person: str
    """The contact person whose number it is, if any."""
    phone_e164: str
    """The caller's number."""
    display: str
    """For the screen."""
    called_back_at: datetime | None
    """The first call with the party after it (either way), if any."""

    @property
    def key(self) -> ContactKey:
        """The keyset position (pass as ``after`` for the next page)."""
        return (self.at, self.id)


def _database() -> Database:
    database: Database = db.obj
    return database


def _moment(value: Any) -> datetime | None:
    return ContactLog.at.python_value(value)  # type: ignore[no-any-return]


def clerk_extension(clerk: ClerkRef, settings: Settings | None = None) -> str:
    """The clerk's phone extension: ``[telephony] extension`` if set, else the clerk's own."""
    if settings is not None and settings.telephony.extension:
        return settings.telephony.extension
    query = Clerk.select(Clerk.extension)
    query = (
        query.where(Clerk.id == clerk)
        if isinstance(clerk, int)
        else query.where(Clerk.login == clerk)
    )
    row = query.tuples().first()
    return str(row[0] or "") if row else ""


def call_choices(
    party_id: int, settings: Settings | phones.NumberPlan | str | None = None
) -> list[DialTarget]:
    """The numbers F12 offers for a party: its own (main first), then its contact persons'.

    Fax numbers and damaged stored numbers are left out.
    """
    database = _database()
    rows = database.execute_sql(
        "SELECT ph.kind, ph.e164, ph.contact_person_id, ph.is_main, cp.first_name, "
        "cp.last_name, p.company, p.first_name, p.last_name FROM phone ph "
        "JOIN party p ON p.id = ph.party_id "
        "LEFT JOIN contact_person cp ON cp.id = ph.contact_person_id "
        f"WHERE ph.party_id = {database.param} ORDER BY ph.id",
        (party_id,),
    ).fetchall()
    rows.sort(key=lambda row: (row[2] is not None, not row[3]))
    plan = phones.plan_of(settings)
    targets = []
    for kind, e164, person_id, _main, first, last, company, party_first, party_last in rows:
        if kind in NO_CALL_KINDS:
            continue
        person = " ".join(str(part) for part in (first, last) if part)
        party = str(company or " ".join(str(p) for p in (party_first, party_last) if p))
        try:
            targets.append(
                target_for(
                    str(e164),
                    plan,
                    party_id=party_id,
                    contact_person_id=None if person_id is None else int(person_id),
                    name=f"{party} ({person})" if person else party,
                    label=str(kind),
                )
            )
        except ValidationError:
            log.warning("party %s: stored phone %r is no E.164 number; not offered", party_id, e164)
    return targets


def dial_target(number_or_customer: str, settings: Settings | None = None) -> DialTarget:
    """What ``tui-crm call NUMBER_OR_CUSTOMER`` calls.

    A customer or prospect number (current or former) means that party's first number
    (:func:`call_choices`); anything else is read as a phone number in any format and linked
    to the party it belongs to, when exactly one has it.

    Raises:
        ValidationError: Neither a customer with a phone nor a valid phone number.
    """
    text = number_or_customer.strip()
    if not text:
        raise ValidationError(_("Enter a phone number or a customer number."), title=_("Call"))
    party = queries.party_by_number(text)
    if party is not None:
        choices = call_choices(int(party.id), settings)
        if not choices:
            raise ValidationError(
                _("Customer {number} has no phone number to call.").format(number=text),
                title=_("Call"),
            )
        return choices[0]
    parsed = phones.normalise(text, settings)
    found = {match.party_id: match for match in callerid.matches(parsed.e164, settings)}
    if len(found) == 1:
        match = next(iter(found.values()))
        person = f" ({match.contact_person})" if match.contact_person else ""
        return target_for(
            parsed.e164,
            settings,
            party_id=match.party_id,
            contact_person_id=match.contact_person_id,
            name=match.name + person,
            label=match.phone_kind,
        )
    return target_for(parsed.e164, settings)


def place_call(
    target: DialTarget,
    clerk: ClerkRef,
    settings: Settings,
    *,
    dialer: Dialer | None = None,
    extension: str | None = None,
) -> PlacedCall:
    """Dial ``target`` through the configured backend and record the call.

    The ``phone_out`` contact (clerk, time, number, contact person) is written once the
    backend accepted the request (for ``none``: at once, the clerk dials by hand), on the
    party of the target; a number of no party is dialled but not recorded.

    Args:
        target: From :func:`call_choices` or :func:`dial_target`.
        clerk: The clerk calling (id or login).
        settings: The settings (backend, extension).
        dialer: The dialer to use (keep one per app: :func:`~.dialers.make_dialer`).
        extension: The clerk's phone; default :func:`clerk_extension`.

    Raises:
        TelephonyError: The backend failed (nothing is recorded).
        ValidationError: The clerk does not exist.
    """
    from tui_crm.services.telephony.dialers import make_dialer

    dialer = dialer or make_dialer(settings)
    if target.party_id is not None:
        # An unknown clerk, or one who may not log calls, fails before the phone rings.
        require(followups.resolve_clerk(clerk)[0], Permission.EDIT)
    if extension is None:
        extension = clerk_extension(clerk, settings)
    started = now()
    outcome = dialer.dial(target, extension=extension)
    contact = None
    if target.party_id is not None:
        contact = contacts.log_contact(
            target.party_id,
            "phone_out",
            started,
            "",
            "",
            None,
            clerk,
            contact_person=target.contact_person_id,
            phone_e164=target.e164,
        )
    return PlacedCall(outcome, contact, started)


def _duration(at: datetime, duration_seconds: int | None, ended_at: datetime | None) -> int:
    if duration_seconds is None:
        duration_seconds = int(((ended_at or now()) - at).total_seconds())
    return max(0, min(MAX_DURATION, duration_seconds))


def _check_text(topic: str) -> str:
    topic = topic.strip()
    if len(topic) > MAX_TOPIC:
        raise ValidationError(
            _("The topic is longer than {count} characters.").format(count=MAX_TOPIC),
            title=_("Contact"),
        )
    return topic


@retrying
def finish_call(
    contact_id: int,
    topic: str,
    agreements: str,
    clerk: ClerkRef,
    *,
    duration_seconds: int | None = None,
    ended_at: datetime | None = None,
    follow_up: FollowUpDraft | None = None,
    today: date | None = None,
) -> ContactRow:
    """Log topic and agreements of a recorded call in one step, the duration filled in.

    Args:
        contact_id: The call's contact (:attr:`PlacedCall.contact`).
        topic: What it was about (up to 200 characters).
        agreements: What was agreed.
        clerk: The clerk logging it.
        duration_seconds: As the backend reported it (the call monitor's ``ended`` update);
            None counts from the recorded start to ``ended_at``.
        ended_at: When it ended (default: now), if no duration is given.
        follow_up: A follow-up to create with it; the contact links to it.
        today: The current day (default: today).

    Raises:
        CallNotFound: The contact is gone, or is no call.
        ValidationError: The topic is too long, the follow-up is invalid, or no such clerk.
    """
    topic = _check_text(topic)
    checked = followups.check_draft(follow_up) if follow_up is not None else None
    day = today or date.today()
    with writing():
        clerk_id, login = require(followups.resolve_clerk(clerk)[0], Permission.EDIT)
        found = followups.tuples(
            ContactLog.select(
                ContactLog.party,
                ContactLog.at,
                ContactLog.kind,
                ContactLog.topic,
                ContactLog.agreements,
                ContactLog.duration_seconds,
            ).where(ContactLog.id == contact_id)
        )
        if not found or found[0][2] not in CALL_KINDS:
            raise CallNotFound(_("The call is not in the contact log (any more)."), title=_("Call"))
        party_id, started = int(found[0][0]), _moment(found[0][1]) or now()
        duration = _duration(started, duration_seconds, ended_at)
        values: dict[Any, Any] = {
            ContactLog.topic: topic,
            ContactLog.agreements: agreements,
            ContactLog.duration_seconds: duration,
        }
        if checked is not None:
            owner = checked.owner if checked.owner is not None else clerk_id
            followups.check_refs(party_id, checked, owner)
            last = Party.select(Party.last_contact_at).where(Party.id == party_id).scalar()
            values[ContactLog.follow_up] = followups.insert(
                party_id, checked, clerk_id, login, day, _moment(last)
            )
        ContactLog.update(values).where(ContactLog.id == contact_id).execute()
        before = dict(zip(("topic", "agreements", "duration_seconds"), found[0][3:], strict=True))
        after = {"topic": topic, "agreements": agreements, "duration_seconds": duration}
        stamp = now()
        changes = [
            followups.audit_row(
                party_id, "contact_log", contact_id, name, before[name], value, login, stamp
            )
            for name, value in after.items()
            if before[name] != value
        ]
        if changes:
            AuditLog.insert_many(changes).execute()
    return contacts.contact(contact_id)


def log_incoming(
    party_id: int,
    e164: str,
    clerk: ClerkRef,
    *,
    at: datetime,
    duration_seconds: int | None = None,
    ended_at: datetime | None = None,
    topic: str = "",
    agreements: str = "",
    contact_person: int | None = None,
    follow_up: FollowUpDraft | None = None,
) -> ContactRow:
    """Record an answered incoming call after hang-up, in one step.

    Args:
        party_id: The caller's party (from the caller card).
        e164: The caller's number.
        clerk: The clerk who took it.
        at: When it rang.
        duration_seconds: Connected time as the call monitor reported it; None counts from
            ``at`` to ``ended_at`` (default now).
        ended_at: When it ended, if no duration is given.
        topic: What it was about.
        agreements: What was agreed.
        contact_person: The contact person who called.
        follow_up: A follow-up to create with it.

    Raises:
        ValidationError: A value is invalid; nothing is written.
        UnknownParty: The party does not exist.
    """
    return contacts.log_contact(
        party_id,
        "phone_in",
        at.replace(microsecond=0),
        _check_text(topic),
        agreements,
        _duration(at, duration_seconds, ended_at),
        clerk,
        contact_person,
        follow_up,
        phone_e164=e164,
    )


@retrying
def record_missed(
    number: str,
    rang_at: datetime,
    settings: Settings | phones.NumberPlan | str | None = None,
) -> list[int]:
    """Record a call that rang and ended unanswered, on each party with the number.

    Idempotent: every clerk session hears the same ring, and only the first one writes (a
    missed call of the same number on the same party within :data:`MISSED_SAME_WITHIN`).
    Withheld and unknown numbers are not recorded (the contact log belongs to a party).

    Args:
        number: The caller ID as reported.
        rang_at: When it rang.
        settings: The settings (region and ``[telephony]``) to read the number.

    Returns:
        The ids of the missed-call rows of this call (new or already written).
    """
    found = callerid.matches(number, settings)
    if not found:
        return []
    readings = phones.readings(number, settings)
    e164 = readings[0] if readings else found[0].e164
    at = rang_at.replace(microsecond=0)
    parties: dict[int, int | None] = {}
    for match in found:
        if match.party_id not in parties and len(parties) < MISSED_PARTIES:
            parties[match.party_id] = match.contact_person_id
    ids = []
    with writing() as database:
        param = database.param
        for party_id, person in parties.items():
            existing = database.execute_sql(
                f"SELECT id FROM contact_log WHERE party_id = {param} AND kind = 'missed' "
                f"AND at >= {param} AND at <= {param} AND phone_e164 = {param} LIMIT 1",
                (party_id, at - MISSED_SAME_WITHIN, at + MISSED_SAME_WITHIN, e164),
            ).fetchone()
            if existing is not None:
                ids.append(int(existing[0]))
                continue
            ids.append(
                int(
                    ContactLog.insert(
                        {
                            ContactLog.party: party_id,
                            ContactLog.contact_person: person,
                            ContactLog.at: at,
                            ContactLog.kind: "missed",
                            ContactLog.phone_e164: e164,
                        }
                    ).execute()
                )
            )
    return ids


_MISSED_SQL = """
SELECT c.id, c.at, c.party_id, p.number, p.company, p.first_name, p.last_name, p.city,
       cp.first_name, cp.last_name, c.phone_e164
FROM contact_log c
JOIN party p ON p.id = c.party_id
LEFT JOIN contact_person cp ON cp.id = c.contact_person_id
"""


def _called_back(rows: Sequence[Sequence[Any]]) -> dict[int, list[datetime]]:
    """Times of calls (either way) per party, for the parties of ``rows``."""
    parties = sorted({int(row[2]) for row in rows})
    if not parties:
        return {}
    database = _database()
    param = database.param
    oldest = min(_moment(row[1]) or datetime.min for row in rows)
    marks = ", ".join([param] * len(parties))
    found: dict[int, list[datetime]] = {}
    for party, at in database.execute_sql(
        f"SELECT party_id, at FROM contact_log WHERE party_id IN ({marks}) "
        f"AND at > {param} AND kind IN ('phone_in', 'phone_out') ORDER BY at",
        (*parties, oldest),
    ).fetchall():
        moment = _moment(at)
        if moment is not None:
            found.setdefault(int(party), []).append(moment)
    return found


def missed_calls(
    *,
    since: datetime | None = None,
    after: ContactKey | None = None,
    limit: int = 50,
    settings: Settings | phones.NumberPlan | str | None = None,
) -> list[MissedCall]:
    """A page of missed calls, newest first (keyset on the ``(kind, at)`` index).

    Args:
        since: Only calls from this moment on.
        after: The :attr:`MissedCall.key` of the last row of the previous page.
        limit: Rows per page.
        settings: For the number display.
    """
    database = _database()
    param = database.param
    where = "c.kind = 'missed'"
    params: list[object] = []
    if since is not None:
        where += f" AND c.at >= {param}"
        params.append(since)
    if after is not None:
        where += f" AND c.at <= {param} AND (c.at < {param} OR c.id < {param})"
        params += [after[0], after[0], after[1]]
    rows = database.execute_sql(
        f"{_MISSED_SQL} WHERE {where} ORDER BY c.at DESC, c.id DESC LIMIT {int(limit)}", params
    ).fetchall()
    calls = _called_back(rows)
    region = phones.plan_of(settings).region
    result = []
    for row in rows:
        at = _moment(row[1]) or datetime.min
        later = [moment for moment in calls.get(int(row[2]), []) if moment >= at]
        result.append(
            MissedCall(
                id=int(row[0]),
                at=at,
                party_id=int(row[2]),
                party_number=str(row[3]),
                name=str(row[4] or " ".join(str(part) for part in (row[5], row[6]) if part)),
                city=str(row[7] or ""),
                contact_person=" ".join(str(part) for part in (row[8], row[9]) if part),
                phone_e164=str(row[10] or ""),
                display=phones.display(str(row[10] or ""), region),
                called_back_at=later[0] if later else None,
            )
        )
    return result
