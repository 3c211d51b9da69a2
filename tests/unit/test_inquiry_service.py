"""The inquiry's loader: a fixed number of queries, frozen rows, exact figures."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from peewee import Model
from playhouse.test_utils import count_queries

from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import (
    BankAccount,
    Bookmark,
    Clerk,
    ContactLog,
    ContactPerson,
    CustomerGroup,
    Document,
    Email,
    FollowUp,
    NumberHistory,
    OpenItem,
    Party,
    Phone,
    RecentParty,
)
from tui_crm.services import demo, inquiry
from tui_crm.services.customers import ensure_clerk

TODAY = date(2026, 6, 15)


def walk(value: Any) -> list[Any]:
    """Every value inside a (nested) dataclass."""
    found = [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            found.extend(walk(getattr(value, item.name)))
    elif isinstance(value, tuple):
        for item in value:
            found.extend(walk(item))
    return found


def invoice(party: Party, number: str, day: date, net: str, kind: str = "invoice") -> Document:
    return Document.create(number=number, kind=kind, party=party, date=day, net_total=Decimal(net))


@pytest.fixture
def rich_party(people: Path) -> Party:
    """Customer 10001 with a little of everything."""
    party = Party.get(Party.number == "10001")
    group = CustomerGroup.create(code="STAMM", name="Stammkunden")
    clerk = Clerk.create(login="mkoch", name="Markus Koch")
    Party.update(
        group=group,
        clerk=clerk,
        credit_limit=Decimal("1000.00"),
        blocked=True,
        last_contact_at=datetime(2026, 6, 1, 9, 30),
        notes="Nur vormittags",
    ).where(Party.id == party.id).execute()
    person = ContactPerson.create(
        party=party, first_name="Eva", last_name="Roth", position="Einkauf"
    )
    Phone.create(party=party, contact_person=person, e164="+4922112345612", kind="phone")
    Email.create(party=party, contact_person=person, address="e.roth@example.de")
    Email.create(party=party, address="info@example.de", is_main=True)
    BankAccount.create(party=party, iban="DE89370400440532013000", bic="COBADEFFXXX")
    overdue = invoice(party, "RE1", date(2026, 3, 1), "500.00")
    current = invoice(party, "RE2", date(2026, 6, 1), "800.00")
    invoice(party, "RE3", date(2025, 5, 1), "300.00")
    invoice(party, "GS1", date(2026, 4, 1), "50.00", kind="credit_note")
    invoice(party, "RE0", date(2024, 5, 1), "999.00")
    Document.create(
        number="RE4",
        kind="invoice",
        party=party,
        date=date(2026, 2, 1),
        net_total=Decimal("70.00"),
        status="cancelled",
    )
    invoice(party, "AN1", date(2026, 5, 1), "1234.00", kind="quote")
    OpenItem.create(
        document=overdue,
        party=party,
        amount=Decimal("595.00"),
        paid=Decimal("95.00"),
        due_date=date(2026, 3, 15),
        dunning_level=2,
    )
    OpenItem.create(
        document=current, party=party, amount=Decimal("952.00"), due_date=date(2026, 7, 1)
    )
    FollowUp.create(
        party=party, due_date=date(2026, 6, 20), subject="Angebot nachfassen", owner=clerk
    )
    FollowUp.create(party=party, due_date=date(2026, 6, 10), subject="Rückruf", owner=clerk)
    FollowUp.create(
        party=party,
        due_date=date(2026, 5, 1),
        subject="Erledigt",
        owner=clerk,
        done_at=datetime(2026, 5, 2),
    )
    ContactLog.create(
        party=party,
        kind="phone_in",
        topic="Reklamation",
        clerk=clerk,
        at=datetime(2026, 6, 1, 9, 30),
    )
    NumberHistory.create(party=party, number="I4711", kind="prospect")
    return Party.get_by_id(party.id)


def test_everything_about_one_customer(rich_party: Party) -> None:
    clerk = ensure_clerk("alice")
    Bookmark.create(clerk=clerk, party=rich_party)
    data = inquiry.load("10001", clerk, region="DE", today=TODAY)
    assert (data.number, data.name, data.kind, data.version) == (
        "10001",
        "Hans Müller",
        "customer",
        1,
    )
    assert data.group == "STAMM Stammkunden"
    assert data.clerk == "Markus Koch"
    assert [(p.kind, p.display, p.is_main) for p in data.phones] == [("phone", "0221 123456", True)]
    assert [e.address for e in data.emails] == ["info@example.de"]
    assert [(p.name, p.position) for p in data.persons] == [("Eva Roth", "Einkauf")]
    assert [p.display for p in data.persons[0].phones] == ["0221 12345612"]
    assert [e.address for e in data.persons[0].emails] == ["e.roth@example.de"]
    assert [b.iban for b in data.bank_accounts] == ["DE89370400440532013000"]
    assert data.values.iban == "DE89370400440532013000"
    assert [f.subject for f in data.follow_ups] == ["Rückruf", "Angebot nachfassen"]
    assert [(c.kind, c.topic, c.clerk) for c in data.contacts] == [
        ("phone_in", "Reklamation", "Markus Koch")
    ]
    assert data.former_numbers == ("I4711",)
    assert data.bookmarked
    summary = data.summary
    assert summary.open_balance == Decimal("1452.00")
    assert summary.overdue == Decimal("500.00")
    assert summary.open_items == 2
    assert summary.dunning_level == 2
    assert (summary.credit_limit, summary.blocked) == (Decimal("1000.00"), True)
    assert summary.last_contact == datetime(2026, 6, 1, 9, 30)
    assert (summary.next_follow_up, summary.next_follow_up_subject) == (
        date(2026, 6, 10),
        "Rückruf",
    )
    assert summary.year == 2026
    assert summary.revenue_this_year == Decimal("1250.00")  # 500 + 800 - 50, not cancelled
    assert summary.revenue_last_year == Decimal("300.00")


def test_the_rows_are_frozen_and_hold_no_models(rich_party: Party) -> None:
    data = inquiry.load("10001", 1, today=TODAY)
    values = walk(data)
    assert not any(isinstance(value, Model) for value in values)
    for value in values:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            with pytest.raises(dataclasses.FrozenInstanceError):
                value.__setattr__(dataclasses.fields(value)[0].name, None)


def test_the_number_of_queries_is_fixed(rich_party: Party) -> None:
    with count_queries() as counter:
        inquiry.load("10001", 1, today=TODAY)
    assert counter.count == inquiry.QUERIES
    with count_queries() as plain:
        inquiry.load("10003", 1, today=TODAY)
    assert plain.count == inquiry.QUERIES
    with count_queries() as former:
        inquiry.load("I4711", 1, today=TODAY)
    assert former.count == inquiry.QUERIES + 1


def test_the_number_of_queries_does_not_grow_with_the_history(tmp_path: Path) -> None:
    database = open_database(tmp_path / "demo.sqlite")
    migrate(database)
    demo.generate(database, 120, seed=3, today=TODAY)
    numbers = [row.number for row in Party.select(Party.number)]
    counts = set()
    for number in numbers:
        with count_queries() as counter:
            data = inquiry.load(number, 1, today=TODAY)
        assert data.number == number
        counts.add(counter.count)
    assert counts == {inquiry.QUERIES}
    database.close()


def test_an_unknown_number_is_not_found(people: Path) -> None:
    with pytest.raises(inquiry.PartyNotFound, match="4711"):
        inquiry.load("4711", 1)


def test_opening_is_recorded_as_recent(people: Path) -> None:
    clerk = ensure_clerk("alice")
    party = Party.get(Party.number == "10002")
    inquiry.record_opened(clerk, int(party.id))
    inquiry.record_opened(clerk, int(party.id))
    assert RecentParty.select().where(RecentParty.clerk == clerk).count() == 1
