"""The contact log (Kontakt erfassen), contact intervals and call suggestions.

Logging a contact updates the party's ``last_contact_at`` (the latest contact, not
necessarily this one) and ``contact_count`` in the same transaction, and moves the party's
open relative follow-ups (:func:`tui_crm.services.followups.move_relative`).

Call suggestions are parties with a contact interval whose last contact is older than it:
never contacted first, then by the day the contact became due (last contact + interval),
most overdue first. Revenue is the last twelve months' invoices minus credit notes, gross,
drafts and cancelled documents left out.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from peewee import Database

from tui_crm.db import queries
from tui_crm.db.models import (
    CONTACT_KINDS,
    PARTY_KINDS,
    AuditLog,
    ContactLog,
    ContactPerson,
    Document,
    Party,
    now,
)
from tui_crm.errors import ValidationError
from tui_crm.i18n import _
from tui_crm.services import dates, followups
from tui_crm.services.followups import ClerkRef, FollowUpDraft, UnknownParty
from tui_crm.services.roles import Permission, require
from tui_crm.services.transactions import retrying, writing

MAX_TOPIC = 200
"""Width of the topic column."""

MAX_DURATION = 24 * 3600
"""The longest contact, in seconds."""

REVENUE_MONTHS = 12
"""Months of revenue a call suggestion shows."""

ContactKey = tuple[datetime, int]
"""Position in a contact log (newest first): time and id."""

SuggestionKey = tuple[datetime | None, int]
"""Position in the call suggestions: when the contact became due (None: never contacted),
and the party id."""


@dataclass(frozen=True, slots=True)
class ContactDraft:
    """A contact to log (with a follow-up done, or from the log-contact dialog)."""

    kind: str
    """One of :data:`~tui_crm.db.models.CONTACT_KINDS`."""
    topic: str = ""
    """What it was about."""
    agreements: str = ""
    """What was agreed."""
    at: datetime | None = None
    """When; None means now."""
    duration_seconds: int | None = None
    """How long, for calls and visits."""
    contact_person: int | None = None
    """The contact person spoken to."""
    phone_e164: str = ""
    """The number called or calling, for calls."""


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One entry of the contact log."""

    id: int
    """Database id."""
    party_id: int
    """The party."""
    at: datetime
    """When."""
    kind: str
    """``phone_in``, ``phone_out``, ``missed``, ``visit``, ``letter``, ``email``, ``other``."""
    topic: str
    """What it was about."""
    agreements: str
    """What was agreed."""
    duration_seconds: int | None
    """How long, if known."""
    contact_person_id: int | None
    """The contact person spoken to."""
    contact_person: str
    """Their name."""
    clerk: str
    """Login of the clerk who logged it."""
    phone_e164: str
    """The number of a call."""
    follow_up_id: int | None
    """The follow-up done with it, or created with it."""

    @property
    def key(self) -> ContactKey:
        """The keyset position (pass as ``after`` for the next page)."""
        return (self.at, self.id)


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    """A party to call because its contact interval has passed."""

    party_id: int
    """The party."""
    number: str
    """Customer or prospect number."""
    name: str
    """Company, else first and last name."""
    city: str
    """City."""
    phone: str
    """Main phone, formatted for display."""
    last_contact_at: datetime | None
    """The last contact, or None if never contacted."""
    interval_days: int
    """The party's contact interval."""
    due_at: datetime | None
    """Last contact plus the interval (None: never contacted)."""
    overdue_days: int | None
    """Days since the contact became due (None: never contacted)."""
    revenue: Decimal
    """Invoices minus credit notes (gross) of the last :data:`REVENUE_MONTHS` months."""

    @property
    def key(self) -> SuggestionKey:
        """The keyset position (pass as ``after`` for the next page)."""
        return (self.due_at, self.party_id)


def kind_label(kind: str) -> str:
    """The display name of a contact kind."""
    labels = {
        "phone_in": _("Call in"),
        "phone_out": _("Call out"),
        "missed": _("Missed call"),
        "visit": _("Visit"),
        "letter": _("Letter"),
        "email": _("Email"),
        "other": _("Other"),
    }
    return labels.get(kind, kind)


def _moment(value: Any) -> datetime | None:
    return ContactLog.at.python_value(value)  # type: ignore[no-any-return]


def _day(value: Any) -> date | None:
    return Party.suggestion_snoozed_until.python_value(value)  # type: ignore[no-any-return]


def _check(draft: ContactDraft, today: date) -> None:
    title = _("Contact")
    if draft.kind not in CONTACT_KINDS:
        raise ValidationError(
            _("Unknown contact kind: {kind}.").format(kind=draft.kind), title=title
        )
    if len(draft.topic.strip()) > MAX_TOPIC:
        raise ValidationError(
            _("The topic is longer than {count} characters.").format(count=MAX_TOPIC), title=title
        )
    if draft.duration_seconds is not None and not 0 <= draft.duration_seconds <= MAX_DURATION:
        raise ValidationError(_("The duration is 0 to 24 hours."), title=title)
    if draft.at is not None and draft.at.date() > today:
        raise ValidationError(_("A contact cannot be in the future."), title=title)


def insert_contact(
    party_id: int,
    draft: ContactDraft,
    clerk_id: int,
    clerk_login: str,
    *,
    follow_up_id: int | None = None,
    today: date | None = None,
) -> int:
    """Log a contact inside the caller's write transaction; return its id.

    Updates the party's last contact (the latest of the old one and this) and contact count,
    and moves its open relative follow-ups.

    Raises:
        ValidationError: The contact is invalid.
        UnknownParty: The party does not exist.
    """
    _check(draft, today or date.today())
    if draft.contact_person is not None and (
        not ContactPerson.select(ContactPerson.id)
        .where((ContactPerson.id == draft.contact_person) & (ContactPerson.party == party_id))
        .exists()
    ):
        raise ValidationError(
            _("The contact person does not belong to this customer."), title=_("Contact")
        )
    at = (draft.at or now()).replace(microsecond=0)
    updated = (
        Party.update(
            {
                Party.contact_count: Party.contact_count + 1,
                Party.last_contact_at: _latest(at),
            }
        )
        .where(Party.id == party_id)
        .execute()
    )
    if updated != 1:
        raise UnknownParty(_("The customer does not exist (any more)."), title=_("Contact"))
    contact_id = int(
        ContactLog.insert(
            {
                ContactLog.party: party_id,
                ContactLog.contact_person: draft.contact_person,
                ContactLog.at: at,
                ContactLog.kind: draft.kind,
                ContactLog.topic: draft.topic.strip(),
                ContactLog.agreements: draft.agreements,
                ContactLog.duration_seconds: draft.duration_seconds,
                ContactLog.phone_e164: draft.phone_e164,
                ContactLog.clerk: clerk_id,
                ContactLog.follow_up: follow_up_id,
            }
        ).execute()
    )
    AuditLog.insert(
        followups.audit_row(
            party_id,
            "contact_log",
            contact_id,
            "created",
            None,
            f"{draft.kind} {draft.topic.strip()}".rstrip(),
            clerk_login,
        )
    ).execute()
    last = Party.select(Party.last_contact_at).where(Party.id == party_id).scalar()
    followups.move_relative(party_id, _moment(last) or at, clerk_login)
    return contact_id


def _latest(at: datetime) -> Any:
    """``last_contact_at`` set to ``at`` unless a later contact is stored."""
    from peewee import Case

    return Case(
        None,
        (
            (Party.last_contact_at.is_null(), at),
            (Party.last_contact_at < at, at),
        ),
        Party.last_contact_at,
    )


@retrying
def log_contact(
    party: int,
    kind: str,
    at: datetime | None,
    topic: str,
    agreements: str,
    duration_seconds: int | None,
    clerk: ClerkRef,
    contact_person: int | None = None,
    follow_up: FollowUpDraft | None = None,
    *,
    phone_e164: str = "",
    today: date | None = None,
) -> ContactRow:
    """Log a contact, optionally creating a follow-up in the same transaction.

    Args:
        party: The party's id.
        kind: One of :data:`~tui_crm.db.models.CONTACT_KINDS`.
        at: When (None: now); not after today.
        topic: What it was about (up to 200 characters).
        agreements: What was agreed.
        duration_seconds: How long, if known.
        clerk: The clerk who logs it (id or login).
        contact_person: The contact person spoken to (of this party).
        follow_up: A follow-up to create with it (a relative one counts from this contact);
            the contact links to it.
        phone_e164: The number of a call.
        today: The current day (default: today).

    Returns:
        The logged contact.

    Raises:
        ValidationError: A value is invalid; nothing is written.
        UnknownParty: The party does not exist.
    """
    draft = ContactDraft(
        kind=kind,
        topic=topic,
        agreements=agreements,
        at=at,
        duration_seconds=duration_seconds,
        contact_person=contact_person,
        phone_e164=phone_e164,
    )
    day = today or date.today()
    _check(draft, day)
    checked = followups.check_draft(follow_up) if follow_up is not None else None
    with writing():
        clerk_id, login = require(followups.resolve_clerk(clerk)[0], Permission.EDIT)
        contact_id = insert_contact(party, draft, clerk_id, login, today=day)
        if checked is not None:
            owner = checked.owner if checked.owner is not None else clerk_id
            followups.check_refs(party, checked, owner)
            last = Party.select(Party.last_contact_at).where(Party.id == party).scalar()
            follow_up_id = followups.insert(party, checked, clerk_id, login, day, _moment(last))
            ContactLog.update({ContactLog.follow_up: follow_up_id}).where(
                ContactLog.id == contact_id
            ).execute()
    return contact(contact_id)


_CONTACT_SQL = """
SELECT c.id, c.party_id, c.at, c.kind, c.topic, c.agreements, c.duration_seconds,
       c.contact_person_id, cp.first_name, cp.last_name, k.login, c.phone_e164, c.follow_up_id
FROM contact_log c
LEFT JOIN contact_person cp ON cp.id = c.contact_person_id
LEFT JOIN clerk k ON k.id = c.clerk_id
"""


def _contact_row(row: Sequence[Any]) -> ContactRow:
    return ContactRow(
        id=int(row[0]),
        party_id=int(row[1]),
        at=_moment(row[2]) or datetime.min,
        kind=str(row[3]),
        topic=str(row[4] or ""),
        agreements=str(row[5] or ""),
        duration_seconds=None if row[6] is None else int(row[6]),
        contact_person_id=None if row[7] is None else int(row[7]),
        contact_person=" ".join(str(part) for part in (row[8], row[9]) if part),
        clerk=str(row[10] or ""),
        phone_e164=str(row[11] or ""),
        follow_up_id=None if row[12] is None else int(row[12]),
    )


def _database() -> Database:
    database: Database = ContactLog._meta.database
    return database


def contact(contact_id: int) -> ContactRow:
    """One contact.

    Raises:
        KeyError: No contact has the id.
    """
    database = _database()
    found = database.execute_sql(
        f"{_CONTACT_SQL} WHERE c.id = {database.param}", (contact_id,)
    ).fetchone()
    if found is None:
        raise KeyError(contact_id)
    return _contact_row(found)


def add_by_number(
    number: str,
    kind: str,
    topic: str,
    clerk: ClerkRef,
    *,
    agreements: str = "",
    duration_seconds: int | None = None,
    today: date | None = None,
) -> ContactRow:
    """``tui-crm contact add NUMBER --kind KIND --topic TEXT``: log a contact now.

    Raises:
        UnknownParty: No party has the number.
        ValidationError: The kind, topic or clerk is invalid.
    """
    return log_contact(
        followups.party_id_by_number(number),
        kind,
        None,
        topic,
        agreements,
        duration_seconds,
        clerk,
        today=today,
    )


def contacts_of(party: int, after: ContactKey | None = None, limit: int = 100) -> list[ContactRow]:
    """A page of the party's contact log, newest first (keyset on ``(party_id, at)``)."""
    database = _database()
    param = database.param
    where = f"c.party_id = {param}"
    params: list[object] = [party]
    if after is not None:
        where += f" AND c.at <= {param} AND (c.at < {param} OR c.id < {param})"
        params += [after[0], after[0], after[1]]
    sql = f"{_CONTACT_SQL} WHERE {where} ORDER BY c.at DESC, c.id DESC LIMIT {int(limit)}"
    return [_contact_row(row) for row in database.execute_sql(sql, params).fetchall()]


@retrying
def snooze(party: int, until: date | None, clerk: ClerkRef) -> None:
    """Hide the party from the call suggestions until ``until`` (it shows again that day);
    None shows it again now.

    Raises:
        UnknownParty: The party does not exist.
    """
    with writing():
        _clerk_id, login = require(followups.resolve_clerk(clerk)[0], Permission.EDIT)
        old = followups.tuples(
            Party.select(Party.suggestion_snoozed_until).where(Party.id == party)
        )
        if not old:
            raise UnknownParty(_("The customer does not exist (any more)."), title=_("Contact"))
        Party.update({Party.suggestion_snoozed_until: until}).where(Party.id == party).execute()
        if old[0][0] != until:
            AuditLog.insert(
                followups.audit_row(
                    party, "party", party, "suggestion_snoozed_until", old[0][0], until, login
                )
            ).execute()


# Call suggestions ------------------------------------------------------------------------

_BATCH = 512
"""Index entries a call-suggestion scan reads per query (doubling up to 16 times that)."""

INTERVAL_INDEX = ("contact_interval_days", "last_contact_at")
"""Columns of the index that lets :func:`call_suggestions` read each interval in due order."""

_index_cache: dict[tuple[int, str], bool] = {}


def _has_interval_index(database: Database) -> bool:
    """Whether ``party`` has an index starting with :data:`INTERVAL_INDEX` (cached)."""
    cache_key = (id(database), str(database.database))
    found = _index_cache.get(cache_key)
    if found is None:
        found = any(
            tuple(index.columns[:2]) == INTERVAL_INDEX for index in database.get_indexes("party")
        )
        _index_cache[cache_key] = found
    return found


def forget_indexes() -> None:
    """Forget which indexes exist (after a migration adds the interval index)."""
    _index_cache.clear()


def _visible(snoozed: Any, today: date) -> bool:
    until = _day(snoozed)
    return until is None or until <= today


def _never_contacted(today: date, after_id: int | None, limit: int) -> list[tuple[int, int, None]]:
    """``(party id, interval, None)`` of parties never contacted, in id order."""
    database = _database()
    param = database.param
    found: list[tuple[int, int, None]] = []
    for kind in PARTY_KINDS:
        sql = (
            "SELECT id, contact_interval_days FROM party WHERE kind = "
            f"{param} AND last_contact_at IS NULL AND contact_interval_days >= 1 "
            f"AND (suggestion_snoozed_until IS NULL OR suggestion_snoozed_until <= {param})"
            f" AND id > {param} ORDER BY id LIMIT {int(limit)}"
        )
        for party_id, interval in database.execute_sql(
            sql, (kind, today, after_id or 0)
        ).fetchall():
            found.append((int(party_id), int(interval), None))
    return sorted(found)[:limit]


def _scan_kind(kind: str, stop: datetime) -> Iterator[tuple[datetime, int, int | None, Any]]:
    """``(last contact, id, interval, snoozed)`` of contacted parties of ``kind`` in
    ``(last_contact_at, id)`` order, up to ``stop``, read in growing batches."""
    database = _database()
    param = database.param
    position: tuple[datetime, int] | None = None
    batch = _BATCH
    while True:
        where = f"kind = {param} AND last_contact_at IS NOT NULL AND last_contact_at < {param}"
        params: list[object] = [kind, stop]
        if position is not None:
            where += (
                f" AND last_contact_at >= {param} AND (last_contact_at > {param} OR id > {param})"
            )
            params += [position[0], position[0], position[1]]
        sql = (
            "SELECT last_contact_at, id, contact_interval_days, suggestion_snoozed_until "
            f"FROM party WHERE {where} ORDER BY last_contact_at, id LIMIT {batch}"
        )
        fetched = database.execute_sql(sql, params).fetchall()
        for last, party_id, interval, snoozed in fetched:
            moment = _moment(last) or datetime.min
            yield moment, int(party_id), None if interval is None else int(interval), snoozed
            position = (moment, int(party_id))
        if len(fetched) < batch:
            return
        batch = min(batch * 2, _BATCH * 16)


def _overdue_by_scan(
    today: date, after: SuggestionKey | None, limit: int
) -> list[tuple[datetime, int, int, datetime]]:
    """``(due_at, id, interval, last contact)`` of contacted parties, most overdue first,
    without an interval index.

    Walks ``(kind, last_contact_at)`` in ascending order (one stream per kind, merged) and
    keeps a heap by due time. An interval is at least one day, so once the walk has passed
    ``X``, every party not yet read is due after ``X + 1 day``, and all heap entries due
    before that are final. The walk stops at today (later contacts cannot be overdue) or as
    soon as ``limit`` rows are final.
    """
    stop = datetime.combine(today, time.min)
    streams = [_scan_kind(kind, stop) for kind in PARTY_KINDS]
    heap: list[tuple[datetime, int, int, datetime]] = []
    result: list[tuple[datetime, int, int, datetime]] = []
    one_day = timedelta(days=1)
    for last, party_id, interval, snoozed in heapq.merge(*streams):
        while heap and heap[0][0] < last + one_day:
            result.append(heapq.heappop(heap))
            if len(result) >= limit:
                return result
        if interval is None or interval < 1:
            continue
        due_at = last + timedelta(days=interval)
        if due_at.date() > today or not _visible(snoozed, today):
            continue
        if after is not None and after[0] is not None and (due_at, party_id) <= after:
            continue
        heapq.heappush(heap, (due_at, party_id, interval, last))
    while heap and len(result) < limit:
        result.append(heapq.heappop(heap))
    return result


def _intervals(database: Database) -> list[int]:
    """Distinct contact intervals >= 1, one index seek each."""
    found: list[int] = []
    previous = 0
    while True:
        value = database.execute_sql(
            f"SELECT MIN(contact_interval_days) FROM party WHERE contact_interval_days > "
            f"{database.param}",
            (previous,),
        ).fetchone()[0]
        if value is None:
            return found
        previous = int(value)
        found.append(previous)


def _overdue_by_interval(
    today: date, after: SuggestionKey | None, limit: int
) -> list[tuple[datetime, int, int, datetime]]:
    """Like :func:`_overdue_by_scan`, with the ``(contact_interval_days, last_contact_at)``
    index: one ordered, limited range per distinct interval, merged."""
    database = _database()
    param = database.param
    streams = []
    for interval in _intervals(database):
        span = timedelta(days=interval)
        cutoff = datetime.combine(today - span + timedelta(days=1), time.min)
        where = (
            f"contact_interval_days = {param} AND last_contact_at IS NOT NULL "
            f"AND last_contact_at < {param} "
            f"AND (suggestion_snoozed_until IS NULL OR suggestion_snoozed_until <= {param})"
        )
        params: list[object] = [interval, cutoff, today]
        if after is not None and after[0] is not None:
            base = after[0] - span
            where += (
                f" AND last_contact_at >= {param} AND (last_contact_at > {param} OR id > {param})"
            )
            params += [base, base, after[1]]
        sql = (
            f"SELECT last_contact_at, id FROM party WHERE {where} "
            f"ORDER BY last_contact_at, id LIMIT {int(limit)}"
        )
        streams.append(
            [
                ((_moment(last) or datetime.min) + span, int(party_id), interval, _moment(last))
                for last, party_id in database.execute_sql(sql, params).fetchall()
            ]
        )
    merged = heapq.merge(*streams)
    return [
        (due_at, party_id, interval, last or datetime.min)
        for due_at, party_id, interval, last in list(merged)[:limit]
    ]


def revenue(party_ids: Sequence[int], today: date) -> dict[int, Decimal]:
    """Invoices minus credit notes (gross) per party over the last :data:`REVENUE_MONTHS`
    months, on the ``(party_id, date)`` index; drafts and cancelled documents left out.

    The kind is tested inside the sum, not in WHERE: a ``kind IN (…)`` condition lures
    SQLite onto the ``(kind, date)`` index, a year of every party's invoices (1.3 s at a
    million customers instead of 1 ms).
    """
    if not party_ids:
        return {}
    database = _database()
    param = database.param
    since = dates.add_months(today, -REVENUE_MONTHS)
    marks = ", ".join([param] * len(party_ids))
    sql = (
        "SELECT party_id, SUM(CASE kind WHEN 'invoice' THEN gross_total "
        "WHEN 'credit_note' THEN -gross_total ELSE 0 END) FROM document "
        f"WHERE party_id IN ({marks}) AND date > {param} AND date <= {param} "
        "AND status NOT IN ('draft', 'cancelled') GROUP BY party_id"
    )
    rows = database.execute_sql(sql, [*party_ids, since, today]).fetchall()
    return {int(party): Document.gross_total.to_decimal(total) for party, total in rows}


def call_suggestions(
    today: date | None = None,
    after: SuggestionKey | None = None,
    limit: int = 100,
    *,
    region: str = "DE",
) -> list[SuggestionRow]:
    """A page of parties whose last contact is older than their contact interval.

    Order: parties never contacted first (by id), then by when the contact became due
    (last contact + interval), most overdue first. Snoozed parties are left out until their
    snooze date. A party is due on the day ``last contact date + interval``.

    Query plan: never-contacted parties come from the ``(kind, last_contact_at)`` index
    (``last_contact_at IS NULL``, in id order). Contacted ones need "last contact +
    interval" in order, which no index of schema 2 has; an index on
    ``(contact_interval_days, last_contact_at)`` (see :data:`INTERVAL_INDEX`) gives one
    ordered range per distinct interval and is used when present. Without it, the
    ``(kind, last_contact_at)`` index is walked from the oldest contact until the page is
    final (:func:`_overdue_by_scan`), which reads every party contacted before the page's
    last due date; deep pages cost more.

    Args:
        today: The current day (default: today).
        after: The :attr:`SuggestionRow.key` of the last row of the previous page.
        limit: Rows per page.
        region: Default phone region for formatting.
    """
    day = today or date.today()
    picked: list[tuple[datetime | None, int, int, datetime | None]] = []
    if after is None or after[0] is None:
        for party_id, interval, _none in _never_contacted(day, after[1] if after else None, limit):
            picked.append((None, party_id, interval, None))
    if len(picked) < limit:
        contacted_after = after if after is not None and after[0] is not None else None
        finder = _overdue_by_interval if _has_interval_index(_database()) else _overdue_by_scan
        picked.extend(finder(day, contacted_after, limit - len(picked)))
    ids = [party_id for _due, party_id, _interval, _last in picked]
    data = {int(row["id"]): row for row in queries.party_rows(_database(), ids)}
    main = queries.main_phones(ids)
    money = revenue(ids, day)
    result = []
    for due_at, party_id, interval, last in picked:
        row = data.get(party_id)
        if row is None:
            continue
        name = str(
            row["company"] or " ".join(p for p in (row["first_name"], row["last_name"]) if p)
        )
        result.append(
            SuggestionRow(
                party_id=party_id,
                number=str(row["number"]),
                name=name,
                city=str(row["city"]),
                phone=followups.display_phone(main.get(party_id, ""), region),
                last_contact_at=last,
                interval_days=interval,
                due_at=due_at,
                overdue_days=None if due_at is None else (day - due_at.date()).days,
                revenue=money.get(party_id, Decimal("0.00")),
            )
        )
    return result
