"""Open items, payments, the credit block and the dunning run, on real SQLite files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peewee import Database, fn

from tests.conftest import add_party
from tests.ledger import add_invoice
from tui_crm import cli
from tui_crm.config import DEFAULT_DUNNING_LEVELS, DunningLevel
from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import AuditLog, Clerk, Document, DunningEvent, OpenItem, Party, Payment
from tui_crm.errors import PermissionDenied, ValidationError
from tui_crm.services import demo, dunning, open_items
from tui_crm.services.open_items import OpenItemFilter

TODAY = date(2026, 3, 1)


@pytest.fixture
def ledger(db_path: Path) -> dict[str, OpenItem]:
    """Two customers with open, part-paid, settled and credit-note items."""
    mkoch = Clerk.create(login="mkoch")
    hans = add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    eva = add_party("10002", "Eva", "Schmidt", "", "Bonn", "+49228123456", "0228 123456")
    Clerk.create(login="alice", role="accounting")
    items = {
        "old": add_invoice(hans, "RE1", "100.00", due=date(2026, 1, 10), clerk=mkoch),
        "part": add_invoice(
            hans,
            "RE2",
            "50.00",
            due=date(2026, 2, 1),
            paid="20.00",
            level=1,
            last_dunning=date(2026, 2, 15),
        ),
        "future": add_invoice(eva, "RE3", "30.10", due=date(2026, 3, 20)),
        "credit": add_invoice(eva, "GS1", "10.00", kind="credit_note", due=date(2026, 1, 1)),
    }
    settled = add_invoice(eva, "RE4", "99.00", due=date(2026, 1, 1), paid="99.00")
    OpenItem.update(closed_at=date(2026, 1, 2)).where(OpenItem.id == settled.id).execute()
    return items


def test_list_totals_and_filters(ledger: dict[str, OpenItem]) -> None:
    rows = open_items.list_open_items(OpenItemFilter(), TODAY)
    assert [row.document_number for row in rows] == ["GS1", "RE1", "RE2", "RE3"]
    assert [row.balance for row in rows] == [
        Decimal("-10.00"),
        Decimal("100.00"),
        Decimal("30.00"),
        Decimal("30.10"),
    ]
    assert rows[1].days_overdue(TODAY) == 50
    assert rows[3].days_overdue(TODAY) == 0
    assert rows[1].clerk == "mkoch"
    sums = open_items.totals(OpenItemFilter(), TODAY)
    assert (sums.count, sums.amount, sums.paid, sums.balance) == (
        4,
        Decimal("170.10"),
        Decimal("20.00"),
        Decimal("150.10"),
    )
    overdue = OpenItemFilter(overdue=True)
    assert [r.document_number for r in open_items.list_open_items(overdue, TODAY)] == [
        "GS1",
        "RE1",
        "RE2",
    ]
    hans = Party.get(Party.number == "10001").id
    assert open_items.totals(OpenItemFilter(party_id=hans), TODAY).balance == Decimal("130.00")
    level = OpenItemFilter(dunning_level=1)
    assert [r.document_number for r in open_items.list_open_items(level, TODAY)] == ["RE2"]
    mkoch = Clerk.get(Clerk.login == "mkoch").id
    assert open_items.totals(OpenItemFilter(clerk_id=mkoch), TODAY).count == 1
    first = open_items.list_open_items(OpenItemFilter(), TODAY, None, 2)
    rest = open_items.list_open_items(OpenItemFilter(), TODAY, first[-1].key, 10)
    assert [r.document_number for r in first + rest] == ["GS1", "RE1", "RE2", "RE3"]


def test_partial_then_full_payment_settles_with_audit(ledger: dict[str, OpenItem]) -> None:
    item = ledger["old"]
    result = open_items.record_payment(
        item.id, Decimal("40.00"), TODAY, "alice", expected_version=1
    )
    assert not result.settled
    assert result.item.balance == Decimal("60.00")
    assert result.item.version == 2
    payment = Payment.get_by_id(result.payment_id)
    assert (payment.amount, payment.date, payment.clerk.login) == (Decimal("40.00"), TODAY, "alice")
    result = open_items.record_payment(
        item.id, Decimal("60.00"), TODAY, "alice", expected_version=2
    )
    assert result.settled
    assert OpenItem.get_by_id(item.id).closed_at is not None
    assert Document.get_by_id(item.document_id).status == "done"
    fields = [
        (row.table_name, row.field, row.new_value)
        for row in AuditLog.select().order_by(AuditLog.id)
    ]
    assert ("open_item", "paid", "40.00") in fields
    assert ("open_item", "paid", "100.00") in fields
    assert ("payment", "amount", "60.00") in fields
    assert ("document", "status", "done") in fields
    assert any(field == "closed_at" for _table, field, _new in fields)
    assert open_items.list_open_items(OpenItemFilter(), TODAY)[1].document_number == "RE2"


def test_overpayment_asks_first(ledger: dict[str, OpenItem]) -> None:
    item = ledger["part"]
    with pytest.raises(open_items.OverPayment) as asked:
        open_items.record_payment(item.id, Decimal("30.01"), TODAY, "alice", expected_version=1)
    assert asked.value.balance == Decimal("30.00")
    assert Payment.select().count() == 0
    result = open_items.record_payment(
        item.id, Decimal("30.01"), TODAY, "alice", expected_version=1, allow_overpayment=True
    )
    assert result.settled
    assert result.item.balance == Decimal("-0.01")


def test_credit_note_is_paid_out(ledger: dict[str, OpenItem]) -> None:
    item = ledger["credit"]
    with pytest.raises(open_items.OverPayment):
        open_items.record_payment(item.id, Decimal("10.01"), TODAY, "alice", expected_version=1)
    result = open_items.record_payment(
        item.id, Decimal("10.00"), TODAY, "alice", expected_version=1
    )
    assert result.settled
    assert Payment.get_by_id(result.payment_id).amount == Decimal("-10.00")


def test_stale_version_settled_item_and_bad_amounts_are_refused(
    ledger: dict[str, OpenItem],
) -> None:
    item = ledger["old"]
    open_items.record_payment(item.id, Decimal("1.00"), TODAY, "alice", expected_version=1)
    with pytest.raises(open_items.ItemChanged):
        open_items.record_payment(item.id, Decimal("1.00"), TODAY, "alice", expected_version=1)
    for bad in (Decimal("0"), Decimal("-5"), Decimal("1.001"), Decimal("NaN"), Decimal("1e12")):
        with pytest.raises(ValidationError):
            open_items.record_payment(item.id, bad, TODAY, "alice", expected_version=2)
    open_items.record_payment(item.id, Decimal("99.00"), TODAY, "alice", expected_version=2)
    with pytest.raises(open_items.ItemSettled):
        open_items.record_payment(item.id, Decimal("1.00"), TODAY, "alice", expected_version=3)
    assert Payment.select().count() == 2


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=6))
def test_payments_add_up_exactly(ledger: dict[str, OpenItem], parts: list[int]) -> None:
    total = Decimal(sum(parts)) / 100
    number = f"RP{OpenItem.select().count()}"
    party = Party.get(Party.number == "10001")
    item = add_invoice(party, number, f"{total:.2f}")
    version = 1
    for cents in parts:
        result = open_items.record_payment(
            item.id, Decimal(cents) / 100, TODAY, "alice", expected_version=version
        )
        version = result.item.version
    assert result.settled
    assert result.item.paid == total
    stored = Payment.select(fn.SUM(Payment.amount)).where(Payment.open_item == item.id).scalar()
    assert Payment.amount.to_decimal(stored) == total
    assert open_items.totals(OpenItemFilter(party_id=party.id), TODAY).count == 2


def test_block_and_unblock_bump_the_version_with_audit(ledger: dict[str, OpenItem]) -> None:
    party = Party.get(Party.number == "10001")
    assert open_items.set_blocked(party.id, True, "alice")
    assert not open_items.set_blocked(party.id, True, "alice")
    stored = Party.get_by_id(party.id)
    assert stored.blocked
    assert stored.version == party.version + 1
    assert open_items.list_open_items(OpenItemFilter(party_id=party.id), TODAY)[0].blocked
    assert open_items.set_blocked(party.id, False, "alice")
    changes = [(row.field, row.old_value, row.new_value) for row in AuditLog.select()]
    assert changes == [("blocked", "false", "true"), ("blocked", "true", "false")]


# Dunning -----------------------------------------------------------------------------------


def test_the_run_proposes_by_level_days_and_skips_credit_notes(
    ledger: dict[str, OpenItem],
) -> None:
    proposals = dunning.propose(DEFAULT_DUNNING_LEVELS, TODAY)
    # RE1: due 10.01., level 0, 14 days passed → level 1. RE2: level 1 on 15.02., 14 days
    # passed on 01.03. → level 2. RE3 is not due, GS1 is a credit note.
    assert [(p.document_number, p.level, p.next_level) for p in proposals] == [
        ("RE1", 0, 1),
        ("RE2", 1, 2),
    ]
    assert proposals[1].balance == Decimal("30.00")
    assert dunning.propose(DEFAULT_DUNNING_LEVELS, TODAY - timedelta(days=1))[0].item_id == (
        ledger["old"].id
    )
    counted_from_due = (
        DEFAULT_DUNNING_LEVELS[0],
        replace(DEFAULT_DUNNING_LEVELS[1], after="due", days=60),
    )
    assert [p.document_number for p in dunning.propose(counted_from_due, TODAY)] == ["RE1"]


def test_confirmed_run_writes_levels_events_and_skips_items_paid_meanwhile(
    ledger: dict[str, OpenItem],
) -> None:
    levels = (
        DunningLevel(days=14, after="due", fee=Decimal("0.00")),
        DunningLevel(days=14, fee=Decimal("2.50")),
    )
    proposals = dunning.propose(levels, TODAY)
    # RE1 is paid while the clerk reviews the proposal.
    open_items.record_payment(
        ledger["old"].id, Decimal("100.00"), TODAY, "alice", expected_version=1
    )
    result = dunning.run(proposals, levels, TODAY, "alice")
    assert result.raised == 1
    assert result.fees == Decimal("2.50")
    assert [skipped.document_number for skipped in result.skipped] == ["RE1"]
    part = OpenItem.get_by_id(ledger["part"].id)
    assert (part.dunning_level, part.last_dunning_date, part.version) == (2, TODAY, 2)
    event = DunningEvent.get()
    assert (event.level, event.date, event.fee, event.clerk.login) == (
        2,
        TODAY,
        Decimal("2.50"),
        "alice",
    )
    assert AuditLog.get(AuditLog.field == "dunning_level").new_value == "2"
    # At the last level, nothing more is proposed; a second run of the same proposal skips.
    later = dunning.propose(levels, TODAY + timedelta(days=100))
    assert [p.document_number for p in later] == ["RE3"]
    assert dunning.run(proposals, levels, TODAY, "alice").raised == 0


def test_the_run_writes_one_dunning_letter_per_customer_and_level_once(
    ledger: dict[str, OpenItem], tmp_path: Path
) -> None:
    from docx import Document as Docx

    from tui_crm.config import Settings

    settings = Settings(
        clerk="alice",
        documents_dir=str(tmp_path / "docs"),
        templates_dir=str(tmp_path / "templates"),
    )
    levels = (DunningLevel(days=14, after="due"), DunningLevel(days=14, fee=Decimal("2.50")))
    dunning.check_templates(settings)
    result = dunning.run(dunning.propose(levels, TODAY), levels, TODAY, "alice")
    assert result.raised == 2  # RE1 to the reminder, RE2 to the 1st notice: both Müller's
    written = dunning.write_letters(TODAY, "alice", settings)
    assert written.failed == ()
    assert len(written.written) == 2  # one per level
    texts = {
        row.subject: "\n".join(p.text for p in Docx(row.path).paragraphs)
        + "\n".join(c.text for t in Docx(row.path).tables for r in t.rows for c in r.cells)
        for row in written.written
    }
    assert len(texts) == 2
    assert any("RE1" in text and "RE2" not in text for text in texts.values())
    assert any("RE2" in text and "RE1" not in text for text in texts.values())
    assert all(event.letter is not None for event in DunningEvent.select())
    assert dunning.write_letters(TODAY, "alice", settings).written == ()
    # A clerk without the accounting role may not run the dunning.
    Clerk.create(login="bert")
    with pytest.raises(PermissionDenied):
        dunning.run(dunning.propose(levels, TODAY + timedelta(days=30)), levels, TODAY, "bert")


def test_level_names() -> None:
    levels = DEFAULT_DUNNING_LEVELS
    names = [dunning.level_name(levels, level) for level in (1, 2, 3, 4)]
    assert names == ["Payment reminder", "1st notice", "2nd notice", "Final notice"]
    assert dunning.level_name((DunningLevel(name="Erinnerung"),), 1) == "Erinnerung"


# The command line, cross-checked against SQL on demo data ----------------------------------


@pytest.fixture
def demo_path(tmp_path: Path) -> Iterator[Path]:
    """200 demo parties with open items, payments and dunning levels."""
    path = tmp_path / "demo.sqlite"
    database = open_database(path)
    migrate(database)
    demo.generate(database, 200, 5, today=date.today())
    yield path
    database.close()


def _sql(database: Database, sql: str) -> tuple[object, ...]:
    return tuple(database.execute_sql(sql).fetchone())


def test_cli_and_service_totals_agree_with_sql_on_demo_data(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(demo_path)
    indexes = {index.name for index in database.get_indexes("open_item")}
    assert {"open_item_unsettled", "open_item_party_unsettled"} <= indexes  # after the bulk load
    assert "open_item_closed_at_due_date" not in indexes
    today = date.today().isoformat()
    count, balance, amount = _sql(
        database,
        "SELECT COUNT(*), SUM(amount - paid), SUM(amount) FROM open_item "
        f"WHERE closed_at IS NULL AND due_date < '{today}'",
    )
    assert int(count) > 10  # type: ignore[call-overload]
    expected = Decimal(int(balance)) / 100  # type: ignore[call-overload]
    sums = open_items.totals(OpenItemFilter(overdue=True), date.today())
    assert (sums.count, sums.balance, sums.amount) == (
        count,
        expected,
        Decimal(int(amount)) / 100,  # type: ignore[call-overload]
    )
    rows = list(open_items.iter_open_items(OpenItemFilter(overdue=True), date.today(), page=7))
    assert sum((row.balance for row in rows), Decimal(0)) == expected
    assert cli.main(["--db", str(demo_path), "open-items", "--overdue", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["items"]) == count
    assert shown["totals"]["balance"] == f"{expected:.2f}"
    assert sum(Decimal(item["balance"]) for item in shown["items"]) == expected
    assert all(len(item["amount"].split(".")[1]) == 2 for item in shown["items"])
    assert cli.main(["--db", str(demo_path), "open-items", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("customer,name,blocked,invoice")
    assert {line.split(",")[2] for line in lines[1:] if line.count(",") == 13} <= {"true", "false"}
    all_count = _sql(database, "SELECT COUNT(*) FROM open_item WHERE closed_at IS NULL")[0]
    assert len(lines) == 1 + int(all_count)  # type: ignore[call-overload]
    assert cli.main(["--db", str(demo_path), "open-items"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"total\t{all_count} items")


def test_cli_customer_filter_and_unknown_customer(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(demo_path)
    number, party_id = _sql(
        database,
        "SELECT p.number, p.id FROM party p JOIN open_item o ON o.party_id = p.id "
        "WHERE o.closed_at IS NULL ORDER BY p.id LIMIT 1",
    )
    assert (
        cli.main(["--db", str(demo_path), "open-items", "--customer", str(number), "--json"]) == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert {item["customer"] for item in shown["items"]} == {number}
    wanted = _sql(
        database,
        f"SELECT COUNT(*) FROM open_item WHERE closed_at IS NULL AND party_id = {party_id}",
    )[0]
    assert shown["totals"]["count"] == wanted
    assert cli.main(["--db", str(demo_path), "open-items", "--customer", "nope"]) == 1
    assert "no customer nope" in capsys.readouterr().err


def test_cli_dunning_run_dry_run_writes_nothing_then_raises(
    demo_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f"documents_dir = '{tmp_path / 'docs'}'\ntemplates_dir = '{tmp_path / 'templates'}'\n"
        "[[dunning.levels]]\ndays = 0\nafter = 'due'\nfee = '1.50'\n"
    )
    database = open_database(demo_path)
    due = _sql(
        database,
        "SELECT COUNT(*) FROM open_item WHERE closed_at IS NULL AND amount > paid "
        f"AND dunning_level = 0 AND due_date <= '{date.today().isoformat()}'",
    )[0]
    assert int(due) > 0  # type: ignore[call-overload]
    customers = _sql(
        database,
        "SELECT COUNT(DISTINCT party_id) FROM open_item WHERE closed_at IS NULL "
        f"AND amount > paid AND dunning_level = 0 AND due_date <= '{date.today().isoformat()}'",
    )[0]
    events = DunningEvent.select().count()
    # tbecker is the demo's accounting clerk; a plain clerk may not run the dunning.
    args = ["--db", str(demo_path), "--config", str(config), "--clerk", "mkoch", "dunning-run"]
    assert cli.main(args) == 3
    assert "may not do this" in capsys.readouterr().err
    args[args.index("mkoch")] = "tbecker"
    assert cli.main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"{due} items due (dry run: nothing written)"
    assert DunningEvent.select().count() == events
    assert cli.main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"{customers} dunning letters written, 0 failed"
    assert any(line.startswith(f"{due} items raised, fees") for line in lines)
    paths = [Path(line) for line in lines if line.endswith(".docx")]
    assert len(paths) == customers
    assert all(path.exists() and path.is_relative_to(tmp_path / "docs") for path in paths)
    assert DunningEvent.select().count() == events + int(due)  # type: ignore[call-overload]
    # Every event of the run is linked to its customer's letter.
    assert DunningEvent.select().where(DunningEvent.letter.is_null(False)).count() == int(due)  # type: ignore[call-overload]
    assert cli.main([*args, "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 items due (dry run: nothing written)"


@pytest.mark.postgres
def test_documents_payments_and_dunning_on_postgres(pg_url: str) -> None:
    from tests.ledger import add_document
    from tui_crm.services import documents

    migrate(open_database(pg_url))
    hans = add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    Clerk.create(login="alice", role="accounting")
    order = add_document(hans, "AB1", "order", day=date(2026, 1, 2))
    add_document(hans, "LS1", "delivery_note", day=date(2026, 1, 3), linked_from=order)
    item = add_invoice(hans, "RE1", "100.00", due=date(2026, 1, 10))
    page = documents.list_documents(documents.DocumentFilter(), None, 2)
    rest = documents.list_documents(documents.DocumentFilter(), page[-1].key, 5)
    assert [row.number for row in page + rest] == ["RE1", "LS1", "AB1"]
    assert [entry.number for entry in documents.load(order.id).chain] == ["AB1", "LS1"]
    proposals = dunning.propose(DEFAULT_DUNNING_LEVELS, TODAY)
    assert [p.document_number for p in proposals] == ["RE1"]
    result = open_items.record_payment(
        item.id, Decimal("40.00"), TODAY, "alice", expected_version=1
    )
    assert result.item.balance == Decimal("60.00")
    with pytest.raises(open_items.ItemChanged):
        open_items.record_payment(item.id, Decimal("1.00"), TODAY, "alice", expected_version=1)
    ran = dunning.run(proposals, DEFAULT_DUNNING_LEVELS, TODAY, "alice")
    assert (ran.raised, len(ran.skipped)) == (0, 1)  # the payment moved the version
    fresh = dunning.propose(DEFAULT_DUNNING_LEVELS, TODAY)
    assert dunning.run(fresh, DEFAULT_DUNNING_LEVELS, TODAY, "alice").raised == 1
    assert open_items.totals(OpenItemFilter(), TODAY).balance == Decimal("60.00")
