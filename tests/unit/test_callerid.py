"""Caller ID and the call journal on a real database: ring → card, missed calls, F12."""

from __future__ import annotations

import json
import queue
import re
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import add_party
from tests.fakes.argv_recorder import recorder
from tests.fakes.call_monitor import FakeCallMonitor
from tui_crm.config import Settings, TelephonySettings
from tui_crm.db.connection import db
from tui_crm.db.models import (
    ContactLog,
    ContactPerson,
    Document,
    FollowUp,
    OpenItem,
    Party,
    Phone,
)
from tui_crm.errors import ValidationError
from tui_crm.services import phones
from tui_crm.services.customers import ensure_clerk
from tui_crm.services.followups import FollowUpDraft
from tui_crm.services.telephony import callerid, journal
from tui_crm.services.telephony.callerid import (
    CallerCard,
    Candidates,
    UnknownCaller,
    WithheldCaller,
    caller_card,
    card_for,
    lookup_for_cli,
)
from tui_crm.services.telephony.dialers import CommandDialer, NoDialer
from tui_crm.services.telephony.events import CallUpdate, TelephonyEvent
from tui_crm.services.telephony.fritz_monitor import FritzMonitor

TODAY = date(2025, 11, 28)
SETTINGS = Settings(
    region="DE", telephony=TelephonySettings(outside_line_prefix="0", area_code="07755")
)


def phone(party: Party, e164: str, raw: str, **values: object) -> Phone:
    return Phone.create(
        party=party, e164=e164, as_entered=raw, reversed_digits=e164[1:][::-1], **values
    )


@pytest.fixture
def crm(db_path: Path) -> dict[str, Party]:
    """Parties: Müller (balance, dunning, follow-up, last contact), a company with a contact
    person and a switchboard, two parties sharing a number, one with a direct-line entry."""
    clerk = ensure_clerk("anna")
    muller = add_party("10001", "Hans", "Müller", "", "Blumberg", "+497755883334", "07755 883334")
    weiss = add_party("10002", "", "", "Weiß GmbH", "Freiburg", "+49761224120", "0761 22412-0")
    person = ContactPerson.create(party=weiss, first_name="Eva", last_name="Weiß")
    phone(weiss, "+497612241299", "0761 22412-99", contact_person=person)
    add_party("10003", "Jo", "Alt", "", "Köln", "+49221123456", "0221 123456")
    shared_b = add_party("20001", "Jo", "Alt jun.", "", "Köln", "+49221654321", "0221 654321")
    phone(shared_b, "+49221123456", "0221 123456")
    shared_b.kind = "prospect"
    shared_b.save()
    direct = add_party("10004", "", "", "Direkt AG", "Bonn", "+49228555000", "0228 555000")
    phone(direct, "+49228444000", "0228 444000", extension="17")
    document = Document.create(number="R1", kind="invoice", party=muller, date=TODAY)
    OpenItem.create(
        document=document,
        party=muller,
        amount=Decimal("250.00"),
        paid=Decimal("50.00"),
        due_date=TODAY - timedelta(days=10),
        dunning_level=2,
    )
    FollowUp.create(
        party=muller, due_date=TODAY + timedelta(days=3), subject="Angebot nachfassen", owner=clerk
    )
    FollowUp.create(party=muller, due_date=TODAY + timedelta(days=9), subject="later", owner=clerk)
    ContactLog.create(
        party=muller, kind="visit", at=datetime(2025, 11, 20, 10, 0), topic="Reifenwechsel"
    )
    ContactLog.create(party=muller, kind="missed", at=datetime(2025, 11, 27, 9, 0))
    return {"muller": muller, "weiss": weiss, "b": shared_b, "direct": direct}


# Caller lookup -----------------------------------------------------------------------------


def test_a_known_caller_gets_the_full_card(crm: dict[str, Party]) -> None:
    card = caller_card("007755883334", SETTINGS, today=TODAY)
    assert isinstance(card, CallerCard)
    assert (card.number, card.display, card.party_number, card.name, card.city) == (
        "+497755883334",
        "07755 883334",
        "10001",
        "Hans Müller",
        "Blumberg",
    )
    assert (card.open_balance, card.overdue, card.open_items, card.dunning_level) == (
        Decimal("200.00"),
        Decimal("200.00"),
        1,
        2,
    )
    assert (card.next_follow_up, card.next_follow_up_subject) == (
        TODAY + timedelta(days=3),
        "Angebot nachfassen",
    )
    # A missed call is no contact: the last contact is the visit.
    assert (card.last_contact_at, card.last_contact_kind, card.last_contact_topic) == (
        datetime(2025, 11, 20, 10, 0),
        "visit",
        "Reifenwechsel",
    )
    assert card.match == "exact"


@pytest.mark.parametrize(
    "number",
    [
        "+497755883334",
        "07755 883334",
        "0049 7755 883334",
        "497755883334",
        "7755883334",
        "883334",
        "0883334",
        "007755883334",
        "tel:+49-7755-883334",
    ],
)
def test_any_format_finds_the_caller(crm: dict[str, Party], number: str) -> None:
    card = caller_card(number, SETTINGS, today=TODAY)
    assert isinstance(card, CallerCard)
    assert card.party_number == "10001"


def test_a_contact_persons_number_names_the_person(crm: dict[str, Party]) -> None:
    card = caller_card("0761 22412-99", SETTINGS, today=TODAY)
    assert isinstance(card, CallerCard)
    assert (card.party_number, card.contact_person, card.match) == ("10002", "Eva Weiß", "exact")
    assert card.open_balance == Decimal("0.00")
    assert card.next_follow_up is None
    assert card.last_contact_at is None


def test_a_direct_line_finds_its_switchboard(crm: dict[str, Party]) -> None:
    card = caller_card("0761 2241233", SETTINGS, today=TODAY)
    assert isinstance(card, CallerCard)
    assert (card.party_number, card.match, card.number) == ("10002", "switchboard", "+497612241233")


def test_a_number_stored_as_base_and_extension(crm: dict[str, Party]) -> None:
    card = caller_card("+4922844400017", SETTINGS, today=TODAY)
    assert isinstance(card, CallerCard)
    assert (card.party_number, card.match) == ("10004", "direct")
    # Without a switchboard or extension on record the base number is no match.
    assert isinstance(caller_card("+4922855500017", SETTINGS), UnknownCaller)


def test_several_parties_let_the_clerk_choose(crm: dict[str, Party]) -> None:
    found = caller_card("0221 123456", SETTINGS, today=TODAY)
    assert isinstance(found, Candidates)
    assert [match.party_number for match in found.matches] == ["10003", "20001"]
    assert [match.party_kind for match in found.matches] == ["customer", "prospect"]
    card = card_for(found.matches[1], found.number, SETTINGS, today=TODAY)
    assert (card.party_number, card.name, card.display) == ("20001", "Jo Alt jun.", "0221 123456")


def test_unknown_and_withheld_callers(crm: dict[str, Party]) -> None:
    unknown = caller_card("0711 999999", SETTINGS)
    assert unknown == UnknownCaller("+49711999999", "0711 999999")
    for withheld in ("", "anonymous", "<unknown>"):
        assert isinstance(caller_card(withheld, SETTINGS), WithheldCaller)
    assert isinstance(caller_card("12", SETTINGS), UnknownCaller)


def test_an_unreadable_number_matches_by_its_end(crm: dict[str, Party]) -> None:
    # No area code configured: 883334 alone is no valid number, so its end is looked up.
    card = caller_card("883334", "DE", today=TODAY)
    assert isinstance(card, CallerCard)
    assert (card.party_number, card.match) == ("10001", "suffix")
    assert isinstance(caller_card("12345", "DE"), UnknownCaller)


def test_lookups_never_scan_a_table(crm: dict[str, Party]) -> None:
    connection = db.obj.connection()
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    try:
        for number in ("007755883334", "0761 2241233", "0221 123456", "883334", "+4922844400017"):
            caller_card(number, SETTINGS, today=TODAY)
        caller_card("883334", "DE", today=TODAY)
        journal.missed_calls(limit=10)
    finally:
        connection.set_trace_callback(None)
    assert len(statements) > 10
    for sql in statements:
        plan = " ".join(
            str(row[-1]) for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        )
        # Reading the union's own (limited) subquery results is no table scan; the tables
        # themselves are read along an index.
        plan = re.sub(r"SCAN (CONSTANT ROW|parties|unknown|missed)\b", "", plan)
        plan = plan.replace("SCAN u USING INDEX unknowncall_at", "")
        assert "SCAN" not in plan, (sql, plan)


def test_matches_lists_every_stored_number(crm: dict[str, Party]) -> None:
    found = callerid.matches("0221 123456", SETTINGS)
    assert sorted(match.party_number for match in found) == ["10003", "20001"]
    assert callerid.matches("anonymous", SETTINGS) == []


# The command line --------------------------------------------------------------------------


def test_callerid_for_the_command_line(crm: dict[str, Party]) -> None:
    answer = lookup_for_cli("007755883334", SETTINGS, today=TODAY)
    assert (answer.exit_code, answer.stdout, answer.stderr) == (
        0,
        "10001\tHans Müller\tBlumberg\n",
        "",
    )
    several = lookup_for_cli("0221 123456", SETTINGS, today=TODAY)
    assert several.exit_code == 0
    assert several.stdout.splitlines() == ["10003\tJo Alt\tKöln", "20001\tJo Alt jun.\tKöln"]
    person = lookup_for_cli("0761 22412-99", SETTINGS)
    assert person.stdout == "10002\tWeiß GmbH (Eva Weiß)\tFreiburg\n"
    unknown = lookup_for_cli("0711 999999", SETTINGS)
    assert (unknown.exit_code, unknown.stdout, unknown.stderr) == (
        1,
        "",
        "unknown number: 0711 999999\n",
    )
    withheld = lookup_for_cli("anonymous", SETTINGS)
    assert (withheld.exit_code, withheld.stderr) == (1, "withheld number\n")


def test_callerid_as_json(crm: dict[str, Party]) -> None:
    answer = lookup_for_cli("07755 883334", SETTINGS, as_json=True, today=TODAY)
    data = json.loads(answer.stdout)
    assert answer.exit_code == 0
    assert (data["status"], data["number"], data["display"]) == (
        "found",
        "+497755883334",
        "07755 883334",
    )
    [match] = data["matches"]
    assert match["customer"] == "10001"
    assert (match["open_balance"], match["dunning_level"]) == ("200.00", 2)
    assert match["next_follow_up"] == "2025-12-01"
    assert match["last_contact"] == "2025-11-20T10:00:00"
    several = json.loads(lookup_for_cli("0221 123456", SETTINGS, as_json=True).stdout)
    assert several["status"] == "several"
    assert len(several["matches"]) == 2
    unknown = lookup_for_cli("0711 999999", SETTINGS, as_json=True)
    assert unknown.exit_code == 1
    assert json.loads(unknown.stdout)["status"] == "unknown"
    assert json.loads(lookup_for_cli("", SETTINGS, as_json=True).stdout)["status"] == "withheld"


# Ring → card, and missed calls, through the FRITZ!Box call monitor ------------------------


@pytest.fixture
def heard() -> Iterator[tuple[FakeCallMonitor, queue.Queue[TelephonyEvent]]]:
    events: queue.Queue[TelephonyEvent] = queue.Queue()
    with FakeCallMonitor() as box:
        monitor = FritzMonitor("127.0.0.1", box.port, events.put, first_retry=0.05)
        monitor.start()
        try:
            assert box.wait_for_clients(1)
            yield box, events
        finally:
            monitor.stop()


def next_update(events: queue.Queue[TelephonyEvent], kind: str) -> CallUpdate:
    while True:
        event = events.get(timeout=5)
        if isinstance(event, CallUpdate) and event.kind == kind:
            return event


def test_a_ring_pops_up_the_card(
    crm: dict[str, Party], heard: tuple[FakeCallMonitor, queue.Queue[TelephonyEvent]]
) -> None:
    box, events = heard
    box.ring(datetime(2025, 11, 28, 15, 17, 43), 0, "07755883334")
    ringing = next_update(events, "ringing")
    card = caller_card(ringing.remote, SETTINGS, today=TODAY)
    assert isinstance(card, CallerCard)
    assert (card.name, card.dunning_level) == ("Hans Müller", 2)


def test_a_missed_call_is_recorded_once_and_listed(
    crm: dict[str, Party], heard: tuple[FakeCallMonitor, queue.Queue[TelephonyEvent]]
) -> None:
    box, events = heard
    rang = datetime(2025, 11, 28, 15, 17, 43)
    box.ring(rang, 1, "0761224120")
    box.disconnect(rang + timedelta(seconds=20), 1, 0)
    missed = next_update(events, "missed")
    before = Party.get_by_id(crm["weiss"].id).last_contact_at
    first = journal.record_missed(missed.remote, missed.started_at, SETTINGS)
    # A second clerk session heard the same call, its clock a few seconds off.
    again = journal.record_missed(missed.remote, missed.started_at + timedelta(seconds=2), SETTINGS)
    assert len(first) == 1
    assert again == first
    assert Party.get_by_id(crm["weiss"].id).last_contact_at == before
    [row] = journal.missed_calls(since=datetime(2025, 11, 28))
    assert (row.party_number, row.name, row.at, row.display, row.called_back_at) == (
        "10002",
        "Weiß GmbH",
        rang,
        "0761 224120",
        None,
    )


def test_missed_calls_of_unknown_and_withheld_numbers_are_listed(
    crm: dict[str, Party],
) -> None:
    logged = ContactLog.select().count()
    unknown = journal.record_missed("0711 999999", datetime(2025, 11, 28, 9), SETTINGS)
    # Every clerk session hears the ring: written once.
    assert journal.record_missed("0711 999999", datetime(2025, 11, 28, 9, 0, 5), SETTINGS) == (
        unknown
    )
    withheld = journal.record_missed("", datetime(2025, 11, 28, 10), SETTINGS)
    assert journal.record_missed("anonymous", datetime(2025, 11, 28, 10, 0, 3), SETTINGS) == (
        withheld
    )
    assert withheld != unknown
    rows = journal.missed_calls(since=datetime(2025, 11, 28), settings=SETTINGS)
    assert [(row.source, row.party_id, row.withheld, row.display) for row in rows] == [
        ("u", None, True, "withheld"),
        ("u", None, False, "0711 999999"),
    ]
    assert rows[1].phone_e164 == "+49711999999"
    assert ContactLog.select().count() == logged  # the contact log belongs to parties


def test_missed_calls_page_across_parties_and_unknown_numbers(crm: dict[str, Party]) -> None:
    same = datetime(2025, 11, 28, 11)
    journal.record_missed("0761 224120", same, SETTINGS)  # Weiß GmbH
    journal.record_missed("0711 999999", same, SETTINGS)  # nobody's, the same second
    for minute in (1, 2, 3):
        journal.record_missed("", datetime(2025, 11, 28, 10, minute), SETTINGS)
        journal.record_missed("0221 654321", datetime(2025, 11, 28, 9, minute), SETTINGS)
    everything = journal.missed_calls(limit=100)
    seen, after = [], None
    while True:
        page = journal.missed_calls(after=after, limit=3)
        seen += page
        if len(page) < 3:
            break
        after = page[-1].key
    assert [row.key for row in seen] == [row.key for row in everything]
    assert len(everything) >= 8
    assert len({row.key for row in everything}) == len(everything)
    assert [row.at for row in everything] == sorted((row.at for row in everything), reverse=True)
    assert (everything[0].source, everything[1].source) == ("u", "c")


def test_missed_calls_page_and_show_the_call_back(crm: dict[str, Party]) -> None:
    for hour in (8, 9, 10):
        journal.record_missed("0221 654321", datetime(2025, 11, 28, hour), SETTINGS)
    journal.log_incoming(
        crm["b"].id, "+49221654321", "anna", at=datetime(2025, 11, 28, 9, 30), duration_seconds=60
    )
    first = journal.missed_calls(limit=2)
    assert [row.at.hour for row in first] == [10, 9]
    assert first[0].called_back_at is None
    assert first[1].called_back_at == datetime(2025, 11, 28, 9, 30)
    rest = journal.missed_calls(after=first[-1].key, limit=10)
    assert [(row.at.hour, row.party_number) for row in rest] == [(8, "20001"), (9, "10001")]


# F12: dialling and the one-step log --------------------------------------------------------


def test_call_choices_offer_own_numbers_then_contact_persons_no_fax(
    crm: dict[str, Party],
) -> None:
    phone(crm["weiss"], "+49761224129", "0761 22412-9", kind="fax")
    choices = journal.call_choices(crm["weiss"].id, SETTINGS)
    assert [(target.display, target.name, target.label) for target in choices] == [
        ("0761 22412-0", "Weiß GmbH", "phone"),
        ("0761 22412-99", "Weiß GmbH (Eva Weiß)", "phone"),
    ]
    assert choices[0].dial == "00761224120"


def test_a_damaged_stored_number_is_not_offered(crm: dict[str, Party]) -> None:
    phone(crm["direct"], "+49228; rm -rf ~", "x")
    assert [target.e164 for target in journal.call_choices(crm["direct"].id)] == [
        "+49228555000",
        "+49228444000",
    ]


def test_dial_target_takes_a_customer_or_a_number(crm: dict[str, Party]) -> None:
    by_customer = journal.dial_target("10001", SETTINGS)
    assert (by_customer.e164, by_customer.party_id) == ("+497755883334", crm["muller"].id)
    by_number = journal.dial_target("0761 22412-99", SETTINGS)
    assert (by_number.party_id, by_number.name) == (crm["weiss"].id, "Weiß GmbH (Eva Weiß)")
    assert by_number.contact_person_id is not None
    shared = journal.dial_target("0221 123456", SETTINGS)
    assert shared.party_id is None
    stranger = journal.dial_target("030 1234567", SETTINGS)
    assert (stranger.e164, stranger.party_id) == ("+49301234567", None)
    with pytest.raises(ValidationError):
        journal.dial_target("not a number", SETTINGS)
    with pytest.raises(ValidationError):
        journal.dial_target("   ", SETTINGS)


def test_every_call_is_recorded_and_finished_in_one_step(
    crm: dict[str, Party], tmp_path: Path
) -> None:
    script, out = recorder(tmp_path)
    target = journal.dial_target("10001", SETTINGS)
    placed = journal.place_call(
        target, "anna", SETTINGS, dialer=CommandDialer((str(script), "{dial}"), 5)
    )
    assert json.loads(out.read_text()) == ["007755883334"]
    assert placed.outcome.placed
    contact = placed.contact
    assert contact is not None
    assert (contact.kind, contact.clerk, contact.phone_e164, contact.duration_seconds) == (
        "phone_out",
        "anna",
        "+497755883334",
        None,
    )
    assert Party.get_by_id(crm["muller"].id).last_contact_at == contact.at
    finished = journal.finish_call(
        contact.id,
        "Termin Reifenwechsel",
        "Freitag 9 Uhr",
        "anna",
        ended_at=contact.at + timedelta(minutes=3, seconds=5),
        follow_up=FollowUpDraft(due_date=TODAY + timedelta(days=7), subject="Erinnern"),
        today=TODAY,
    )
    assert (finished.topic, finished.agreements, finished.duration_seconds) == (
        "Termin Reifenwechsel",
        "Freitag 9 Uhr",
        185,
    )
    assert finished.follow_up_id is not None
    reported = journal.finish_call(contact.id, "Termin", "", "anna", duration_seconds=42)
    assert reported.duration_seconds == 42


def test_no_backend_records_the_call_and_shows_the_number(crm: dict[str, Party]) -> None:
    placed = journal.place_call(journal.dial_target("10001", SETTINGS), "anna", SETTINGS)
    assert not placed.outcome.placed
    assert placed.outcome.show == "07755 883334"
    assert placed.contact is not None


def test_a_failed_dial_records_nothing(crm: dict[str, Party], tmp_path: Path) -> None:
    from tui_crm.services.telephony.errors import PbxUnreachable

    dialer = CommandDialer((str(tmp_path / "missing"), "{e164}"), 5)
    with pytest.raises(PbxUnreachable):
        journal.place_call(journal.dial_target("10001", SETTINGS), "anna", SETTINGS, dialer=dialer)
    assert ContactLog.select().where(ContactLog.kind == "phone_out").count() == 0


def test_a_number_of_no_party_is_dialled_but_not_recorded(crm: dict[str, Party]) -> None:
    placed = journal.place_call(
        journal.dial_target("030 1234567", SETTINGS), "anna", SETTINGS, dialer=NoDialer()
    )
    assert placed.contact is None


def test_only_calls_can_be_finished(crm: dict[str, Party]) -> None:
    visit = ContactLog.get(ContactLog.kind == "visit")
    with pytest.raises(journal.CallNotFound):
        journal.finish_call(visit.id, "x", "", "anna")
    with pytest.raises(journal.CallNotFound):
        journal.finish_call(999_999, "x", "", "anna")
    placed = journal.place_call(journal.dial_target("10001", SETTINGS), "anna", SETTINGS)
    assert placed.contact is not None
    with pytest.raises(ValidationError, match="200"):
        journal.finish_call(placed.contact.id, "x" * 201, "", "anna")


def test_an_answered_incoming_call_is_logged_with_its_duration(crm: dict[str, Party]) -> None:
    row = journal.log_incoming(
        crm["muller"].id,
        "+497755883334",
        "anna",
        at=datetime(2025, 11, 28, 11, 0),
        duration_seconds=86,
        topic="Rückfrage Rechnung",
        agreements="Gutschrift",
    )
    assert (row.kind, row.duration_seconds, row.topic, row.clerk) == (
        "phone_in",
        86,
        "Rückfrage Rechnung",
        "anna",
    )


def test_the_clerks_extension(crm: dict[str, Party]) -> None:
    from tui_crm.db.models import Clerk

    Clerk.update(extension="12").where(Clerk.login == "anna").execute()
    assert journal.clerk_extension("anna") == "12"
    assert journal.clerk_extension("anna", SETTINGS) == "12"
    with_own = Settings(telephony=TelephonySettings(extension="30"))
    assert journal.clerk_extension("anna", with_own) == "30"
    assert journal.clerk_extension("nobody") == ""


def test_dates_come_back_as_dates(crm: dict[str, Party]) -> None:
    FollowUp.update(due_time=time(14, 30)).where(FollowUp.subject == "Angebot nachfassen").execute()
    card = caller_card("07755883334", SETTINGS, today=TODAY)
    assert isinstance(card, CallerCard)
    assert card.next_follow_up_time == time(14, 30)
    assert isinstance(card.next_follow_up, date)
    assert phones.display(card.number, "DE") == card.display
    assert sqlite3.sqlite_version


def test_an_answered_call_is_recorded_once_across_sessions(crm: dict[str, Party]) -> None:
    ensure_clerk("anna")
    rang = datetime(2025, 11, 28, 14, 0, 0)
    first = journal.record_answered(
        crm["b"].id, "+49221654321", "anna", at=rang, duration_seconds=95
    )
    again = journal.record_answered(
        crm["b"].id, "+49221654321", "anna", at=rang + timedelta(seconds=3), duration_seconds=95
    )
    assert again.id == first.id
    assert (first.kind, first.duration_seconds, first.phone_e164) == (
        "phone_in",
        95,
        "+49221654321",
    )
    done = journal.finish_call(first.id, "Reklamation", "tauscht", "anna", duration_seconds=95)
    assert (done.topic, done.agreements, done.duration_seconds) == ("Reklamation", "tauscht", 95)


def test_a_stored_extension_is_shown_as_typed() -> None:
    assert phones.shown("+49221123450", "0221 12345-0", "DE") == "0221 12345-0"
    assert phones.shown("+492211234512", "0221 / 12345 Durchwahl 12", "DE") == "0221 12345-12"
    # Without an extension typed, or typed for another number: the plain display.
    assert phones.shown("+49221123450", "", "DE") == "0221 123450"
    assert phones.shown("+49221123450", "0221 12345-9", "DE") == "0221 123450"
    assert phones.shown("+41441234567", "", "DE") == "+41 44 123 45 67"
