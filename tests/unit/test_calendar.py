"""iCalendar export of follow-ups, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from icalendar import Calendar

from tests.conftest import add_party
from tui_crm.db.models import Clerk, ContactPerson, Party
from tui_crm.services import followups
from tui_crm.services.calendar import clean, export_ics, uid
from tui_crm.services.followups import FollowUpDraft, FollowUpRow

TODAY = date(2026, 11, 26)
STAMP = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def row(**changes: object) -> FollowUpRow:
    fields: dict[str, object] = {
        "id": 7,
        "party_id": 1,
        "number": "10001",
        "name": "Hans Müller",
        "phone": "0221 123456",
        "due_date": TODAY,
        "due_time": None,
        "subject": "Rückruf",
        "note": "",
        "owner_id": 1,
        "owner": "anna",
        "priority": 2,
        "recurrence": "",
        "days_after_contact": None,
        "contact_person_id": None,
        "contact_person": "",
        "created_at": datetime(2026, 11, 1),
        "created_by": "anna",
        "done_at": None,
        "done_by": "",
        "version": 1,
        **changes,
    }
    return FollowUpRow(**fields)  # type: ignore[arg-type]


def events(ics: bytes) -> list[dict[str, object]]:
    calendar = Calendar.from_ical(ics)
    return [
        {key.lower(): component.decoded(key) for key in component}
        for component in calendar.walk("VEVENT")
    ]


def test_all_day_event_for_a_date_only_follow_up() -> None:
    ics = export_ics([row()], stamp=STAMP)
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n")
    [event] = events(ics)
    assert event["dtstart"] == TODAY
    assert event["dtend"] == date(2026, 11, 27)
    assert event["uid"] == "follow-up-7@tui-crm"
    assert event["summary"] == "Rückruf · 10001 Hans Müller"
    assert event["transp"] == "TRANSPARENT"
    assert event["priority"] == 5
    assert event["sequence"] == 0
    assert event["dtstamp"] == STAMP


def test_timed_event_floating_or_in_a_zone() -> None:
    timed = row(due_time=time(9, 30), priority=1, version=3)
    [floating] = events(export_ics([timed], stamp=STAMP, minutes=45))
    assert floating["dtstart"] == datetime(2026, 11, 26, 9, 30)
    assert floating["dtend"] == datetime(2026, 11, 26, 10, 15)
    assert (floating["priority"], floating["sequence"]) == (1, 2)
    ics = export_ics([timed], stamp=STAMP, zone="Europe/Berlin")
    assert b"BEGIN:VTIMEZONE" in ics
    assert b"TZID=Europe/Berlin" in ics
    [zoned] = events(ics)
    start = zoned["dtstart"]
    assert isinstance(start, datetime)
    assert start.astimezone(UTC) == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def test_customer_text_is_escaped_and_survives_the_round_trip() -> None:
    nasty = row(
        name="Weiß, Müller; & Co \\ [bold]X[/]",
        subject="Angebot; Rabatt, 10%",
        note="Zeile 1\r\nZeile 2\nBEGIN:VEVENT\x00\x1b[31m",
        contact_person="Karl Weiß",
    )
    ics = export_ics([nasty], stamp=STAMP, name="Köln, Team")
    assert b"\x00" not in ics
    assert b"\x1b" not in ics
    assert b"\\nBEGIN:VEVENT" in ics
    assert ics.count(b"\r\nBEGIN:VEVENT\r\n") == 1
    assert b"Angebot\\; Rabatt\\, 10%" in ics
    [event] = events(ics)
    assert event["summary"] == "Angebot; Rabatt, 10% · 10001 Weiß, Müller; & Co \\ [bold]X[/]"
    description = event["description"]
    assert description == (
        "10001 Weiß, Müller; & Co \\ [bold]X[/]\n0221 123456\nKarl Weiß\n\n"
        "Zeile 1\nZeile 2\nBEGIN:VEVENT[31m"
    )
    assert Calendar.from_ical(ics)["X-WR-CALNAME"] == "Köln, Team"


def test_long_lines_are_folded() -> None:
    ics = export_ics([row(note="x" * 500)], stamp=STAMP)
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    [event] = events(ics)
    assert event["description"].endswith("x" * 500)


def test_done_follow_ups_are_left_out_and_uids_are_stable() -> None:
    rows = [row(id=1), row(id=2, done_at=datetime(2026, 11, 25)), row(id=3)]
    first = [event["uid"] for event in events(export_ics(rows, stamp=STAMP, domain="crm.example"))]
    assert first == ["follow-up-1@crm.example", "follow-up-3@crm.example"]
    second = [event["uid"] for event in events(export_ics(rows, stamp=STAMP, domain="crm.example"))]
    assert second == first
    assert uid(5) == "follow-up-5@tui-crm"


def test_empty_export_is_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(export_ics([], stamp=STAMP))
    assert calendar.walk("VEVENT") == []
    assert calendar["PRODID"] == "-//tui-crm//follow-ups//EN"


def test_clean() -> None:
    assert clean("a\r\nb\rc\td\x07") == "a\nb\nc\td"


def test_export_from_the_database(db_path: Path, tmp_path: Path) -> None:
    Clerk.create(login="anna", name="Anna")
    add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    party = Party.get(Party.number == "10001")
    person = ContactPerson.create(party=party, first_name="Karl", last_name="Weiß")
    followups.create(
        party.id,
        FollowUpDraft(TODAY, "Rückruf", due_time=time(14), note="Preis", contact_person=person.id),
        "anna",
    )
    followups.create(party.id, FollowUpDraft(TODAY, "Angebot"), "anna")
    path = tmp_path / "follow-ups.ics"
    path.write_bytes(export_ics(followups.iter_due(None, "all", today=TODAY), stamp=STAMP))
    parsed = events(path.read_bytes())
    assert [event["summary"] for event in parsed] == [
        "Angebot · 10001 Hans Müller",
        "Rückruf · 10001 Hans Müller",
    ]
    assert parsed[1]["description"] == "10001 Hans Müller\n0221 123456\nKarl Weiß\n\nPreis"
