"""Calls in the contact log: dialling with a record, the one-step log after hang-up, and
missed calls.

- F12: :func:`call_choices` lists a party's numbers (own and contact persons', no fax),
  :func:`place_call` dials through the configured backend and records a ``phone_out``
  contact (clerk, time) at once; :func:`finish_call` adds topic, agreements and the
  duration (from the backend's hang-up report, or counted to now) in one step, optionally
  with a follow-up.
- Incoming: :func:`log_incoming` records an answered call after hang-up with its duration
  (:func:`record_answered`: once, however many sessions heard it; the clerk who took it
  completes it with :func:`finish_call`);
  :func:`record_missed` records a call that rang and ended unanswered as ``missed`` (one row
  per party with the number, once, however many clerk sessions heard it). Missed calls do not
  count as a contact (last contact and call suggestions stay as they were).
  :func:`missed_calls` lists them, newest first, with whether the party was called back.
- ``tui-crm call NUMBER_OR_CUSTOMER``: :func:`dial_target`, then :func:`place_call`.

Network I/O (the dial) happens outside any transaction; run these in a thread worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tui_crm.db import queries
from tui_crm.db.connection import db
from tui_crm.db.models import AuditLog, Clerk, ContactLog, Party, UnknownCall, now
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.services import contacts, followups, phones
from tui_crm.services.contacts import MAX_DURATION, MAX_TOPIC, ContactRow
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


MissedKey = tuple[datetime, str, int]
"""Where a page of missed calls ends: ``(at, source, id)``."""


@dataclass(frozen=True, slots=True)
class MissedCall:
    """One missed call of the list."""

    id: int
    """The contact log row (``source`` ``c``) or the ``unknown_call`` row (``u``)."""
    source: str
    """``c``: a party's number (contact log); ``u``: an unknown or withheld number."""
    at: datetime
    """When it rang."""
    party_id: int | None
    """The party whose number called; None for an unknown or withheld number."""
    party_number: str
    """Their number (empty for an unknown caller)."""
    name: str
    """Company, else first and last name."""
    city: str
    """City."""
    contact_person: str
    """The contact person whose number it is, if any."""
    phone_e164: str
    """The caller's number (empty when it was withheld or could not be read)."""
    reported: str
    """An unknown caller's number as the phone system reported it."""
    withheld: bool
    """The caller withheld the number."""
    display: str
    """For the screen."""
    called_back_at: datetime | None
    """The first call with the party after it (either way), if any."""

    @property
    def key(self) -> MissedKey:
        """The keyset position (pass as ``after`` for the next page)."""
        return (self.at, self.source, self.id)


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
        "cp.last_name, p.company, p.first_name, p.last_name, ph.as_entered FROM phone ph "
        "JOIN party p ON p.id = ph.party_id "
        "LEFT JOIN contact_person cp ON cp.id = ph.contact_person_id "
        f"WHERE ph.party_id = {database.param} ORDER BY ph.id",
        (party_id,),
    ).fetchall()
    rows.sort(key=lambda row: (row[2] is not None, not row[3]))
    plan = phones.plan_of(settings)
    targets = []
    for kind, e164, person_id, _main, first, last, company, party_first, party_last, raw in rows:
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
                    as_entered=str(raw or ""),
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
def record_answered(
    party_id: int,
    e164: str,
    clerk: ClerkRef,
    *,
    at: datetime,
    duration_seconds: int | None = None,
    ended_at: datetime | None = None,
    contact_person: int | None = None,
) -> ContactRow:
    """Record an answered incoming call at hang-up, once: the ``phone_in`` contact that
    :func:`finish_call` completes with topic and agreements.

    A ``phone_in`` of the same party and number within :data:`MISSED_SAME_WITHIN` is the
    same call (a second session that heard it) and is returned as it is.

    Args:
        party_id: The caller's party.
        e164: The caller's number.
        clerk: The clerk who took it.
        at: When it rang.
        duration_seconds: Connected time as the call monitor reported it.
        ended_at: When it ended, if no duration is given.
        contact_person: The contact person whose number it is.

    Raises:
        ValidationError: No such clerk; nothing is written.
        UnknownParty: The party does not exist.
    """
    moment = at.replace(microsecond=0)
    with writing() as database:
        param = database.param
        existing = database.execute_sql(
            f"SELECT id FROM contact_log WHERE party_id = {param} AND kind = 'phone_in' "
            f"AND at >= {param} AND at <= {param} AND phone_e164 = {param} LIMIT 1",
            (party_id, moment - MISSED_SAME_WITHIN, moment + MISSED_SAME_WITHIN, e164),
        ).fetchone()
        if existing is not None:
            return contacts.contact(int(existing[0]))
        return log_incoming(
            party_id,
            e164,
            clerk,
            at=moment,
            duration_seconds=duration_seconds,
            ended_at=ended_at,
            contact_person=contact_person,
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
    A number no party has, and a withheld one, is kept in ``unknown_call`` instead (the
    contact log belongs to a party), with the same rule.

    Args:
        number: The caller ID as reported.
        rang_at: When it rang.
        settings: The settings (region and ``[telephony]``) to read the number.

    Returns:
        The ids of the missed-call rows of this call (new or already written): contact log
        rows, or the one ``unknown_call`` row.
    """
    withheld = phones.is_withheld(number)
    found = [] if withheld else callerid.matches(number, settings)
    readings = () if withheld else phones.readings(number, settings)
    at = rang_at.replace(microsecond=0)
    if not found:
        return [_record_unknown(number, readings[0] if readings else "", withheld, at)]
    e164 = readings[0] if readings else found[0].e164
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


def _record_unknown(number: str, e164: str, withheld: bool, at: datetime) -> int:
    """The ``unknown_call`` row of a missed call (written once across sessions)."""
    reported = number.strip()[:64]
    with writing() as database:
        param = database.param
        same = "withheld" if withheld else "number"
        existing = database.execute_sql(
            f"SELECT id FROM unknown_call WHERE at >= {param} AND at <= {param} "
            f"AND {same} = {param} LIMIT 1",
            (at - MISSED_SAME_WITHIN, at + MISSED_SAME_WITHIN, True if withheld else reported),
        ).fetchone()
        if existing is not None:
            return int(existing[0])
        return int(
            UnknownCall.insert(
                {
                    UnknownCall.at: at,
                    UnknownCall.number: "" if withheld else reported,
                    UnknownCall.phone_e164: e164,
                    UnknownCall.withheld: withheld,
                }
            ).execute()
        )


_MISSED_PARTIES_SQL = """
SELECT 'c' AS src, c.id, c.at, c.party_id, p.number, p.company, p.first_name, p.last_name,
       p.city, cp.first_name AS cp_first, cp.last_name AS cp_last, c.phone_e164,
       '' AS reported, {false} AS withheld,
       (SELECT b.at FROM contact_log b WHERE b.party_id = c.party_id AND b.at >= c.at
        AND b.kind IN ('phone_in', 'phone_out') ORDER BY b.at LIMIT 1) AS called_back
FROM contact_log c
JOIN party p ON p.id = c.party_id
LEFT JOIN contact_person cp ON cp.id = c.contact_person_id
WHERE c.kind = 'missed'{where}
ORDER BY c.at DESC, c.id DESC LIMIT {limit}
"""

_MISSED_UNKNOWN_SQL = """
SELECT 'u' AS src, u.id, u.at, CAST(NULL AS INTEGER) AS party_id, '' AS number, '' AS company,
       '' AS first_name, '' AS last_name, '' AS city, '' AS cp_first, '' AS cp_last,
       u.phone_e164, u.number AS reported, u.withheld,
       CAST(NULL AS TIMESTAMP) AS called_back
FROM unknown_call u
WHERE 1 = 1{where}
ORDER BY u.at DESC, u.id DESC LIMIT {limit}
"""
"""Missed calls of parties (contact log) and of unknown or withheld numbers, as one list."""


def missed_calls(
    *,
    since: datetime | None = None,
    after: MissedKey | None = None,
    limit: int = 50,
    settings: Settings | phones.NumberPlan | str | None = None,
) -> list[MissedCall]:
    """A page of missed calls, newest first: parties' and unknown or withheld numbers'.

    Keyset paging on ``(at, source, id)``; each half reads its own index (``contact_log
    (kind, at)`` and ``unknown_call (at)``) for at most ``limit`` rows.

    Args:
        since: Only calls from this moment on.
        after: The :attr:`MissedCall.key` of the last row of the previous page.
        limit: Rows per page.
        settings: For the number display.
    """
    database = _database()
    param = database.param
    halves: dict[str, tuple[str, list[object]]] = {}
    for source, alias in (("c", "c"), ("u", "u")):
        where = ""
        params: list[object] = []
        if since is not None:
            where += f" AND {alias}.at >= {param}"
            params.append(since)
        if after is not None:
            at, after_source, after_id = after
            # Rows before the key in (at DESC, source DESC, id DESC) order.
            if source < after_source:
                where += f" AND {alias}.at <= {param}"
                params.append(at)
            elif source == after_source:
                where += (
                    f" AND ({alias}.at < {param} OR ({alias}.at = {param} "
                    f"AND {alias}.id < {param}))"
                )
                params += [at, at, after_id]
            else:
                where += f" AND {alias}.at < {param}"
                params.append(at)
        halves[source] = (where, params)
    false = "FALSE" if param == "%s" else "0"
    parties = _MISSED_PARTIES_SQL.format(false=false, where=halves["c"][0], limit=int(limit))
    unknown = _MISSED_UNKNOWN_SQL.format(where=halves["u"][0], limit=int(limit))
    # Each half reads at most ``limit`` rows along its own index; the union is merged here.
    rows = database.execute_sql(
        f"SELECT * FROM (SELECT * FROM ({parties}) parties UNION ALL "
        f"SELECT * FROM ({unknown}) unknown) missed "
        f"ORDER BY at DESC, src DESC, id DESC LIMIT {int(limit)}",
        [*halves["c"][1], *halves["u"][1]],
    ).fetchall()
    region = phones.plan_of(settings).region
    result = []
    for row in rows:
        at = _moment(row[2]) or datetime.min
        party_id = None if row[3] is None else int(row[3])
        e164 = str(row[11] or "")
        withheld = bool(row[13])
        if withheld:
            shown = _("withheld")
        elif e164:
            shown = phones.display(e164, region)
        else:
            shown = str(row[12] or "")
        result.append(
            MissedCall(
                id=int(row[1]),
                source=str(row[0]),
                at=at,
                party_id=party_id,
                party_number=str(row[4] or ""),
                name=str(row[5] or " ".join(str(part) for part in (row[6], row[7]) if part)),
                city=str(row[8] or ""),
                contact_person=" ".join(str(part) for part in (row[9], row[10]) if part),
                phone_e164=e164,
                reported=str(row[12] or ""),
                withheld=withheld,
                display=shown,
                called_back_at=_moment(row[14]),
            )
        )
    return result
