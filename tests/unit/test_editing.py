"""Saving with optimistic locking, the audit trail, new records, conversion, bookmarks and
the duplicate check, without Textual."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import add_party
from tui_crm.db.connection import db
from tui_crm.db.models import (
    AuditLog,
    BankAccount,
    Bookmark,
    Document,
    Email,
    NumberHistory,
    Party,
    Phone,
    SearchWord,
    Sequence,
)
from tui_crm.errors import DatabaseError
from tui_crm.services import editing, inquiry
from tui_crm.services.customers import ensure_clerk
from tui_crm.services.editing import ConflictError, PartyValues, PhoneValue
from tui_crm.services.validation import FieldError

pytestmark = pytest.mark.backends


@pytest.fixture(autouse=True)
def _clerks(people: Path) -> None:
    """The clerks who save in these tests (a save by an unknown login is refused)."""
    ensure_clerk("alice")
    ensure_clerk("bob")


def party_id(number: str) -> int:
    return int(Party.get(Party.number == number).id)


def audit(party: int) -> list[tuple[str, str | None, str | None, str]]:
    rows = AuditLog.select().where(AuditLog.party == party).order_by(AuditLog.id)
    return [(row.field, row.old_value, row.new_value, row.clerk) for row in rows]


def in_other_connection(work: object) -> object:
    """Run ``work()`` in a thread, on a connection of its own (another clerk)."""
    result: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with db.connection_context():
                result.append(work())  # type: ignore[operator]
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def test_save_writes_the_changes_with_one_audit_row_per_field(people: Path) -> None:
    party = party_id("10001")
    before = editing.snapshot(party)
    mine = replace(
        before.values,
        city="Bonn",
        postcode="53111",
        credit_limit=Decimal("2500.00"),
        birthday=date(1970, 3, 12),
    )
    version = editing.save(party, before.values, before.version, mine, "alice")
    after = editing.snapshot(party)
    assert version == after.version == before.version + 1
    assert after.values == mine
    assert sorted(audit(party)) == sorted(
        [
            ("postcode", "", "53111", "alice"),
            ("city", "Köln", "Bonn", "alice"),
            ("birthday", None, "1970-03-12", "alice"),
            ("credit_limit", "0.00", "2500.00", "alice"),
        ]
    )
    row = Party.get_by_id(party)
    assert "bonn" in row.search_key.split()
    assert SearchWord.select().where((SearchWord.party == party) & (SearchWord.word == "bonn"))


def test_saving_without_changes_writes_nothing(people: Path) -> None:
    party = party_id("10001")
    before = editing.snapshot(party)
    assert editing.save(party, before.values, before.version, before.values, "alice") == 1
    assert editing.snapshot(party).version == 1
    assert audit(party) == []


def test_phones_emails_and_bank_account_are_saved_as_fields(people: Path) -> None:
    party = party_id("10001")
    before = editing.snapshot(party)
    mine = replace(
        before.values,
        phones=(PhoneValue("mobile", "+491711234567", "0171 1234567"), *before.values.phones),
        emails=("hans@example.de",),
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        bank_name="Commerzbank",
    )
    editing.save(party, before.values, before.version, mine, "alice")
    phones = list(
        Phone.select().where(Phone.party == party).order_by(Phone.is_main.desc(), Phone.id)
    )
    assert [(p.kind, p.e164, p.is_main) for p in phones] == [
        ("mobile", "+491711234567", True),
        ("phone", "+49221123456", False),
    ]
    assert phones[0].reversed_digits == "765432117194"
    assert [e.address for e in Email.select().where(Email.party == party)] == ["hans@example.de"]
    account = BankAccount.get(BankAccount.party == party)
    assert (account.iban, account.bic, account.is_main) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        True,
    )
    fields = [field for field, *_ in audit(party)]
    assert sorted(fields) == ["bank_name", "bic", "emails", "iban", "phones"]
    assert editing.snapshot(party).values == mine

    # Removing the IBAN removes the account; removing a number deletes only that row.
    again = editing.snapshot(party)
    fewer = replace(again.values, phones=again.values.phones[1:], iban="", bic="", bank_name="")
    editing.save(party, again.values, again.version, fewer, "alice")
    assert not BankAccount.select().where(BankAccount.party == party).exists()
    assert [(p.e164, p.is_main) for p in Phone.select().where(Phone.party == party)] == [
        ("+49221123456", True)
    ]


def test_a_save_by_another_clerk_meanwhile_is_a_conflict_and_nothing_is_written(
    people: Path,
) -> None:
    party = party_id("10001")
    start = editing.snapshot(party)

    def other_clerk() -> int:
        theirs = replace(start.values, city="Bonn", street="Hauptstr. 1")
        return editing.save(party, start.values, start.version, theirs, "bob")

    assert in_other_connection(other_clerk) == 2
    mine = replace(start.values, city="Köln-Deutz", notes="Ruft zurück")
    with pytest.raises(ConflictError) as caught:
        editing.save(party, start.values, start.version, mine, "alice")
    conflict = caught.value
    assert conflict.version == 2
    assert {c.field: (c.old, c.theirs, c.mine) for c in conflict.conflicts} == {
        "street": ("", "Hauptstr. 1", ""),
        "city": ("Köln", "Bonn", "Köln-Deutz"),
    }
    assert {c.field: c.both_changed for c in conflict.conflicts} == {
        "street": False,
        "city": True,
    }
    stored = editing.snapshot(party)
    assert (stored.values.city, stored.values.notes, stored.version) == ("Bonn", "", 2)
    assert [clerk for *_, clerk in audit(party)] == ["bob", "bob"]

    # The clerk chooses: keep my city; the street stays theirs, my notes go in.
    merged = editing.merge(start.values, conflict.theirs, mine, frozenset({"city"}))
    assert editing.save(party, conflict.theirs, conflict.version, merged, "alice") == 3
    final = editing.snapshot(party).values
    assert (final.city, final.street, final.notes) == ("Köln-Deutz", "Hauptstr. 1", "Ruft zurück")


def test_choosing_theirs_keeps_the_other_clerks_value(people: Path) -> None:
    party = party_id("10001")
    start = editing.snapshot(party)
    in_other_connection(
        lambda: editing.save(party, start.values, 1, replace(start.values, city="Bonn"), "bob")
    )
    mine = replace(start.values, city="Ulm")
    with pytest.raises(ConflictError) as caught:
        editing.save(party, start.values, 1, mine, "alice")
    merged = editing.merge(start.values, caught.value.theirs, mine, frozenset())
    editing.save(party, caught.value.theirs, caught.value.version, merged, "alice")
    assert editing.snapshot(party).values.city == "Bonn"


def test_a_version_bump_without_differing_values_merges_silently(people: Path) -> None:
    party = party_id("10001")
    start = editing.snapshot(party)
    same = replace(start.values, city="Bonn")
    in_other_connection(lambda: editing.save(party, start.values, 1, same, "bob"))
    # Both clerks typed the same city; this clerk also changed the street.
    mine = replace(same, street="Markt 1")
    assert editing.save(party, start.values, 1, mine, "alice") == 3
    assert editing.snapshot(party).values == mine


def test_a_deleted_party_cannot_be_saved(people: Path) -> None:
    party = party_id("10001")
    start = editing.snapshot(party)
    Party.delete_by_id(party)
    with pytest.raises(editing.PartyNotFound):
        editing.save(party, start.values, 1, replace(start.values, city="Bonn"), "alice")


@pytest.mark.sqlite_only("a SQLite file lock or data_version")
def test_the_write_lock_of_another_process_gives_a_clear_error(people: Path) -> None:
    party = party_id("10001")
    start = editing.snapshot(party)
    other = sqlite3.connect(str(people), timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    try:
        db.obj.execute_sql("PRAGMA busy_timeout = 100")
        with pytest.raises(DatabaseError, match="busy"):
            editing.save(party, start.values, 1, replace(start.values, city="Bonn"), "alice")
    finally:
        other.rollback()
        other.close()
    assert editing.snapshot(party).values.city == "Köln"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (PartyValues(), "last_name"),
        (PartyValues(last_name="X", country="Deutschland"), "country"),
        (PartyValues(last_name="X", postcode="5066"), "postcode"),
        (PartyValues(last_name="X", emails=("no-address",)), "emails"),
        (PartyValues(last_name="X", iban="DE00 1234"), "iban"),
        (PartyValues(last_name="X", iban="DE89370400440532013000", bic="XX"), "bic"),
        (PartyValues(last_name="X", bank_name="Sparkasse"), "iban"),
        (PartyValues(last_name="X", credit_limit=Decimal("-1.00")), "credit_limit"),
        (PartyValues(last_name="X", contact_interval_days=0), "contact_interval_days"),
    ],
)
def test_a_record_is_checked_as_a_whole_before_it_is_written(
    values: PartyValues, field: str
) -> None:
    with pytest.raises(FieldError) as caught:
        editing.check(values)
    assert caught.value.field == field


def test_a_complete_record_passes_the_check() -> None:
    editing.check(
        PartyValues(
            company="Weiß GmbH",
            postcode="1010",
            country="AT",
            emails=("info@weiss.at",),
            iban="AT611904300234573201",
            bic="BKAUATWW",
            contact_interval_days=90,
        )
    )


def test_new_customer_and_prospect_numbers_come_from_their_sequences(people: Path) -> None:
    Sequence.create(name="customer", prefix="", next_value=10002)
    number = editing.create("customer", PartyValues(last_name="Neu", city="Ulm"), "alice")
    # 10002 and 10003 are taken: the sequence skips them.
    assert number == "10004"
    assert Sequence.get_by_id("customer").next_value == 10005
    prospect = editing.create("prospect", PartyValues(company="Probe AG"), "alice")
    assert prospect == "I10000"
    assert Sequence.get_by_id("prospect").prefix == "I"
    row = Party.get(Party.number == prospect)
    assert (row.kind, row.version, row.company) == ("prospect", 1, "Probe AG")
    assert audit(int(row.id)) == [("number", None, "I10000", "alice")]
    assert SearchWord.select().where(SearchWord.party == row.id).exists()


def test_a_new_record_keeps_its_numbers_addresses_and_account(people: Path) -> None:
    values = PartyValues(
        first_name="Eva",
        last_name="Neu",
        phones=(PhoneValue("mobile", "+491701234567", "0170 1234567"),),
        emails=("eva@example.de",),
        iban="DE89370400440532013000",
    )
    number = editing.create("customer", values, "alice")
    stored = editing.snapshot(party_id(number))
    assert stored.values == values
    assert stored.kind == "customer"


def test_converting_a_prospect_keeps_the_row_its_history_and_its_old_number(people: Path) -> None:
    prospect = add_party("I10007", "Ida", "Probe", "", "Ulm", "+497311234", "0731 1234")
    Party.update(kind="prospect").where(Party.id == prospect.id).execute()
    Document.create(number="AN1", kind="quote", party=prospect, date=date(2026, 1, 5))
    Sequence.create(name="customer", prefix="", next_value=20000)
    number = editing.convert_to_customer(int(prospect.id), "alice")
    assert number == "20000"
    row = Party.get_by_id(prospect.id)
    assert (row.number, row.kind, row.version) == ("20000", "customer", 2)
    assert row.converted_at is not None
    assert [(h.number, h.kind) for h in NumberHistory.select()] == [("I10007", "prospect")]
    assert Document.get(Document.number == "AN1").party_id == prospect.id
    assert ("kind", "prospect", "customer", "alice") in audit(int(prospect.id))
    # The old number still finds the customer.
    assert inquiry.load("I10007", 1).number == "20000"
    with pytest.raises(editing.NotAProspect):
        editing.convert_to_customer(int(prospect.id), "alice")


def test_bookmark_toggles(people: Path) -> None:
    clerk = ensure_clerk("alice")
    party = party_id("10002")
    assert editing.toggle_bookmark(clerk, party) is True
    assert Bookmark.select().where(Bookmark.party == party).count() == 1
    assert editing.toggle_bookmark(clerk, party) is False
    assert not Bookmark.select().where(Bookmark.party == party).exists()


def test_duplicates_by_phone_email_or_name_and_postcode(people: Path) -> None:
    mueller = party_id("10001")
    Party.update(postcode="50667").where(Party.id == mueller).execute()
    Email.create(party=mueller, address="hans@mueller.de")
    by_phone = editing.find_duplicates(
        PartyValues(last_name="Anders", phones=(PhoneValue("phone", "+49221123456"),))
    )
    assert [(d.number, d.reasons) for d in by_phone] == [("10001", ("phone",))]
    by_email = editing.find_duplicates(PartyValues(last_name="X", emails=("Hans@mueller.de",)))
    assert [(d.number, d.reasons) for d in by_email] == [("10001", ("email",))]
    by_name = editing.find_duplicates(
        PartyValues(first_name="Hans", last_name="Mueller", postcode="50667")
    )
    assert [(d.number, d.name, d.reasons) for d in by_name] == [("10001", "Hans Müller", ("name",))]
    assert editing.find_duplicates(PartyValues(last_name="Müller", postcode="50668")) == []
    assert editing.find_duplicates(PartyValues(last_name="Müll", postcode="50667")) == []
    everything = editing.find_duplicates(
        PartyValues(
            first_name="Hans",
            last_name="Müller",
            postcode="50667",
            phones=(PhoneValue("phone", "+49221123456"),),
            emails=("hans@mueller.de",),
        )
    )
    assert everything[0].reasons == ("phone", "email", "name")
    assert (
        editing.find_duplicates(PartyValues(last_name="Müller", postcode="50667"), exclude=mueller)
        == []
    )


def test_audit_values_are_plain_text() -> None:
    assert editing.audit_text(None) is None
    assert editing.audit_text(True) == "true"
    assert editing.audit_text(date(2026, 1, 2)) == "2026-01-02"
    assert editing.audit_text(Decimal("1.50")) == "1.50"
    assert editing.audit_text((PhoneValue("fax", "+49221"),)) == "fax +49221"
