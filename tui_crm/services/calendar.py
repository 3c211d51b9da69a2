"""iCalendar export of follow-ups (``tui-crm followups --ics``) with the icalendar package.

Each open follow-up becomes a VEVENT, which calendar apps (Outlook, Google, Apple,
Thunderbird) import far more reliably than tasks (iCalendar to-dos):

- a follow-up without a time is an all-day event (``DTSTART;VALUE=DATE``, ``DTEND`` the next
  day, ``TRANSP:TRANSPARENT`` so it does not block the day);
- one with a time lasts :data:`DEFAULT_MINUTES`, in local time: floating (no zone) by
  default, or in a named zone with its VTIMEZONE;
- ``UID`` is ``follow-up-<id>@<domain>``, so importing again updates instead of
  duplicating, and ``SEQUENCE`` follows the follow-up's version;
- customer text (subject, note, names) is escaped by icalendar, and control characters that
  iCalendar does not allow are dropped.

Recurring follow-ups are exported as their next occurrence only (no ``RRULE``): the CRM
creates the following one when this one is done, and a rule would show dates the CRM does
not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from tui_crm.services.followups import FollowUpRow

DEFAULT_MINUTES = 30
"""Length of a follow-up with a time."""

PRODID = "-//tui-crm//follow-ups//EN"
"""The product identifier in every export."""

PRIORITY = {1: 1, 2: 5, 3: 9}
"""Follow-up priority (1 high, 2 normal, 3 low) to iCalendar PRIORITY (1 high … 9 low)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Text fit for an iCalendar value: line breaks as ``\\n``, other control characters
    dropped (icalendar escapes ``,`` ``;`` ``\\`` and newlines itself)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def uid(follow_up_id: int, domain: str = "tui-crm") -> str:
    """The stable UID of a follow-up."""
    return f"follow-up-{follow_up_id}@{domain}"


def event(
    row: FollowUpRow,
    *,
    stamp: datetime,
    domain: str = "tui-crm",
    zone: ZoneInfo | None = None,
    minutes: int = DEFAULT_MINUTES,
) -> Event:
    """The VEVENT of one follow-up."""
    item = Event()
    item.add("uid", uid(row.id, domain))
    item.add("dtstamp", stamp)
    item.add("sequence", max(0, row.version - 1))
    customer = " ".join(part for part in (row.number, row.name) if part)
    item.add("summary", clean(f"{row.subject} · {customer}" if customer else row.subject))
    lines = [customer]
    if row.phone:
        lines.append(row.phone)
    if row.contact_person:
        lines.append(row.contact_person)
    if row.note:
        lines.extend(("", row.note))
    item.add("description", clean("\n".join(lines)))
    item.add("priority", PRIORITY.get(row.priority, 5))
    item.add("status", "CONFIRMED")
    if row.due_time is None:
        item.add("dtstart", row.due_date)
        item.add("dtend", row.due_date + timedelta(days=1))
        item.add("transp", "TRANSPARENT")
    else:
        start = datetime.combine(row.due_date, row.due_time, tzinfo=zone)
        item.add("dtstart", start)
        item.add("dtend", start + timedelta(minutes=minutes))
    return item


def export_ics(
    rows: Iterable[FollowUpRow],
    *,
    name: str = "tui-crm",
    domain: str = "tui-crm",
    zone: str | None = None,
    minutes: int = DEFAULT_MINUTES,
    stamp: datetime | None = None,
) -> bytes:
    """An iCalendar file of the open follow-ups among ``rows`` (done ones are left out).

    Args:
        rows: Follow-ups, e.g. :func:`tui_crm.services.followups.iter_due`.
        name: The calendar's display name (``X-WR-CALNAME``).
        domain: The right-hand side of each UID; keep it fixed per database so a second
            import updates the first.
        zone: An IANA zone (``Europe/Berlin``) for timed follow-ups, with its VTIMEZONE;
            None writes floating local times.
        minutes: Length of a timed follow-up.
        stamp: ``DTSTAMP`` of every event (default: now, UTC).

    Returns:
        The ``.ics`` bytes (CRLF line ends, folded lines, UTF-8).
    """
    when = stamp or datetime.now(UTC).replace(microsecond=0)
    info = ZoneInfo(zone) if zone else None
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", clean(name))
    for row in rows:
        if not row.done:
            calendar.add_component(
                event(row, stamp=when, domain=domain, zone=info, minutes=minutes)
            )
    if info is not None:
        calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()
    return ics
