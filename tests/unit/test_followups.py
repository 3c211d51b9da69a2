"""Follow-ups: create, edit with optimistic locking, done (recurring), postpone, delete,
the due list with sections, search and keyset paging, and the cross-process change marker."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import add_party
from tui_crm.db.connection import db, open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import (
    AuditLog,
    Clerk,
    ContactLog,
    ContactPerson,
    Document,
    FollowUp,
    Party,
)
from tui_crm.errors import DatabaseError, ValidationError
from tui_crm.services import contacts, followups
from tui_crm.services.contacts import ContactDraft
from tui_crm.services.followups import (
    FollowUpConflict,
    FollowUpDraft,
    FollowUpNotFound,
    UnknownParty,
)

pytestmark = pytest.mark.backends

TODAY = date(2026, 11, 26)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def office(db_path: Path) -> Path:
    """Two clerks and three parties."""
    Clerk.create(login="anna", name="Anna Schmidt")
    Clerk.create(login="bert", name="Bert Meier")
    add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    add_party("10002", "Eva", "Berg", "", "Berlin", "+4930987654", "030 987654")
    add_party("10003", "", "", "Straßenbau Weiß GmbH", "Bonn", "+491711234567", "0171 1234567")
    return db_path


def party(number: str) -> int:
    return int(Party.get(Party.number == number).id)


def clerk(login: str) -> int:
    return int(Clerk.get(Clerk.login == login).id)


def new(number: str = "10001", who: str = "anna", **values: object) -> followups.FollowUpRow:
    fields: dict[str, object] = {"due_date": TODAY, "subject": "Rückruf", **values}
    return followups.create(party(number), FollowUpDraft(**fields), who, today=TODAY)  # type: ignore[arg-type]


def audit(follow_up_id: int) -> list[tuple[str, str | None, str | None, str]]:
    return [
        (row.field, row.old_value, row.new_value, row.clerk)
        for row in AuditLog.select()
        .where((AuditLog.table_name == "follow_up") & (AuditLog.row_id == follow_up_id))
        .order_by(AuditLog.id)
    ]


# Create ----------------------------------------------------------------------------------


def test_create_returns_the_row_with_party_and_phone(office: Path) -> None:
    row = new(subject="  Angebot   nachfassen ", due_time=time(9, 30), note="Preis klären")
    assert row.number == "10001"
    assert row.name == "Hans Müller"
    assert row.phone == "0221 123456"
    assert row.subject == "Angebot nachfassen"
    assert (row.due_date, row.due_time) == (TODAY, time(9, 30))
    assert (row.owner, row.created_by, row.priority, row.version) == ("anna", "anna", 2, 1)
    assert not row.done
    assert audit(row.id) == [("created", None, "2026-11-26 Angebot nachfassen", "anna")]
    assert AuditLog.get(AuditLog.row_id == row.id).party_id == row.party_id


def test_owner_can_be_any_clerk(office: Path) -> None:
    row = new(owner=clerk("bert"))
    assert (row.owner, row.created_by) == ("bert", "anna")
    assert new(who="bert").owner == "bert"
    assert new(who=clerk("bert")).owner == "bert"
    assert new(who="Bert Meier").owner == "bert"


def test_contact_person_of_the_party(office: Path) -> None:
    person = ContactPerson.create(party=party("10003"), first_name="Karl", last_name="Weiß")
    row = new("10003", contact_person=person.id)
    assert (row.contact_person_id, row.contact_person) == (person.id, "Karl Weiß")
    with pytest.raises(ValidationError, match="does not belong"):
        new("10001", contact_person=person.id)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"subject": "   "}, "Enter a subject."),
        ({"subject": "x" * 201}, "longer than 200"),
        ({"priority": 0}, "priority"),
        ({"priority": 4}, "priority"),
        ({"recurrence": "sometimes"}, "Not a recurrence"),
        ({"days_after_contact": -1}, "Days after the last contact"),
        ({"days_after_contact": 3651}, "Days after the last contact"),
        ({"days_after_contact": 5, "recurrence": "1w"}, "not both"),
        ({"owner": 999}, "No clerk 999."),
    ],
)
def test_invalid_drafts_write_nothing(
    office: Path, values: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        new(**values)
    assert FollowUp.select().count() == 0
    assert AuditLog.select().count() == 0


def test_unknown_clerk_and_party(office: Path) -> None:
    with pytest.raises(ValidationError, match="No clerk nobody"):
        new(who="nobody")
    with pytest.raises(UnknownParty):
        followups.create(999, FollowUpDraft(due_date=TODAY, subject="x"), "anna")


def test_recurrence_is_normalised(office: Path) -> None:
    assert new(recurrence="+14 Tage").recurrence == "14d"


# Due list --------------------------------------------------------------------------------


def test_sections_and_counts(office: Path) -> None:
    anna, bert = clerk("anna"), clerk("bert")
    for offset, owner in [(-30, anna), (-1, anna), (0, anna), (0, bert), (1, anna), (7, bert)]:
        new(due_date=TODAY + timedelta(days=offset), owner=owner)
    new(due_date=TODAY + timedelta(days=8), owner=anna)
    new(due_date=TODAY + timedelta(days=400), owner=bert)
    assert followups.section_counts(None, TODAY) == followups.SectionCounts(2, 2, 2, 2)
    assert followups.section_counts(anna, TODAY) == followups.SectionCounts(2, 1, 1, 1)
    assert followups.section_counts(bert, TODAY).total == 3

    def dues(section: str, owner: int | None = None) -> list[int]:
        rows = followups.due_list(owner, section, today=TODAY)
        return [(row.due_date - TODAY).days for row in rows]

    assert dues("overdue") == [-30, -1]
    assert dues("today") == [0, 0]
    assert dues("upcoming") == [1, 7]
    assert dues("later") == [8, 400]
    assert dues("week") == [-30, -1, 0, 0, 1, 7]
    assert dues("all") == [-30, -1, 0, 0, 1, 7, 8, 400]
    assert dues("all", bert) == [0, 7, 400]
    for row in followups.due_list(None, "all", today=TODAY):
        assert row.section(TODAY) == followups.section_of(row.due_date, TODAY)
    with pytest.raises(ValueError, match="unknown section"):
        followups.due_list(None, "someday", today=TODAY)


def test_done_follow_ups_are_not_listed_or_counted(office: Path) -> None:
    row = new()
    followups.done(row.id, "anna", today=TODAY)
    assert followups.due_list(None, "all", today=TODAY) == []
    assert followups.section_counts(None, TODAY).total == 0


def test_order_all_day_first_then_time_then_id(office: Path) -> None:
    late = new(due_time=time(15))
    first = new()
    early = new(due_time=time(8, 30))
    second = new()
    also_early = new(due_time=time(8, 30))
    yesterday = new(due_date=TODAY - timedelta(days=1), due_time=time(23))
    ids = [row.id for row in followups.due_list(None, "all", today=TODAY)]
    assert ids == [yesterday.id, first.id, second.id, early.id, also_early.id, late.id]


def test_keyset_pages_cover_every_row_once(office: Path) -> None:
    times = [None, time(8), time(9, 30), None, time(8)]
    with db.obj.atomic():
        for index in range(137):
            new(
                f"1000{1 + index % 3}",
                due_date=TODAY + timedelta(days=index % 11 - 5),
                due_time=times[index % len(times)],
            )
    everything = followups.due_list(None, "all", limit=1000, today=TODAY)
    assert len(everything) == 137
    for section in ("all", "overdue", "upcoming", "week"):
        whole = followups.due_list(None, section, limit=1000, today=TODAY)
        paged: list[followups.FollowUpRow] = []
        after = None
        while True:
            page = followups.due_list(None, section, after=after, limit=10, today=TODAY)
            paged.extend(page)
            if len(page) < 10:
                break
            after = page[-1].key
        assert [row.id for row in paged] == [row.id for row in whole]
    assert [row.id for row in followups.iter_due(None, "all", today=TODAY, page=7)] == [
        row.id for row in everything
    ]


def test_search_by_customer_or_subject(office: Path) -> None:
    mueller = new("10001", subject="Angebot")
    berg = new("10002", subject="Rückruf wegen Angebot")
    weiss = new("10003", subject="Mahnung", owner=clerk("bert"))

    def found(text: str, owner: int | None = None) -> set[int]:
        return {row.id for row in followups.due_list(owner, "all", text, today=TODAY)}

    assert found("müller") == {mueller.id}
    assert found("mueller") == {mueller.id}
    assert found("10003") == {weiss.id}
    assert found("0221 123456") == {mueller.id}
    assert found("angebot") == {mueller.id, berg.id}
    assert found("RÜCKRUF") | found("Rückruf") == {berg.id}
    assert found("strassenbau") == {weiss.id}
    assert found("strassenbau", clerk("anna")) == set()
    assert found("100%") == set()
    assert found("nothing like this") == set()


def test_search_pages_by_key(office: Path) -> None:
    rows = [new("10001", due_date=TODAY + timedelta(days=day)) for day in range(5)]
    first = followups.due_list(None, "all", "müller", limit=2, today=TODAY)
    rest = followups.due_list(None, "all", "müller", first[-1].key, limit=10, today=TODAY)
    assert [row.id for row in first + rest] == [row.id for row in rows]


def test_recent_subjects_mine_first(office: Path) -> None:
    new(subject="Alt")
    new(who="bert", subject="Von Bert")
    new(subject="Angebot")
    new(subject="Rückruf")
    new(subject="Angebot")
    assert followups.recent_subjects(clerk("anna"), 3) == ["Angebot", "Rückruf", "Alt"]
    assert followups.recent_subjects(clerk("anna"), 10) == ["Angebot", "Rückruf", "Alt", "Von Bert"]
    assert followups.recent_subjects(None, 2) == ["Angebot", "Rückruf"]


# Update, conflicts -----------------------------------------------------------------------


def draft_of(row: followups.FollowUpRow, **changes: object) -> FollowUpDraft:
    fields: dict[str, object] = {
        "due_date": row.due_date,
        "subject": row.subject,
        "due_time": row.due_time,
        "note": row.note,
        "owner": row.owner_id,
        "priority": row.priority,
        "recurrence": row.recurrence,
        "days_after_contact": row.days_after_contact,
        "contact_person": row.contact_person_id,
        **changes,
    }
    return FollowUpDraft(**fields)  # type: ignore[arg-type]


def test_update_changes_and_audits_each_field(office: Path) -> None:
    row = new()
    saved = followups.update(
        row.id,
        draft_of(row, subject="Neu", priority=1, owner=clerk("bert"), due_time=time(10)),
        row.version,
        "anna",
    )
    assert (saved.subject, saved.priority, saved.owner, saved.due_time) == (
        "Neu",
        1,
        "bert",
        time(10),
    )
    assert saved.version == 2
    assert sorted(audit(row.id)[1:]) == [
        ("due_time", None, "10:00", "anna"),
        ("owner", "anna", "bert", "anna"),
        ("priority", "2", "1", "anna"),
        ("subject", "Rückruf", "Neu", "anna"),
    ]


def test_saving_unchanged_values_writes_nothing(office: Path) -> None:
    row = new()
    assert followups.update(row.id, draft_of(row), row.version, "anna").version == 1
    assert len(audit(row.id)) == 1


def test_second_editor_gets_a_conflict(office: Path) -> None:
    row = new()
    followups.update(row.id, draft_of(row, subject="Anna war schneller"), row.version, "anna")
    with pytest.raises(FollowUpConflict) as caught:
        followups.update(row.id, draft_of(row, subject="Bert"), row.version, "bert")
    assert caught.value.current.subject == "Anna war schneller"
    assert caught.value.current.version == 2
    assert "changed this follow-up meanwhile" in caught.value.msg
    retried = followups.update(
        row.id, draft_of(caught.value.current, subject="Bert"), caught.value.current.version, "bert"
    )
    assert (retried.subject, retried.version) == ("Bert", 3)


def test_conflicts_on_postpone_done_and_delete(office: Path) -> None:
    row = new()
    followups.postpone(row.id, TODAY + timedelta(days=1), "anna")
    with pytest.raises(FollowUpConflict):
        followups.postpone(row.id, TODAY + timedelta(days=7), "bert", expected_version=row.version)
    with pytest.raises(FollowUpConflict):
        followups.done(row.id, "bert", expected_version=row.version)
    with pytest.raises(FollowUpConflict):
        followups.delete(row.id, "bert", expected_version=row.version)
    assert followups.get(row.id).due_date == TODAY + timedelta(days=1)


def test_deleted_meanwhile(office: Path) -> None:
    row = new()
    followups.delete(row.id, "anna")
    with pytest.raises(FollowUpNotFound):
        followups.update(row.id, draft_of(row), row.version, "bert")
    with pytest.raises(FollowUpNotFound):
        followups.done(row.id, "bert")
    with pytest.raises(FollowUpNotFound):
        followups.delete(row.id, "bert")
    assert audit(row.id)[-1] == ("deleted", "2026-11-26 Rückruf", None, "anna")


@pytest.mark.sqlite_only("a SQLite file lock or data_version")
def test_the_write_lock_is_taken_at_begin(office: Path) -> None:
    holder = sqlite3.connect(office, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        open_database(office, busy_timeout=0.05)
        with pytest.raises(DatabaseError, match="busy"):
            new()
    finally:
        holder.rollback()
        holder.close()
    assert new().id


# Done, recurrence, postpone --------------------------------------------------------------


def test_done_marks_and_audits(office: Path) -> None:
    row = new()
    result = followups.done(row.id, "bert", today=TODAY)
    assert result.follow_up.done
    assert result.follow_up.done_by == "bert"
    assert result.follow_up.version == 2
    assert result.next is None
    assert result.contact_id is None
    assert audit(row.id)[-1][0] == "done_at"
    with pytest.raises(FollowUpConflict, match="done meanwhile by bert"):
        followups.done(row.id, "anna", today=TODAY)


@pytest.mark.parametrize(
    ("due", "recurrence", "expected"),
    [
        (TODAY, "7d", date(2026, 12, 3)),
        (TODAY, "2w", date(2026, 12, 10)),
        (date(2026, 10, 31), "1m", date(2026, 11, 30)),
        (date(2026, 1, 31), "1m", date(2026, 12, 26)),
        (TODAY, "1y", date(2027, 11, 26)),
    ],
)
def test_recurring_follow_up_creates_the_next(
    office: Path, due: date, recurrence: str, expected: date
) -> None:
    row = new(
        due_date=due,
        recurrence=recurrence,
        due_time=time(9),
        note="Wartung",
        priority=1,
        owner=clerk("bert"),
    )
    following = followups.done(row.id, "anna", today=TODAY).next
    assert following is not None
    assert following.due_date == expected
    assert (following.subject, following.note, following.due_time) == (
        "Rückruf",
        "Wartung",
        time(9),
    )
    assert (following.owner, following.priority, following.recurrence) == ("bert", 1, recurrence)
    assert not following.done
    assert [row.id for row in followups.due_list(None, "all", today=TODAY)] == [following.id]


def test_done_with_a_contact_in_one_step(office: Path) -> None:
    row = new()
    at = datetime(2026, 11, 26, 10, 15)
    result = followups.done(
        row.id, "anna", ContactDraft("phone_out", "Termin vereinbart", at=at), today=TODAY
    )
    assert result.contact_id is not None
    logged = ContactLog.get_by_id(result.contact_id)
    assert (logged.follow_up_id, logged.kind, logged.topic) == (
        row.id,
        "phone_out",
        "Termin vereinbart",
    )
    stored = Party.get_by_id(row.party_id)
    assert (stored.last_contact_at, stored.contact_count) == (at, 1)


def test_bad_contact_undoes_the_done(office: Path) -> None:
    row = new(recurrence="1w")
    with pytest.raises(ValidationError):
        followups.done(row.id, "anna", ContactDraft("telepathy"), today=TODAY)
    assert not followups.get(row.id).done
    assert FollowUp.select().count() == 1


def test_postpone(office: Path) -> None:
    row = new()
    moved = followups.postpone(row.id, TODAY + timedelta(weeks=1), "bert", expected_version=1)
    assert (moved.due_date, moved.version) == (TODAY + timedelta(weeks=1), 2)
    assert audit(row.id)[-1] == ("due_date", "2026-11-26", "2026-12-03", "bert")
    followups.done(row.id, "anna")
    with pytest.raises(FollowUpConflict, match="done meanwhile"):
        followups.postpone(row.id, TODAY, "bert")


# Relative follow-ups ---------------------------------------------------------------------


def test_relative_follow_up_counts_from_the_last_contact(office: Path) -> None:
    assert new(days_after_contact=10, due_date=date(2030, 1, 1)).due_date == date(2026, 12, 6)
    Party.update(last_contact_at=datetime(2026, 11, 1, 9)).where(Party.number == "10002").execute()
    assert new("10002", days_after_contact=10).due_date == date(2026, 11, 11)


def test_logging_a_contact_moves_relative_follow_ups(office: Path) -> None:
    relative = new(days_after_contact=14)
    fixed = new(due_date=date(2026, 12, 1))
    other_party = new("10002", days_after_contact=14)
    done_one = new(days_after_contact=3)
    followups.done(done_one.id, "anna")
    contacts.log_contact(
        party("10001"), "visit", datetime(2026, 11, 25, 16), "Besuch", "", 1800, "bert"
    )
    assert followups.get(relative.id).due_date == date(2026, 12, 9)
    assert followups.get(relative.id).version == 2
    assert audit(relative.id)[-1] == ("due_date", "2026-12-10", "2026-12-09", "bert")
    assert followups.get(fixed.id).due_date == date(2026, 12, 1)
    assert followups.get(other_party.id).due_date == date(2026, 12, 10)
    assert followups.get(done_one.id).due_date == done_one.due_date == date(2026, 11, 29)
    # An older contact logged later does not move it back.
    contacts.log_contact(party("10001"), "email", datetime(2026, 11, 2, 8), "", "", None, "anna")
    assert followups.get(relative.id).due_date == date(2026, 12, 9)


def test_postponed_relative_follow_up_moves_again_with_the_next_contact(office: Path) -> None:
    row = new(days_after_contact=7)
    followups.postpone(row.id, date(2027, 1, 15), "anna")
    contacts.log_contact(party("10001"), "phone_in", datetime(2026, 11, 26, 9), "", "", 60, "anna")
    assert followups.get(row.id).due_date == date(2026, 12, 3)


# Change marker ---------------------------------------------------------------------------


@pytest.mark.sqlite_only("a SQLite file lock or data_version")
def test_change_marker_sees_another_connection_commit(office: Path) -> None:
    marker = followups.change_marker(db.obj)
    assert followups.change_marker(db.obj) == marker
    followups.due_list(None, "all", today=TODAY)
    assert followups.change_marker(db.obj) == marker
    other = sqlite3.connect(office)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE party SET notes = 'x' WHERE number = '10001'")
        assert followups.change_marker(db.obj) == marker
        other.commit()
    finally:
        other.close()
    changed = followups.change_marker(db.obj)
    assert changed != marker
    new()
    assert followups.change_marker(db.obj) != changed


WRITER = """
import sys
from datetime import date
from tui_crm import i18n
i18n.setup("en")
from tui_crm.db.connection import open_database
from tui_crm.services import followups
open_database(sys.argv[1])
followups.create(1, followups.FollowUpDraft(date(2026, 11, 26), "From elsewhere"), "bert")
"""


def test_change_marker_sees_another_process_commit(office: Path) -> None:
    marker = followups.change_marker()
    subprocess.run(
        [sys.executable, "-c", WRITER, str(office)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert followups.change_marker() != marker
    rows = followups.due_list(None, "all", today=TODAY)
    assert [row.subject for row in rows] == ["From elsewhere"]


@pytest.mark.sqlite_only("a SQLite file lock or data_version")
def test_change_marker_without_a_watcher_uses_the_own_connection(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = sqlite3.connect(office)
    followups.close_watchers()

    def refuse(*_args: object, **_kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    marker = followups.change_marker()
    with other:
        other.execute("UPDATE party SET notes = 'y' WHERE number = '10002'")
    other.close()
    assert followups.change_marker() != marker


def test_close_watchers(office: Path) -> None:
    marker = followups.change_marker()
    followups.close_watchers()
    assert isinstance(followups.change_marker(), int)
    assert isinstance(marker, int)


def test_as_json(office: Path) -> None:
    row = new(due_time=time(9, 5), recurrence="1m")
    data = followups.as_json(row)
    assert data["due_date"] == "2026-11-26"
    assert data["due_time"] == "09:05"
    assert (data["number"], data["owner"], data["recurrence"]) == ("10001", "anna", "1m")
    assert data["done_at"] is None


def test_command_line_add_by_number(office: Path) -> None:
    row = followups.add_by_number(
        "10002", "+2w", "Angebot", "anna", owner="bert", at="930", today=TODAY
    )
    assert (row.number, row.due_date, row.due_time, row.owner) == (
        "10002",
        date(2026, 12, 10),
        time(9, 30),
        "bert",
    )
    with pytest.raises(UnknownParty, match="No customer or prospect with number 99999"):
        followups.add_by_number("99999", "t", "x", "anna")
    with pytest.raises(ValidationError, match="Not a date"):
        followups.add_by_number("10002", "someday", "x", "anna")
    assert FollowUp.select().count() == 1


def test_command_line_contact_by_number(office: Path) -> None:
    row = contacts.add_by_number("10003", "visit", "Besuch", "bert", today=TODAY)
    assert (row.kind, row.topic, row.clerk) == ("visit", "Besuch", "bert")
    assert Party.get_by_id(row.party_id).contact_count == 1


# PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def pg_office(pg_url: str) -> str:
    """A fresh PostgreSQL database with the office data."""
    database = open_database(pg_url)
    migrate(database)
    Clerk.create(login="anna", name="Anna Schmidt")
    Clerk.create(login="bert", name="Bert Meier")
    add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    add_party("10002", "Eva", "Berg", "", "Berlin", "+4930987654", "030 987654")
    return pg_url


@pytest.mark.postgres
def test_follow_ups_on_postgres(pg_office: str) -> None:
    import psycopg2

    first = new(due_time=time(9))
    all_day = new()
    overdue = new("10002", due_date=TODAY - timedelta(days=2), recurrence="1w", subject="Mahnung")
    assert [row.id for row in followups.due_list(None, "all", today=TODAY)] == [
        overdue.id,
        all_day.id,
        first.id,
    ]
    page = followups.due_list(None, "all", after=all_day.key, today=TODAY)
    assert [row.id for row in page] == [first.id]
    assert followups.section_counts(None, TODAY) == followups.SectionCounts(1, 2, 0, 0)
    assert {row.id for row in followups.due_list(None, "all", "MAHN", today=TODAY)} == {overdue.id}
    assert {row.id for row in followups.due_list(None, "all", "müller", today=TODAY)} == {
        first.id,
        all_day.id,
    }
    with pytest.raises(FollowUpConflict):
        followups.update(first.id, draft_of(first, subject="x"), 7, "anna")
    result = followups.done(overdue.id, "anna", ContactDraft("phone_out"), today=TODAY)
    assert result.next is not None
    assert result.next.due_date == TODAY + timedelta(days=5)
    relative = new("10002", days_after_contact=3)
    # The contact above was logged now, so the relative follow-up counts from the real today.
    assert relative.due_date == date.today() + timedelta(days=3)

    # The marker is cluster-wide: other databases' writes (parallel test runs) may move it
    # too, so "unchanged while nobody writes" is checked on a quiet pair of readings.
    readings = [(followups.change_marker(), followups.change_marker()) for _ in range(20)]
    assert any(first == second for first, second in readings)
    marker = followups.change_marker()
    other = psycopg2.connect(pg_office)
    with other, other.cursor() as cursor:
        cursor.execute("UPDATE party SET notes = 'x' WHERE number = '10001'")
    other.close()
    assert followups.change_marker() != marker


@pytest.mark.postgres
def test_contacts_suggestions_and_history_on_postgres(pg_office: str) -> None:
    from tui_crm.services import history

    mueller, berg = party("10001"), party("10002")
    Party.update(contact_interval_days=30).execute()
    Party.update(last_contact_at=datetime(2026, 1, 5, 10)).where(Party.id == berg).execute()
    Document.create(
        number="R-1",
        kind="invoice",
        party=berg,
        date=date(2026, 6, 1),
        status="open",
        gross_total=Decimal("119.00"),
    )
    Document.create(
        number="G-1",
        kind="credit_note",
        party=berg,
        date=date(2026, 7, 1),
        status="open",
        gross_total=Decimal("19.00"),
    )
    for with_index in (False, True):
        if with_index:
            db.obj.execute_sql(
                "CREATE INDEX party_interval ON party (contact_interval_days, last_contact_at)"
            )
        contacts.forget_indexes()
        rows = contacts.call_suggestions(TODAY)
        assert [row.party_id for row in rows] == [mueller, berg]
        assert rows[1].revenue == Decimal("100.00")
        assert rows[1].due_at == datetime(2026, 2, 4, 10)
        assert contacts.call_suggestions(TODAY, rows[0].key) == rows[1:]
    contacts.forget_indexes()
    contacts.snooze(berg, TODAY + timedelta(days=1), "anna")
    logged = contacts.log_contact(
        mueller, "visit", datetime(2026, 11, 20, 9), "Besuch", "", 60, "anna"
    )
    assert contacts.call_suggestions(TODAY) == []
    assert [row.id for row in contacts.contacts_of(mueller)] == [logged.id]
    new(subject="Nachfassen")
    kinds = [row.kind for row in history.history(mueller)]
    assert kinds == ["follow_up", "contact"]
    page = history.history(mueller, limit=1)
    assert [row.kind for row in history.history(mueller, before=page[-1].key)] == ["contact"]
