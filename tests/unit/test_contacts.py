"""The contact log, last contact and count, call suggestions (both query plans) and snooze."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import add_party
from tui_crm.db.connection import db
from tui_crm.db.models import AuditLog, Clerk, ContactLog, ContactPerson, Document, FollowUp, Party
from tui_crm.errors import ValidationError
from tui_crm.services import contacts, followups
from tui_crm.services.contacts import SuggestionRow
from tui_crm.services.followups import FollowUpDraft, UnknownParty

pytestmark = pytest.mark.backends

TODAY = date(2026, 11, 26)


@pytest.fixture
def office(db_path: Path) -> Iterator[Path]:
    """Two clerks and three parties; the index cache is forgotten afterwards."""
    Clerk.create(login="anna", name="Anna Schmidt")
    Clerk.create(login="bert", name="Bert Meier")
    add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    add_party("10002", "Eva", "Berg", "", "Berlin", "+4930987654", "030 987654")
    add_party("10003", "", "", "Straßenbau Weiß GmbH", "Bonn", "+491711234567", "0171 1234567")
    yield db_path
    contacts.forget_indexes()


def party(number: str) -> int:
    return int(Party.get(Party.number == number).id)


def log(
    number: str, at: datetime, kind: str = "phone_out", **values: object
) -> contacts.ContactRow:
    return contacts.log_contact(
        party(number),
        kind,
        at,
        str(values.pop("topic", "Anruf")),
        str(values.pop("agreements", "")),
        values.pop("duration_seconds", 120),  # type: ignore[arg-type]
        str(values.pop("clerk", "anna")),
        today=TODAY,
        **values,  # type: ignore[arg-type]
    )


# Logging ---------------------------------------------------------------------------------


def test_log_contact_updates_last_contact_and_count(office: Path) -> None:
    row = log("10001", datetime(2026, 11, 20, 9, 30), topic="  Reklamation ", agreements="Ersatz")
    assert (row.kind, row.topic, row.agreements, row.clerk) == (
        "phone_out",
        "Reklamation",
        "Ersatz",
        "anna",
    )
    assert (row.duration_seconds, row.follow_up_id) == (120, None)
    stored = Party.get_by_id(party("10001"))
    assert (stored.last_contact_at, stored.contact_count, stored.version) == (
        datetime(2026, 11, 20, 9, 30),
        1,
        1,
    )
    log("10001", datetime(2026, 11, 1, 8), "email")
    stored = Party.get_by_id(party("10001"))
    assert (stored.last_contact_at, stored.contact_count) == (datetime(2026, 11, 20, 9, 30), 2)
    log("10001", datetime(2026, 11, 25, 17), "visit")
    assert Party.get_by_id(party("10001")).last_contact_at == datetime(2026, 11, 25, 17)


def test_now_by_default(office: Path) -> None:
    before = datetime.now().replace(microsecond=0)
    row = contacts.log_contact(party("10002"), "phone_in", None, "", "", None, "bert")
    assert before <= row.at <= datetime.now()
    assert row.at.microsecond == 0


@pytest.mark.parametrize(
    ("kind", "at", "values", "message"),
    [
        ("telepathy", datetime(2026, 11, 1), {}, "Unknown contact kind"),
        ("visit", datetime(2026, 11, 27, 9), {}, "future"),
        ("visit", datetime(2026, 11, 1), {"topic": "x" * 201}, "longer than 200"),
        ("visit", datetime(2026, 11, 1), {"duration_seconds": -1}, "duration"),
        ("visit", datetime(2026, 11, 1), {"duration_seconds": 86_401}, "duration"),
    ],
)
def test_invalid_contacts_write_nothing(
    office: Path, kind: str, at: datetime, values: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        log("10001", at, kind, **values)
    assert ContactLog.select().count() == 0
    assert Party.get_by_id(party("10001")).contact_count == 0


def test_unknown_party_and_foreign_contact_person(office: Path) -> None:
    with pytest.raises(UnknownParty):
        contacts.log_contact(999, "visit", None, "", "", None, "anna")
    person = ContactPerson.create(party=party("10003"), first_name="Karl", last_name="Weiß")
    with pytest.raises(ValidationError, match="does not belong"):
        log("10001", datetime(2026, 11, 1), contact_person=person.id)
    row = log("10003", datetime(2026, 11, 1), contact_person=person.id)
    assert (row.contact_person_id, row.contact_person) == (person.id, "Karl Weiß")


def test_log_contact_with_a_follow_up_in_one_step(office: Path) -> None:
    row = log(
        "10002",
        datetime(2026, 11, 24, 11),
        follow_up=FollowUpDraft(due_date=TODAY, subject="Nachfassen", days_after_contact=7),
    )
    assert row.follow_up_id is not None
    created = followups.get(row.follow_up_id)
    assert (created.subject, created.due_date, created.owner) == (
        "Nachfassen",
        date(2026, 12, 1),
        "anna",
    )


def test_a_bad_follow_up_undoes_the_contact(office: Path) -> None:
    with pytest.raises(ValidationError):
        log("10002", datetime(2026, 11, 24), follow_up=FollowUpDraft(due_date=TODAY, subject=""))
    with pytest.raises(ValidationError):
        log(
            "10002",
            datetime(2026, 11, 24),
            follow_up=FollowUpDraft(due_date=TODAY, subject="x", owner=999),
        )
    assert ContactLog.select().count() == 0
    assert FollowUp.select().count() == 0
    assert Party.get_by_id(party("10002")).last_contact_at is None


def test_contacts_of_pages_newest_first(office: Path) -> None:
    moments = [datetime(2026, 11, 1 + index % 9, 10) for index in range(25)]
    with db.obj.atomic():
        for moment in moments:
            log("10001", moment)
    log("10002", datetime(2026, 11, 5))
    whole = contacts.contacts_of(party("10001"), limit=100)
    assert len(whole) == 25
    assert [row.key for row in whole] == sorted((row.key for row in whole), reverse=True)
    paged: list[contacts.ContactRow] = []
    after = None
    while True:
        page = contacts.contacts_of(party("10001"), after, limit=4)
        paged.extend(page)
        if len(page) < 4:
            break
        after = page[-1].key
    assert [row.id for row in paged] == [row.id for row in whole]


def test_contact_of_missing_id(office: Path) -> None:
    with pytest.raises(KeyError):
        contacts.contact(42)


def test_kind_labels() -> None:
    assert contacts.kind_label("phone_in") == "Call in"
    assert contacts.kind_label("visit") == "Visit"
    assert contacts.kind_label("custom") == "custom"


# Call suggestions ------------------------------------------------------------------------


def set_party(number: str, interval: int | None, last: datetime | None) -> int:
    Party.update(contact_interval_days=interval, last_contact_at=last).where(
        Party.number == number
    ).execute()
    return party(number)


def document(number: str, kind: str, day: date, gross: str, status: str = "open") -> None:
    Document.create(
        number=f"{kind}-{Document.select().count() + 1}",
        kind=kind,
        party=party(number),
        date=day,
        status=status,
        gross_total=Decimal(gross),
    )


def test_suggestions_order_and_content(office: Path) -> None:
    add_party("10004", "Ute", "Alt", "", "Ulm", "+49731123456", "0731 123456")
    add_party("10005", "Jan", "Neu", "", "Ulm", "+49731654321", "0731 654321")
    never = set_party("10001", 30, None)
    long_ago = set_party("10002", 90, datetime(2026, 1, 10, 14))
    due_today = set_party("10003", 30, datetime(2026, 10, 27, 8))
    set_party("10004", 30, datetime(2026, 10, 28, 8))
    set_party("10005", None, datetime(2020, 1, 1))
    rows = contacts.call_suggestions(TODAY)
    assert [row.party_id for row in rows] == [never, long_ago, due_today]
    first, second, third = rows
    assert (first.last_contact_at, first.due_at, first.overdue_days) == (None, None, None)
    assert first.phone == "0221 123456"
    assert (second.interval_days, second.due_at, second.overdue_days) == (
        90,
        datetime(2026, 4, 10, 14),
        230,
    )
    assert (third.number, third.name, third.city, third.overdue_days) == (
        "10003",
        "Straßenbau Weiß GmbH",
        "Bonn",
        0,
    )


def test_suggestion_revenue_is_twelve_months_of_invoices_less_credit_notes(office: Path) -> None:
    set_party("10002", 30, datetime(2025, 1, 1))
    document("10002", "invoice", date(2026, 11, 1), "1190.00")
    document("10002", "invoice", date(2025, 11, 27), "100.00")
    document("10002", "invoice", date(2025, 11, 26), "5000.00")
    document("10002", "credit_note", date(2026, 6, 1), "119.00")
    document("10002", "invoice", date(2026, 6, 1), "999.00", status="cancelled")
    document("10002", "invoice", date(2026, 6, 1), "999.00", status="draft")
    document("10002", "quote", date(2026, 6, 1), "999.00")
    document("10002", "order", date(2026, 6, 1), "999.00")
    [row] = contacts.call_suggestions(TODAY)
    assert row.revenue == Decimal("1171.00")


def test_snooze_hides_until_the_date(office: Path) -> None:
    snoozed = set_party("10001", 30, None)
    other = set_party("10002", 30, datetime(2026, 1, 1))
    contacts.snooze(snoozed, TODAY + timedelta(days=3), "bert")
    contacts.snooze(other, TODAY + timedelta(days=1), "bert")
    assert contacts.call_suggestions(TODAY) == []
    assert [row.party_id for row in contacts.call_suggestions(TODAY + timedelta(days=1))] == [other]
    assert [row.party_id for row in contacts.call_suggestions(TODAY + timedelta(days=3))] == [
        snoozed,
        other,
    ]
    contacts.snooze(snoozed, None, "anna")
    assert [row.party_id for row in contacts.call_suggestions(TODAY)] == [snoozed]
    entries = [
        (row.field, row.old_value, row.new_value, row.clerk)
        for row in AuditLog.select().where(AuditLog.row_id == snoozed).order_by(AuditLog.id)
    ]
    assert entries == [
        ("suggestion_snoozed_until", None, "2026-11-29", "bert"),
        ("suggestion_snoozed_until", "2026-11-29", None, "anna"),
    ]
    with pytest.raises(UnknownParty):
        contacts.snooze(999, TODAY, "anna")


def test_logging_a_contact_ends_the_suggestion(office: Path) -> None:
    set_party("10001", 30, datetime(2026, 9, 1))
    assert len(contacts.call_suggestions(TODAY)) == 1
    log("10001", datetime(2026, 11, 25, 10))
    assert contacts.call_suggestions(TODAY) == []


def brute_force(today: date) -> list[tuple[datetime | None, int]]:
    """The expected order, computed from every party in Python."""
    found = []
    for row in Party.select():
        interval = row.contact_interval_days
        if interval is None or interval < 1:
            continue
        if row.suggestion_snoozed_until is not None and row.suggestion_snoozed_until > today:
            continue
        if row.last_contact_at is None:
            found.append((None, row.id))
            continue
        due_at = row.last_contact_at + timedelta(days=interval)
        if due_at.date() <= today:
            found.append((due_at, row.id))
    never = sorted(key for key in found if key[0] is None)
    contacted = sorted((key for key in found if key[0] is not None), key=lambda key: key)
    return never + contacted


def keys(rows: list[SuggestionRow]) -> list[tuple[datetime | None, int]]:
    return [row.key for row in rows]


def paged(page: int) -> list[tuple[datetime | None, int]]:
    result: list[tuple[datetime | None, int]] = []
    after = None
    while True:
        rows = contacts.call_suggestions(TODAY, after, page)
        result.extend(keys(rows))
        if len(rows) < page:
            return result
        after = rows[-1].key


@pytest.fixture
def crowd(office: Path) -> Path:
    """400 random parties: intervals, last contacts (some tied), snoozes, prospects."""
    rng = random.Random(7)
    moments = [datetime(2024, 1, 1) + timedelta(hours=rng.randrange(0, 25_000)) for _ in range(60)]
    with db.obj.atomic():
        for index in range(400):
            Party.create(
                number=str(20000 + index),
                kind=rng.choice(("customer", "customer", "prospect")),
                last_name=f"Kunde {index}",
                contact_interval_days=rng.choice((None, None, 1, 7, 30, 90, 365, 0)),
                last_contact_at=rng.choice((None, *moments)),
                suggestion_snoozed_until=rng.choice(
                    (None, None, None, TODAY, TODAY + timedelta(days=1), TODAY - timedelta(days=3))
                ),
            )
    return office


def test_suggestions_match_brute_force_without_the_interval_index(crowd: Path) -> None:
    expected = brute_force(TODAY)
    assert len(expected) > 100
    assert keys(contacts.call_suggestions(TODAY, limit=1000)) == expected
    assert paged(17) == expected
    assert paged(1) == expected


def test_suggestions_match_brute_force_with_the_interval_index(crowd: Path) -> None:
    db.obj.execute_sql(
        "CREATE INDEX party_interval_last_contact ON party (contact_interval_days, "
        "last_contact_at) WHERE contact_interval_days IS NOT NULL"
    )
    contacts.forget_indexes()
    assert contacts._has_interval_index(db.obj)
    expected = brute_force(TODAY)
    assert keys(contacts.call_suggestions(TODAY, limit=1000)) == expected
    assert paged(17) == expected
    assert paged(1) == expected
