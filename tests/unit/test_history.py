"""The full history: every source merged newest first, filtered by kind, paged by key."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import add_party
from tui_crm.db.connection import db
from tui_crm.db.models import (
    AuditLog,
    Clerk,
    ContactLog,
    Document,
    FollowUp,
    Letter,
    OpenItem,
    Party,
    Payment,
)
from tui_crm.services import followups
from tui_crm.services.followups import FollowUpDraft
from tui_crm.services.history import KINDS, HistoryRow, history

pytestmark = pytest.mark.backends

TODAY = date(2026, 11, 26)


@pytest.fixture
def customer(db_path: Path) -> int:
    """One customer with one event of each kind, and another customer with noise."""
    anna = Clerk.create(login="anna", name="Anna")
    mueller = add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    other = add_party("10002", "Eva", "Berg", "", "Berlin", "+4930987654", "030 987654")
    for owner in (mueller, other):
        ContactLog.create(
            party=owner,
            at=datetime(2026, 11, 20, 9),
            kind="phone_in",
            topic="Reklamation",
            agreements="Ersatz",
            clerk=anna,
        )
    invoice = Document.create(
        number="R-1",
        kind="invoice",
        party=mueller,
        date=date(2026, 11, 18),
        status="open",
        clerk=anna,
        gross_total=Decimal("119.00"),
    )
    item = OpenItem.create(
        document=invoice, party=mueller, amount=Decimal("119.00"), due_date=date(2026, 12, 2)
    )
    Payment.create(
        open_item=item,
        party=mueller,
        date=date(2026, 11, 22),
        amount=Decimal("50.00"),
        method="cash",
        clerk=anna,
    )
    Letter.create(
        party=mueller,
        template="angebot.docx",
        subject="Ihr Angebot",
        path="/tmp/a.docx",
        clerk=anna,
        created_at=datetime(2026, 11, 19, 15),
    )
    AuditLog.create(
        table_name="party",
        row_id=mueller.id,
        party=mueller,
        field="city",
        old_value="Bonn",
        new_value="Köln",
        clerk="anna",
        at=datetime(2026, 11, 21, 10),
    )
    return int(mueller.id)


def kinds_of(rows: list[HistoryRow]) -> list[str]:
    return [row.kind for row in rows]


def test_everything_newest_first(customer: int) -> None:
    follow_up = followups.create(customer, FollowUpDraft(TODAY, "Nachfassen"), "anna")
    followups.done(follow_up.id, "anna")
    rows = history(customer)
    assert kinds_of(rows) == [
        "follow_up_done",
        "follow_up",
        "payment",
        "change",
        "contact",
        "letter",
        "document",
    ]
    done, created, payment, change, contact, letter, document = rows
    assert (done.title, done.clerk) == ("Nachfassen", "anna")
    assert created.detail == "2026-11-26"
    assert (payment.at, payment.subkind, payment.amount) == (
        datetime(2026, 11, 22),
        "cash",
        Decimal("50.00"),
    )
    assert (change.subkind, change.title, change.detail) == ("party", "city", "Bonn → Köln")
    assert (contact.subkind, contact.title, contact.detail, contact.clerk) == (
        "phone_in",
        "Reklamation",
        "Ersatz",
        "anna",
    )
    assert (letter.title, letter.detail) == ("Ihr Angebot", "angebot.docx")
    assert (document.at, document.subkind, document.title, document.amount) == (
        datetime(2026, 11, 18),
        "invoice",
        "R-1",
        Decimal("119.00"),
    )


def test_follow_up_changes_show_but_not_twice(customer: int) -> None:
    row = followups.create(customer, FollowUpDraft(TODAY, "Termin", due_time=time(9)), "anna")
    followups.postpone(row.id, TODAY + timedelta(days=1), "anna")
    followups.delete(row.id, "anna")
    changes = [(r.title, r.detail) for r in history(customer, {"change"})]
    assert changes == [
        ("deleted", "2026-11-27 Termin"),
        ("due_date", "2026-11-26 → 2026-11-27"),
        ("city", "Bonn → Köln"),
    ]
    assert history(customer, {"follow_up"}) == []


def test_filter_by_kind(customer: int) -> None:
    assert kinds_of(history(customer, {"contact", "document"})) == ["contact", "document"]
    assert kinds_of(history(customer, set())) == []
    with pytest.raises(ValueError, match="unknown history kinds"):
        history(customer, {"gossip"})


def test_other_parties_stay_out(customer: int) -> None:
    other = int(Party.get(Party.number == "10002").id)
    assert kinds_of(history(other)) == ["contact"]


def test_timed_follow_up_detail(customer: int) -> None:
    followups.create(
        customer, FollowUpDraft(TODAY, "Anruf", due_time=time(14, 30), note="wg. Preis"), "anna"
    )
    [row] = history(customer, {"follow_up"})
    assert row.detail == "2026-11-26 14:30 wg. Preis"


def test_pages_across_sources_with_ties(customer: int) -> None:
    """Many events on few timestamps (midnight included) in every source: pages of any size
    join up to the whole history, each row once, in order."""
    rng = random.Random(3)
    days = [datetime(2026, 11, day) for day in (2, 3, 4)]
    moments = [*days, *(day + timedelta(hours=9) for day in days)]
    anna = Clerk.get(Clerk.login == "anna")
    with db.obj.atomic():
        for index in range(60):
            at = rng.choice(moments)
            ContactLog.create(party=customer, at=at, kind="visit", topic=str(index), clerk=anna)
            Document.create(
                number=f"D-{index}",
                kind="order",
                party=customer,
                date=at.date(),
                status="open",
            )
            AuditLog.create(
                table_name="party",
                row_id=customer,
                party=customer,
                field="notes",
                clerk="anna",
                at=at,
            )
            FollowUp.create(
                party=customer,
                due_date=TODAY,
                subject=f"F{index}",
                owner=anna,
                created_at=at,
                done_at=rng.choice((None, at)),
            )
    whole = history(customer, limit=10_000)
    assert len(whole) == len({(row.kind, row.source_id) for row in whole})
    assert [row.key for row in whole] == sorted((row.key for row in whole), reverse=True)
    for size in (1, 7, 50):
        paged: list[HistoryRow] = []
        before = None
        while True:
            page = history(customer, before=before, limit=size)
            paged.extend(page)
            if len(page) < size:
                break
            before = page[-1].key
        assert [row.key for row in paged] == [row.key for row in whole]
    some = {"document", "follow_up_done", "change"}
    wanted = [row.key for row in whole if row.kind in some]
    paged_keys = []
    before = None
    while True:
        page = history(customer, some, before, 9)
        paged_keys.extend(row.key for row in page)
        if len(page) < 9:
            break
        before = page[-1].key
    assert paged_keys == wanted


def test_keys_rank_by_kind() -> None:
    row = HistoryRow(datetime(2026, 1, 1), "letter", 5, "", "", "", "")
    assert row.key == (datetime(2026, 1, 1), KINDS.index("letter"), 5)
