"""Follow-ups (Wiedervorlage): the due list with its sections, and every change to one.

Writes run in one transaction each (``BEGIN IMMEDIATE`` on SQLite, see :func:`writing`) and
leave :class:`~tui_crm.db.models.AuditLog` rows (``table_name = 'follow_up'``): ``created``,
each changed field, ``done_at`` and ``deleted``. Every change bumps ``FollowUp.version``;
:func:`update`, :func:`postpone`, :func:`done` and :func:`delete` refuse to overwrite a
change made meanwhile (:class:`FollowUpConflict`).

Recurrences are stored as a count and a unit, ``7d``, ``2w``, ``1m`` or ``1y``
(:func:`tui_crm.services.dates.parse_recurrence`); marking a recurring follow-up done
creates the next one (:func:`tui_crm.services.dates.next_occurrence`). A relative follow-up
(``days_after_contact = N``) is due N days after the party's last contact and moves whenever
a contact is logged (:func:`move_relative`).
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from peewee import Database

from tui_crm.db import queries
from tui_crm.db.connection import db, is_sqlite
from tui_crm.db.models import AuditLog, Clerk, ContactPerson, FollowUp, Party, now
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.services import dates, phones
from tui_crm.services.roles import Permission, require
from tui_crm.services.transactions import retrying, writing

if TYPE_CHECKING:
    from tui_crm.services.contacts import ContactDraft

SECTIONS = ("overdue", "today", "upcoming", "later", "week", "all")
"""Parts of the due list: before today, today, the next :data:`UPCOMING_DAYS` days, after
that; ``week`` is everything due up to a week from today (overdue included), ``all`` every
open follow-up."""

UPCOMING_DAYS = 7
"""Days after today that count as upcoming."""

PRIORITIES = (1, 2, 3)
"""1 high, 2 normal (the default), 3 low."""

MAX_SUBJECT = 200
"""Width of the subject column."""

MAX_DAYS_AFTER_CONTACT = 3650
"""The largest ``N`` of "N days after the last contact"."""

SEARCH_PARTIES = 10_000
"""Parties the list search takes from the customer search (name, number, phone, city)."""

TABLE = "follow_up"
"""``AuditLog.table_name`` of follow-ups."""

FollowUpKey = tuple[date, time | None, int]
"""Position in the due list: due date, due time (None first: all-day before timed), id."""

ClerkRef = int | str
"""A clerk by id or by login."""

display_phone = lru_cache(maxsize=65_536)(phones.display)
""":func:`phones.display`, cached: formatting parses the number, and lists repeat numbers."""


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    """One follow-up with what the list shows of its party."""

    id: int
    """Database id."""
    party_id: int
    """The party's id."""
    number: str
    """Customer or prospect number."""
    name: str
    """Company, else first and last name."""
    phone: str
    """Main phone of the party, formatted for display."""
    due_date: date
    """The day it is due."""
    due_time: time | None
    """The time of day, or None for all day."""
    subject: str
    """What to do."""
    note: str
    """Free text."""
    owner_id: int
    """The clerk whose list it is on."""
    owner: str
    """Login of the owner."""
    priority: int
    """1 high, 2 normal, 3 low."""
    recurrence: str
    """``7d``, ``2w``, ``1m``, ``1y`` or empty."""
    days_after_contact: int | None
    """N of a relative follow-up (due N days after the last contact), else None."""
    contact_person_id: int | None
    """The contact person to speak to, if any."""
    contact_person: str
    """That person's name."""
    created_at: datetime
    """When it was created."""
    created_by: str
    """Login of the clerk who created it."""
    done_at: datetime | None
    """When it was done, or None while open."""
    done_by: str
    """Login of the clerk who did it."""
    version: int
    """Optimistic lock: pass it back to :func:`update` and friends."""

    @property
    def done(self) -> bool:
        """Whether it is done."""
        return self.done_at is not None

    @property
    def key(self) -> FollowUpKey:
        """The keyset position (pass as ``after`` for the next page)."""
        return (self.due_date, self.due_time, self.id)

    def section(self, today: date) -> str:
        """``overdue``, ``today``, ``upcoming`` or ``later`` relative to ``today``."""
        return section_of(self.due_date, today)


@dataclass(frozen=True, slots=True)
class FollowUpDraft:
    """What the F11 dialog (or the command line) fills in."""

    due_date: date
    """The due date (ignored for a relative follow-up: it is computed)."""
    subject: str
    """What to do (required, up to 200 characters)."""
    due_time: time | None = None
    """Optional time of day."""
    note: str = ""
    """Free text."""
    owner: int | None = None
    """Clerk id of the owner; None means the clerk who saves."""
    priority: int = 2
    """1 high, 2 normal, 3 low."""
    recurrence: str = ""
    """Repeat every ``7d``/``2w``/``1m``/``1y`` (any form :func:`dates.parse_recurrence` reads)."""
    days_after_contact: int | None = None
    """Due this many days after the last contact (moves with new contacts); not with a
    recurrence."""
    contact_person: int | None = None
    """Contact person of the same party."""


@dataclass(frozen=True, slots=True)
class SectionCounts:
    """Open follow-ups per section of the due list."""

    overdue: int
    """Due before today."""
    today: int
    """Due today."""
    upcoming: int
    """Due in the next :data:`UPCOMING_DAYS` days."""
    later: int
    """Due after that."""

    @property
    def total(self) -> int:
        """All open follow-ups."""
        return self.overdue + self.today + self.upcoming + self.later


@dataclass(frozen=True, slots=True)
class DoneResult:
    """What :func:`done` wrote."""

    follow_up: FollowUpRow
    """The follow-up, now done."""
    next: FollowUpRow | None
    """The next occurrence of a recurring follow-up, else None."""
    contact_id: int | None
    """The contact logged in the same step, else None."""


class FollowUpNotFound(CrmError):
    """The follow-up does not exist (any more)."""


class UnknownParty(CrmError):
    """No party has the id."""


class FollowUpConflict(CrmError):
    """Another clerk changed, did or deleted the follow-up meanwhile; nothing was written.

    Args:
        msg: What happened.
        current: The follow-up as it is stored now.
    """

    def __init__(self, msg: str, current: FollowUpRow) -> None:
        super().__init__(msg, title=_("Follow-up"))
        self.current = current
        """The follow-up as stored now (its version is the base of the next try)."""


# Small helpers ---------------------------------------------------------------------------


def section_of(due: date, today: date) -> str:
    """The section of a follow-up due on ``due``."""
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    if due <= today + timedelta(days=UPCOMING_DAYS):
        return "upcoming"
    return "later"


def section_bounds(section: str, today: date) -> tuple[date | None, date | None]:
    """First and last due date (None: open-ended) of a section.

    Raises:
        ValueError: ``section`` is not one of :data:`SECTIONS`.
    """
    week = today + timedelta(days=UPCOMING_DAYS)
    bounds: dict[str, tuple[date | None, date | None]] = {
        "overdue": (None, today - timedelta(days=1)),
        "today": (today, today),
        "upcoming": (today + timedelta(days=1), week),
        "later": (week + timedelta(days=1), None),
        "week": (None, week),
        "all": (None, None),
    }
    if section not in bounds:
        raise ValueError(f"unknown section {section!r}")
    return bounds[section]


def _database() -> Database:
    database: Database = db.obj
    return database


def resolve_clerk(clerk: ClerkRef) -> tuple[int, str]:
    """The id and login of a clerk given by id, login or (for the command line) name.

    Raises:
        ValidationError: No such clerk.
    """
    query = Clerk.select(Clerk.id, Clerk.login)
    if isinstance(clerk, int):
        rows = tuples(query.where(Clerk.id == clerk))
    else:
        rows = tuples(query.where(Clerk.login == clerk))
        if not rows:
            rows = tuples(query.where(Clerk.name == clerk).order_by(Clerk.id))
    if not rows:
        raise ValidationError(_("No clerk {clerk}.").format(clerk=clerk), title=_("Follow-up"))
    return int(rows[0][0]), str(rows[0][1])


def audit_row(
    party_id: int | None,
    table: str,
    row_id: int,
    field: str,
    old: object,
    new: object,
    clerk: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An :class:`AuditLog` row; values stored as text (ISO dates, ``HH:MM`` times)."""
    return {
        "table_name": table,
        "row_id": row_id,
        "party": party_id,
        "field": field,
        "old_value": audit_text(old),
        "new_value": audit_text(new),
        "clerk": clerk,
        "at": at or now(),
    }


def audit_text(value: object) -> str | None:
    """A value as the audit log stores it."""
    if value is None:
        return None
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat(" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def tuples(query: Any) -> list[tuple[Any, ...]]:
    """Run a ``.tuples()`` query (the stubs type it as model rows)."""
    return list(cast(Iterable[tuple[Any, ...]], query.tuples()))


def dicts(query: Any) -> list[dict[str, Any]]:
    """Run a ``.dicts()`` query (the stubs type it as model rows)."""
    return list(cast(Iterable[dict[str, Any]], query.dicts()))


def _person_name(first: object, last: object) -> str:
    return " ".join(str(part) for part in (first, last) if part)


def _party_name(company: object, first: object, last: object) -> str:
    return str(company or _person_name(first, last))


def _day(value: Any) -> date:
    return FollowUp.due_date.python_value(value)  # type: ignore[no-any-return]


def _moment(value: Any) -> datetime | None:
    return FollowUp.done_at.python_value(value)  # type: ignore[no-any-return]


def _clock(value: Any) -> time | None:
    return FollowUp.due_time.python_value(value)  # type: ignore[no-any-return]


# Reading ---------------------------------------------------------------------------------

_ROW_SQL = """
SELECT f.id, f.party_id, p.number, p.company, p.first_name, p.last_name, f.due_date,
       f.due_time, f.subject, f.note, f.owner_id, o.login, f.priority, f.recurrence,
       f.days_after_contact, f.contact_person_id, cp.first_name, cp.last_name, f.created_at,
       cb.login, f.done_at, d.login, f.version
FROM follow_up f
JOIN party p ON p.id = f.party_id
JOIN clerk o ON o.id = f.owner_id
LEFT JOIN contact_person cp ON cp.id = f.contact_person_id
LEFT JOIN clerk cb ON cb.id = f.created_by_id
LEFT JOIN clerk d ON d.id = f.done_by_id
WHERE f.id IN ({marks})
"""


def rows(ids: Sequence[int], *, region: str = "DE") -> list[FollowUpRow]:
    """The follow-ups ``ids`` in that order (missing ids are skipped), with the main phone."""
    if not ids:
        return []
    database = _database()
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        sql = _ROW_SQL.format(marks=", ".join([database.param] * len(chunk)))
        for row in database.execute_sql(sql, chunk).fetchall():
            found[int(row[0])] = row
    main = queries.main_phones(sorted({int(row[1]) for row in found.values()}))
    result = []
    for follow_up_id in ids:
        row = found.get(follow_up_id)
        if row is None:
            continue
        party_id = int(row[1])
        result.append(
            FollowUpRow(
                id=int(row[0]),
                party_id=party_id,
                number=str(row[2]),
                name=_party_name(row[3], row[4], row[5]),
                phone=display_phone(main.get(party_id, ""), region),
                due_date=_day(row[6]),
                due_time=_clock(row[7]),
                subject=str(row[8]),
                note=str(row[9] or ""),
                owner_id=int(row[10]),
                owner=str(row[11]),
                priority=int(row[12]),
                recurrence=str(row[13] or ""),
                days_after_contact=None if row[14] is None else int(row[14]),
                contact_person_id=None if row[15] is None else int(row[15]),
                contact_person=_person_name(row[16], row[17]),
                created_at=_moment(row[18]) or datetime.min,
                created_by=str(row[19] or ""),
                done_at=_moment(row[20]),
                done_by=str(row[21] or ""),
                version=int(row[22]),
            )
        )
    return result


def get(follow_up_id: int, *, region: str = "DE") -> FollowUpRow:
    """One follow-up.

    Raises:
        FollowUpNotFound: It does not exist (any more).
    """
    found = rows([follow_up_id], region=region)
    if not found:
        raise FollowUpNotFound(_("This follow-up was deleted meanwhile."), title=_("Follow-up"))
    return found[0]


def _key_condition(
    database: Database, after: FollowUpKey | None
) -> tuple[str, list[object], date | None]:
    """SQL (and parameters) for rows after ``after`` in due order; its date as lower bound."""
    if after is None:
        return "", [], None
    param = database.param
    day, clock, last_id = after
    if clock is None:
        within = f"(due_time IS NULL AND id > {param}) OR due_time IS NOT NULL"
        params: list[object] = [day, last_id]
    else:
        within = f"due_time > {param} OR (due_time = {param} AND id > {param})"
        params = [day, clock, clock, last_id]
    return f" AND (due_date > {param} OR ({within}))", params, day


def _sort_key(row: tuple[Any, ...]) -> tuple[date, int, time, int]:
    """(due date, has time, time, id): all-day follow-ups first within a day."""
    clock = _clock(row[2])
    return (_day(row[1]), clock is not None, clock or time.min, int(row[0]))


def _after(row: tuple[Any, ...], after: FollowUpKey | None) -> bool:
    if after is None:
        return True
    day, clock, last_id = after
    return _sort_key(row) > (day, clock is not None, clock or time.min, last_id)


def _open_where(
    param: str, owner: int | None, lower: date | None, upper: date | None
) -> tuple[list[str], list[object]]:
    """Conditions (and parameters) for open follow-ups of ``owner`` due between the bounds."""
    where = ["done_at IS NULL"]
    params: list[object] = []
    if owner is not None:
        where.append(f"owner_id = {param}")
        params.append(owner)
    if lower is not None:
        where.append(f"due_date >= {param}")
        params.append(lower)
    if upper is not None:
        where.append(f"due_date <= {param}")
        params.append(upper)
    return where, params


def _due_query(
    owner: int | None,
    lower: date | None,
    upper: date | None,
    after: FollowUpKey | None,
    columns: str = "id, due_date, due_time",
    table: str = "follow_up",
) -> tuple[str, list[object], str]:
    """``SELECT`` of open follow-ups after ``after`` (without ORDER BY), its parameters, and
    the ORDER BY clause of the due order.

    The range on ``(done_at, [owner_id,] due_date)`` comes from the section and the key;
    within a day SQLite sorts the rows of that date.
    """
    database = _database()
    param = database.param
    key_sql, key_params, key_day = _key_condition(database, after)
    if key_day is not None and (lower is None or key_day > lower):
        lower = key_day
    where, params = _open_where(param, owner, lower, upper)
    nulls = "" if is_sqlite(database) else " NULLS FIRST"
    sql = f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)}{key_sql}"
    return sql, [*params, *key_params], f" ORDER BY due_date, due_time{nulls}, id"


def _due_ids(
    owner: int | None,
    lower: date | None,
    upper: date | None,
    after: FollowUpKey | None,
    limit: int,
) -> list[tuple[Any, ...]]:
    """``(id, due_date, due_time)`` of open follow-ups in due order, after ``after``."""
    sql, params, order = _due_query(owner, lower, upper, after)
    return list(_database().execute_sql(f"{sql}{order} LIMIT {int(limit)}", params).fetchall())


SUBJECT_WINDOW = 5000
"""Open follow-ups (in due order) a subject search reads by index before it scans."""


def _subject_ids(
    owner: int | None,
    lower: date | None,
    upper: date | None,
    after: FollowUpKey | None,
    limit: int,
    text: str,
) -> list[tuple[Any, ...]]:
    """``(id, due_date, due_time)`` of open follow-ups whose subject contains ``text``.

    No index helps a "contains" match, and reading every open follow-up by the due index is
    a random row lookup each (230 ms for 250,000). So the first :data:`SUBJECT_WINDOW` rows
    in due order are read by index and tested; if they hold a page (or are all there is),
    that is the answer. Otherwise the table is read once in storage order (SQLite:
    ``NOT INDEXED``, 40 ms for 380,000 rows) and the matches are sorted.
    """
    database = _database()
    param = database.param
    operator = "LIKE" if is_sqlite(database) else "ILIKE"
    match = f"subject {operator} {param} ESCAPE '\\'"
    pattern = _like(text)
    sql, params, order = _due_query(owner, lower, upper, after, "id, due_date, due_time, subject")
    window = database.execute_sql(
        f"SELECT id, due_date, due_time, {match} FROM ({sql}{order} "
        f"LIMIT {SUBJECT_WINDOW}) w{order}",
        [pattern, *params],
    ).fetchall()
    found = [row[:3] for row in window if row[3]]
    if len(found) >= limit or len(window) < SUBJECT_WINDOW:
        return found[:limit]
    table = "follow_up NOT INDEXED" if is_sqlite(database) else "follow_up"
    sql, params, order = _due_query(owner, lower, upper, after, table=table)
    return list(
        database.execute_sql(
            f"{sql} AND {match}{order} LIMIT {int(limit)}", [*params, pattern]
        ).fetchall()
    )


def _party_follow_ups(
    party_ids: Sequence[int], owner: int | None, lower: date | None, upper: date | None
) -> list[tuple[Any, ...]]:
    """``(id, due_date, due_time)`` of the open follow-ups of ``party_ids`` (any order)."""
    database = _database()
    param = database.param
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(party_ids), 5000):
        chunk = list(party_ids[start : start + 5000])
        marks = ", ".join([param] * len(chunk))
        fetched = database.execute_sql(
            "SELECT id, due_date, due_time, done_at, owner_id FROM follow_up "
            f"WHERE party_id IN ({marks})",
            chunk,
        ).fetchall()
        # Filtering in Python keeps the planner on the party index (the due index would
        # walk every open follow-up to find a few parties).
        for row in fetched:
            if row[3] is not None or (owner is not None and int(row[4]) != owner):
                continue
            day = _day(row[1])
            if (lower is None or day >= lower) and (upper is None or day <= upper):
                found.append(row[:3])
    return found


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def due_list(
    owner: int | None,
    section: str = "all",
    search: str = "",
    after: FollowUpKey | None = None,
    limit: int = 200,
    *,
    today: date | None = None,
    region: str = "DE",
) -> list[FollowUpRow]:
    """A page of open follow-ups in due order (date, all-day before timed, time, id).

    Args:
        owner: Clerk id for "mine" or one clerk's list; None for everyone's.
        section: One of :data:`SECTIONS`.
        search: Text the list is narrowed to: follow-ups of parties the customer search
            finds for it (number, name, phone, city, contact person, email; the first
            :data:`SEARCH_PARTIES`), and follow-ups whose subject contains it (ignoring
            ASCII case on SQLite, any case on PostgreSQL).
        after: The :attr:`FollowUpRow.key` of the last row of the previous page.
        limit: Rows per page.
        today: The day sections are relative to (default: today).
        region: Default phone region for formatting.

    Returns:
        Up to ``limit`` rows after ``after``.

    Raises:
        ValueError: ``section`` is unknown.
    """
    lower, upper = section_bounds(section, today or date.today())
    text = search.strip()
    if not text:
        found = _due_ids(owner, lower, upper, after, limit)
        return rows([int(row[0]) for row in found], region=region)
    from tui_crm.services import customers

    by_subject = _subject_ids(owner, lower, upper, after, limit, text)
    parties = customers.search_ids(text, limit=SEARCH_PARTIES, region=region)
    by_party = [
        row for row in _party_follow_ups(parties, owner, lower, upper) if _after(row, after)
    ]
    merged = {int(row[0]): row for row in [*by_subject, *by_party]}
    ordered = sorted(merged.values(), key=_sort_key)[:limit]
    return rows([int(row[0]) for row in ordered], region=region)


def iter_due(
    owner: int | None,
    section: str = "all",
    search: str = "",
    *,
    today: date | None = None,
    page: int = 500,
    region: str = "DE",
) -> Iterator[FollowUpRow]:
    """Every row of :func:`due_list`, fetched page by page (the command line's export)."""
    after: FollowUpKey | None = None
    while True:
        batch = due_list(owner, section, search, after, page, today=today, region=region)
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1].key


def section_counts(owner: int | None, today: date | None = None) -> SectionCounts:
    """Open follow-ups per section; four counts on the ``(done_at, [owner_id,] due_date)``
    index, each a range of it."""
    day = today or date.today()
    database = _database()
    param = database.param
    counts: list[int] = []
    for section in ("overdue", "today", "upcoming", "later"):
        lower, upper = section_bounds(section, day)
        where, params = _open_where(param, owner, lower, upper)
        sql = f"SELECT COUNT(*) FROM follow_up WHERE {' AND '.join(where)}"
        counts.append(int(database.execute_sql(sql, params).fetchone()[0]))
    return SectionCounts(*counts)


def recent_subjects(clerk: int | None, limit: int = 10) -> list[str]:
    """Subjects for the F11 picker: the clerk's most recent first, then everyone's.

    Reads the newest few hundred follow-ups (by the ``created_by`` index and the primary
    key), never the whole table.
    """
    found: dict[str, None] = {}
    scans = []
    if clerk is not None:
        scans.append(
            FollowUp.select(FollowUp.subject)
            .where(FollowUp.created_by == clerk)
            .order_by(FollowUp.id.desc())
            .limit(500)
        )
    scans.append(FollowUp.select(FollowUp.subject).order_by(FollowUp.id.desc()).limit(500))
    for query in scans:
        for (subject,) in tuples(query):
            text = str(subject).strip()
            if text:
                found.setdefault(text, None)
            if len(found) >= limit:
                return list(found)
    return list(found)


@dataclass(frozen=True, slots=True)
class ClerkChoice:
    """A clerk to pick as the owner of a follow-up."""

    id: int
    """Database id."""
    login: str
    """Login name."""
    name: str
    """Full name (may be empty)."""

    @property
    def label(self) -> str:
        """``login (name)``, or the login alone when there is no other name."""
        return (
            f"{self.login} ({self.name})" if self.name and self.name != self.login else self.login
        )


@dataclass(frozen=True, slots=True)
class PartyBrief:
    """What the follow-up and contact dialogs show of their party."""

    id: int
    """The party's id."""
    number: str
    """Customer or prospect number."""
    name: str
    """Company, else first and last name."""
    last_contact_at: datetime | None
    """The last contact (relative follow-ups count from it)."""
    persons: tuple[tuple[int, str], ...]
    """``(id, name)`` of its contact persons."""


def clerks() -> list[ClerkChoice]:
    """Every active clerk, by login (the owner choice of the F11 dialog and the list)."""
    query = (
        Clerk.select(Clerk.id, Clerk.login, Clerk.name)
        .where(Clerk.active == True)  # noqa: E712 (peewee expression)
        .order_by(Clerk.login)
    )
    return [
        ClerkChoice(int(clerk_id), str(login), str(name or ""))
        for clerk_id, login, name in tuples(query)
    ]


def party_brief(party_id: int) -> PartyBrief:
    """Number, name, last contact and contact persons of a party.

    Raises:
        UnknownParty: The party does not exist (any more).
    """
    found = tuples(
        Party.select(
            Party.number, Party.company, Party.first_name, Party.last_name, Party.last_contact_at
        ).where(Party.id == party_id)
    )
    if not found:
        raise UnknownParty(_("The customer does not exist (any more)."), title=_("Follow-up"))
    number, company, first, last, last_contact = found[0]
    persons = tuples(
        ContactPerson.select(ContactPerson.id, ContactPerson.first_name, ContactPerson.last_name)
        .where(ContactPerson.party == party_id)
        .order_by(ContactPerson.last_name, ContactPerson.first_name, ContactPerson.id)
    )
    return PartyBrief(
        id=party_id,
        number=str(number),
        name=_party_name(company, first, last),
        last_contact_at=_moment(last_contact),
        persons=tuple((int(pid), _person_name(pf, pl)) for pid, pf, pl in persons),
    )


def of_party(
    party_id: int, *, limit: int = 200, done_limit: int = 50, region: str = "DE"
) -> list[FollowUpRow]:
    """The follow-ups of one party: open ones in due order, then the latest done ones.

    Both come from the ``(party_id, due_date)`` and ``party_id`` indexes.
    """
    open_ids = tuples(
        FollowUp.select(FollowUp.id, FollowUp.due_date, FollowUp.due_time)
        .where((FollowUp.party == party_id) & FollowUp.done_at.is_null())
        .order_by(FollowUp.due_date, FollowUp.id)
        .limit(limit)
    )
    ordered = sorted(open_ids, key=_sort_key)
    done_ids = tuples(
        FollowUp.select(FollowUp.id)
        .where((FollowUp.party == party_id) & FollowUp.done_at.is_null(False))
        .order_by(FollowUp.done_at.desc(), FollowUp.id.desc())
        .limit(done_limit)
    )
    ids = [int(row[0]) for row in ordered] + [int(row[0]) for row in done_ids]
    return rows(ids, region=region)


def timed_due(
    owner: int, day: date, after: time | None, until: time, *, limit: int = 20, region: str = "DE"
) -> list[FollowUpRow]:
    """Open follow-ups of ``owner`` due on ``day`` at a time after ``after`` (None: from
    midnight) up to ``until``: the ones that became due since the last look.

    One range of the ``(done_at, owner_id, due_date, due_time)`` index.
    """
    condition = (
        FollowUp.done_at.is_null()
        & (FollowUp.owner == owner)
        & (FollowUp.due_date == day)
        & FollowUp.due_time.is_null(False)
        & (FollowUp.due_time <= until)
    )
    if after is not None:
        condition &= FollowUp.due_time > after
    found = tuples(
        FollowUp.select(FollowUp.id)
        .where(condition)
        .order_by(FollowUp.due_time, FollowUp.id)
        .limit(limit)
    )
    return rows([int(row[0]) for row in found], region=region)


# Change detection ------------------------------------------------------------------------

_watchers: weakref.WeakKeyDictionary[Database, tuple[str, sqlite3.Connection]] = (
    weakref.WeakKeyDictionary()
)
_watch_lock = threading.Lock()


def change_marker(database: Database | None = None) -> int:
    """A number that changes when another connection or process commits a write.

    Poll it (say every second) and reload the list when it differs from the last value.

    - **SQLite:** ``PRAGMA data_version`` of a separate, read-only watcher connection kept
      per database. The pragma only changes for commits of *other* connections, and only
      compares within one connection, so the watcher is never the app's own (thread
      workers may each get a fresh connection). Every commit by any process or by this
      process's own connections changes it; costs microseconds.
    - **PostgreSQL:** a checksum of ``pg_current_snapshot()`` (``txid_current_snapshot()``
      before PostgreSQL 13): the next transaction id and the ones in progress. It changes
      when any writing transaction starts or ends, so a commit is never missed; reads do
      not change it. It is cluster-wide: writes to other tables or databases cause an
      occasional needless reload, never a missed one.

    Args:
        database: The database (default: the one :data:`~tui_crm.db.connection.db` holds).
    """
    database = database or _database()
    if is_sqlite(database):
        return _sqlite_marker(database)
    version = int(getattr(database.connection(), "server_version", 0) or 0)
    function = "pg_current_snapshot" if version >= 130000 else "txid_current_snapshot"
    cursor = database.execute_sql(f"SELECT {function}()::text")
    return zlib.crc32(str(cursor.fetchone()[0]).encode())


def _sqlite_marker(database: Database) -> int:
    path = str(database.database)
    if path in ("", ":memory:") or path.startswith("file:"):
        # In memory (or a URI we do not parse): there is no file for a second connection,
        # so the database's own connection must do.
        return int(database.execute_sql("PRAGMA data_version").fetchone()[0])
    with _watch_lock:
        entry = _watchers.get(database)
        try:
            if entry is None or entry[0] != path:
                if entry is not None:
                    entry[1].close()
                uri = Path(path).resolve().as_uri() + "?mode=ro"
                watcher = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=1)
                _watchers[database] = entry = (path, watcher)
            return int(entry[1].execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            # No watcher possible (say, no -shm file in a read-only folder): the app's own
            # connection still sees other processes' commits.
            _watchers.pop(database, None)
            return int(database.execute_sql("PRAGMA data_version").fetchone()[0])


def close_watchers() -> None:
    """Close the SQLite watcher connections of :func:`change_marker` (tests, shutdown)."""
    with _watch_lock:
        for _path, watcher in _watchers.values():
            watcher.close()
        _watchers.clear()


# Writing ---------------------------------------------------------------------------------


def check_draft(draft: FollowUpDraft) -> FollowUpDraft:
    """The draft checked and normalised (subject stripped, recurrence normalised)."""
    title = _("Follow-up")
    subject = " ".join(draft.subject.split())
    if not subject:
        raise ValidationError(_("Enter a subject."), title=title)
    if len(subject) > MAX_SUBJECT:
        raise ValidationError(
            _("The subject is longer than {count} characters.").format(count=MAX_SUBJECT),
            title=title,
        )
    if draft.priority not in PRIORITIES:
        raise ValidationError(_("The priority is 1 (high), 2 or 3 (low)."), title=title)
    recurrence = dates.parse_recurrence(draft.recurrence)
    days = draft.days_after_contact
    if days is not None and not 0 <= days <= MAX_DAYS_AFTER_CONTACT:
        raise ValidationError(
            _("Days after the last contact: 0 to {count}.").format(count=MAX_DAYS_AFTER_CONTACT),
            title=title,
        )
    if days is not None and recurrence:
        raise ValidationError(
            _("A follow-up is either relative to the last contact or recurring, not both."),
            title=title,
        )
    return replace(draft, subject=subject, recurrence=recurrence)


def _party_last_contact(party_id: int) -> tuple[bool, datetime | None]:
    found = tuples(Party.select(Party.last_contact_at).where(Party.id == party_id))
    if not found:
        return False, None
    return True, found[0][0]


def relative_due(days: int, last_contact: datetime | None, today: date) -> date:
    """Due date of "``days`` after the last contact" (counted from today if there was none)."""
    base = last_contact.date() if last_contact is not None else today
    return base + timedelta(days=days)


def _values(draft: FollowUpDraft, owner: int, due: date) -> dict[str, Any]:
    """Column values of a draft, by field name (the audited fields)."""
    return {
        "due_date": due,
        "due_time": draft.due_time,
        "subject": draft.subject,
        "note": draft.note,
        "owner": owner,
        "priority": draft.priority,
        "recurrence": draft.recurrence,
        "days_after_contact": draft.days_after_contact,
        "contact_person": draft.contact_person,
    }


def check_refs(party_id: int, draft: FollowUpDraft, owner: int) -> None:
    title = _("Follow-up")
    if not Clerk.select(Clerk.id).where(Clerk.id == owner).exists():
        raise ValidationError(_("No clerk {clerk}.").format(clerk=owner), title=title)
    if (
        draft.contact_person is not None
        and not ContactPerson.select(ContactPerson.id)
        .where((ContactPerson.id == draft.contact_person) & (ContactPerson.party == party_id))
        .exists()
    ):
        raise ValidationError(
            _("The contact person does not belong to this customer."), title=title
        )


def insert(
    party_id: int,
    draft: FollowUpDraft,
    clerk_id: int,
    clerk_login: str,
    today: date,
    last_contact: datetime | None,
) -> int:
    """Insert a checked draft inside the caller's transaction; return its id (with audit)."""
    owner = draft.owner if draft.owner is not None else clerk_id
    due = draft.due_date
    if draft.days_after_contact is not None:
        due = relative_due(draft.days_after_contact, last_contact, today)
    stamp = now()
    follow_up_id = int(
        FollowUp.insert(
            {
                **{
                    getattr(FollowUp, name): value
                    for name, value in _values(draft, owner, due).items()
                },
                FollowUp.party: party_id,
                FollowUp.created_at: stamp,
                FollowUp.created_by: clerk_id,
                FollowUp.version: 1,
            }
        ).execute()
    )
    summary = f"{audit_text(due)} {draft.subject}"
    AuditLog.insert(
        audit_row(party_id, TABLE, follow_up_id, "created", None, summary, clerk_login, stamp)
    ).execute()
    return follow_up_id


@retrying
def create(
    party: int,
    draft: FollowUpDraft,
    clerk: ClerkRef,
    *,
    today: date | None = None,
    region: str = "DE",
) -> FollowUpRow:
    """Create a follow-up for ``party``.

    A relative draft (``days_after_contact``) is due that many days after the party's last
    contact (after today if there was none); ``draft.due_date`` is then ignored.

    Args:
        party: The party's id.
        draft: What the clerk filled in.
        clerk: The clerk who saves (id or login); the owner unless the draft names one.
        today: For relative follow-ups without a contact (default: today).
        region: Default phone region for the returned row.

    Raises:
        ValidationError: A value is missing or invalid; nothing is written.
        UnknownParty: The party does not exist.
    """
    checked = check_draft(draft)
    with writing():
        clerk_id, login = require(resolve_clerk(clerk)[0], Permission.EDIT)
        exists, last_contact = _party_last_contact(party)
        if not exists:
            raise UnknownParty(_("The customer does not exist (any more)."), title=_("Follow-up"))
        check_refs(party, checked, checked.owner if checked.owner is not None else clerk_id)
        follow_up_id = insert(party, checked, clerk_id, login, today or date.today(), last_contact)
    return get(follow_up_id, region=region)


def _stored(follow_up_id: int) -> dict[str, Any]:
    """The stored columns of a follow-up, by field name.

    Raises:
        FollowUpNotFound: It does not exist (any more).
    """
    found = dicts(FollowUp.select().where(FollowUp.id == follow_up_id))
    if not found:
        raise FollowUpNotFound(_("This follow-up was deleted meanwhile."), title=_("Follow-up"))
    row: dict[str, Any] = found[0]
    return row


def _changed_meanwhile(follow_up_id: int) -> FollowUpConflict:
    return FollowUpConflict(
        _("Another clerk changed this follow-up meanwhile; check it and try again."),
        get(follow_up_id),
    )


def _done_meanwhile(follow_up_id: int) -> FollowUpConflict:
    current = get(follow_up_id)
    return FollowUpConflict(
        _("This follow-up was done meanwhile by {clerk}.").format(clerk=current.done_by or "?"),
        current,
    )


def _guard(stored: dict[str, Any], expected_version: int | None, open_only: bool) -> None:
    if open_only and stored["done_at"] is not None:
        raise _done_meanwhile(int(stored["id"]))
    if expected_version is not None and int(stored["version"]) != expected_version:
        raise _changed_meanwhile(int(stored["id"]))


def _write(
    stored: dict[str, Any], changes: dict[str, Any], clerk_login: str, open_only: bool
) -> None:
    """Update changed fields with version + 1 (only if nobody wrote since ``stored``), and
    audit each."""
    follow_up_id = int(stored["id"])
    condition = (FollowUp.id == follow_up_id) & (FollowUp.version == stored["version"])
    if open_only:
        condition &= FollowUp.done_at.is_null()
    updated = (
        FollowUp.update(
            {
                **{getattr(FollowUp, name): value for name, value in changes.items()},
                FollowUp.version: int(stored["version"]) + 1,
            }
        )
        .where(condition)
        .execute()
    )
    if updated != 1:
        # PostgreSQL: another transaction wrote between our read and our write.
        raise _changed_meanwhile(follow_up_id)
    stamp = now()
    logins = _logins([stored.get("owner"), changes["owner"]]) if "owner" in changes else {}
    AuditLog.insert_many(
        [
            audit_row(
                int(stored["party"]),
                TABLE,
                follow_up_id,
                name,
                logins.get(stored.get(name), stored.get(name))
                if name == "owner"
                else stored.get(name),
                logins.get(value, value) if name == "owner" else value,
                clerk_login,
                stamp,
            )
            for name, value in changes.items()
            if name != "done_by"
        ]
    ).execute()


def _logins(ids: Sequence[object]) -> dict[object, str]:
    wanted = [int(str(value)) for value in ids if value is not None]
    if not wanted:
        return {}
    return {
        int(clerk_id): str(login)
        for clerk_id, login in tuples(
            Clerk.select(Clerk.id, Clerk.login).where(Clerk.id.in_(wanted))
        )
    }


@retrying
def update(
    follow_up_id: int,
    draft: FollowUpDraft,
    expected_version: int,
    clerk: ClerkRef,
    *,
    today: date | None = None,
    region: str = "DE",
) -> FollowUpRow:
    """Save the edited follow-up if nobody changed it since ``expected_version``.

    Args:
        follow_up_id: The follow-up.
        draft: The values from the dialog (owner None keeps the current owner).
        expected_version: :attr:`FollowUpRow.version` the dialog was opened with.
        clerk: The clerk who saves.
        today: For a relative follow-up of a party never contacted.
        region: Default phone region for the returned row.

    Raises:
        ValidationError: A value is invalid; nothing is written.
        FollowUpConflict: It was changed, done or deleted meanwhile; nothing is written.
        FollowUpNotFound: It was deleted.
    """
    checked = check_draft(draft)
    with writing():
        _clerk_id, login = require(resolve_clerk(clerk)[0], Permission.EDIT)
        stored = _stored(follow_up_id)
        _guard(stored, expected_version, open_only=False)
        party_id = int(stored["party"])
        owner = checked.owner if checked.owner is not None else int(stored["owner"])
        check_refs(party_id, checked, owner)
        due = checked.due_date
        if checked.days_after_contact is not None:
            _exists, last_contact = _party_last_contact(party_id)
            due = relative_due(checked.days_after_contact, last_contact, today or date.today())
        wanted = _values(checked, owner, due)
        changes = {name: value for name, value in wanted.items() if stored.get(name) != value}
        if changes:
            _write(stored, changes, login, open_only=False)
    return get(follow_up_id, region=region)


@retrying
def postpone(
    follow_up_id: int,
    to_date: date,
    clerk: ClerkRef,
    *,
    expected_version: int | None = None,
    region: str = "DE",
) -> FollowUpRow:
    """Move an open follow-up to ``to_date`` (+1 day, +1 week or a picked date).

    A relative follow-up stays relative: the next contact logged moves it again.

    Raises:
        FollowUpConflict: It was done, or (with ``expected_version``) changed, meanwhile.
        FollowUpNotFound: It was deleted.
    """
    with writing():
        _clerk_id, login = require(resolve_clerk(clerk)[0], Permission.EDIT)
        stored = _stored(follow_up_id)
        _guard(stored, expected_version, open_only=True)
        if stored["due_date"] != to_date:
            _write(stored, {"due_date": to_date}, login, open_only=True)
    return get(follow_up_id, region=region)


@retrying
def done(
    follow_up_id: int,
    clerk: ClerkRef,
    log_contact: ContactDraft | None = None,
    *,
    expected_version: int | None = None,
    today: date | None = None,
    region: str = "DE",
) -> DoneResult:
    """Mark a follow-up done, optionally logging a contact in the same transaction.

    A recurring follow-up gets its next occurrence (same subject, note, owner, time,
    priority and contact person; due per :func:`dates.next_occurrence`).

    Args:
        follow_up_id: The follow-up.
        clerk: The clerk who did it.
        log_contact: A contact to log with it (linked to this follow-up); it updates the
            party's last contact and moves its relative follow-ups.
        expected_version: Refuse if it was changed since this version.
        today: The day it is done (default: today), for the next occurrence.
        region: Default phone region for the returned rows.

    Raises:
        FollowUpConflict: It was done (or changed) meanwhile; nothing is written.
        FollowUpNotFound: It was deleted.
        ValidationError: The contact is invalid; nothing is written.
    """
    day = today or date.today()
    with writing():
        clerk_id, login = require(resolve_clerk(clerk)[0], Permission.EDIT)
        stored = _stored(follow_up_id)
        _guard(stored, expected_version, open_only=True)
        party_id = int(stored["party"])
        _write(stored, {"done_at": now(), "done_by": clerk_id}, login, open_only=True)
        next_id = None
        recurrence = str(stored["recurrence"] or "")
        if recurrence:
            try:
                following = dates.next_occurrence(stored["due_date"], recurrence, day)
            except (ValidationError, OverflowError):
                following = None
            if following is not None:
                draft = FollowUpDraft(
                    due_date=following,
                    subject=str(stored["subject"]),
                    due_time=stored["due_time"],
                    note=str(stored["note"] or ""),
                    owner=int(stored["owner"]),
                    priority=int(stored["priority"]),
                    recurrence=recurrence,
                    contact_person=stored["contact_person"],
                )
                next_id = insert(party_id, draft, clerk_id, login, day, None)
        contact_id = None
        if log_contact is not None:
            from tui_crm.services import contacts

            contact_id = contacts.insert_contact(
                party_id, log_contact, clerk_id, login, follow_up_id=follow_up_id, today=day
            )
    return DoneResult(
        follow_up=get(follow_up_id, region=region),
        next=get(next_id, region=region) if next_id is not None else None,
        contact_id=contact_id,
    )


@retrying
def delete(follow_up_id: int, clerk: ClerkRef, *, expected_version: int | None = None) -> None:
    """Delete a follow-up (the audit log keeps its due date and subject).

    Raises:
        FollowUpConflict: With ``expected_version``: it was changed meanwhile.
        FollowUpNotFound: It was deleted already.
    """
    with writing():
        _clerk_id, login = require(resolve_clerk(clerk)[0], Permission.EDIT)
        stored = _stored(follow_up_id)
        _guard(stored, expected_version, open_only=False)
        deleted = (
            FollowUp.delete()
            .where((FollowUp.id == follow_up_id) & (FollowUp.version == stored["version"]))
            .execute()
        )
        if deleted != 1:
            raise _changed_meanwhile(follow_up_id)
        summary = f"{audit_text(stored['due_date'])} {stored['subject']}"
        AuditLog.insert(
            audit_row(int(stored["party"]), TABLE, follow_up_id, "deleted", summary, None, login)
        ).execute()


def move_relative(party_id: int, last_contact: datetime, clerk_login: str) -> int:
    """Move the party's open relative follow-ups to ``last_contact`` + N days.

    Call inside the transaction that logged the contact (:func:`contacts.log_contact` does).

    Returns:
        How many follow-ups moved.
    """
    moved = 0
    query = FollowUp.select().where(
        (FollowUp.party == party_id)
        & FollowUp.done_at.is_null()
        & FollowUp.days_after_contact.is_null(False)
    )
    for stored in dicts(query):
        due = last_contact.date() + timedelta(days=int(stored["days_after_contact"]))
        if stored["due_date"] != due:
            _write(stored, {"due_date": due}, clerk_login, open_only=True)
            moved += 1
    return moved


def party_id_by_number(number: str) -> int:
    """The id of the party with ``number`` (current or former), for the command line.

    Raises:
        UnknownParty: No party has the number.
    """
    found = queries.party_by_number(number.strip())
    if found is None:
        raise UnknownParty(
            _("No customer or prospect with number {number}.").format(number=number),
            title=_("Follow-up"),
        )
    return int(found.id)


def add_by_number(
    number: str,
    due: str,
    subject: str,
    clerk: ClerkRef,
    *,
    owner: ClerkRef | None = None,
    at: str = "",
    note: str = "",
    today: date | None = None,
    region: str = "DE",
) -> FollowUpRow:
    """``tui-crm followup add NUMBER --due EXPR --subject TEXT [--clerk NAME]``.

    Args:
        number: Customer or prospect number.
        due: A due date as clerks type it (:func:`dates.parse_due`).
        subject: What to do.
        clerk: The clerk who saves (id, login or name).
        owner: Whose list it goes on (default: ``clerk``).
        at: Optional time of day (:func:`dates.parse_time`).
        note: Free text.
        today: The day relative dates count from (default: today).
        region: Default phone region for the returned row.

    Raises:
        UnknownParty: No party has the number.
        ValidationError: The date, time, subject or a clerk is invalid.
    """
    day = today or date.today()
    draft = FollowUpDraft(
        due_date=dates.parse_due(due, day),
        subject=subject,
        due_time=dates.parse_time(at),
        note=note,
        owner=resolve_clerk(owner)[0] if owner is not None else None,
    )
    return create(party_id_by_number(number), draft, clerk, today=day, region=region)


def as_json(row: FollowUpRow) -> dict[str, Any]:
    """A row for ``tui-crm followups --json`` (ISO dates, ``HH:MM`` times)."""
    return {
        "id": row.id,
        "number": row.number,
        "name": row.name,
        "phone": row.phone,
        "due_date": row.due_date.isoformat(),
        "due_time": row.due_time.strftime("%H:%M") if row.due_time else None,
        "subject": row.subject,
        "note": row.note,
        "owner": row.owner,
        "priority": row.priority,
        "recurrence": row.recurrence,
        "days_after_contact": row.days_after_contact,
        "contact_person": row.contact_person,
        "done_at": row.done_at.isoformat(" ") if row.done_at else None,
        "version": row.version,
    }
