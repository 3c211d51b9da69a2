"""Many clerks at once: 8 processes edit the same customers, follow-ups and open items.

Afterwards every accepted edit is in the database, every rejected one was reported as a
conflict (no other failure, no "database is locked"), the audit log has exactly one row
per accepted edit, and the payments add up to what the open items say is paid. A writer
killed with ``kill -9`` in the middle of a bulk write or a payment leaves nothing half
written. Runs on SQLite and on PostgreSQL (loopback only).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import add_party
from tui_crm.db.connection import db, is_sqlite
from tui_crm.db.models import AuditLog, Clerk, Document, FollowUp, OpenItem, Party, Payment

pytestmark = pytest.mark.backends

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 8
OPS = int(os.environ.get("TUI_CRM_STRESS_OPS", "500"))
"""Edits per process (the issue asks for 500; ``TUI_CRM_STRESS_OPS`` for quick runs)."""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def shop(db_path: Path | str) -> dict[str, list[int]]:
    """Clerks w0…w7 (accounting), six customers, four follow-ups, three open items."""
    for index in range(WORKERS):
        Clerk.create(login=f"w{index}", role="accounting")
    parties = [
        int(add_party(f"2000{n}", "Vor", f"Name{n}", "", "Köln", f"+4922110000{n}", "x").id)
        for n in range(6)
    ]
    owner = Clerk.get(Clerk.login == "w0")
    follow_ups = [
        int(FollowUp.create(party=p, due_date=date(2029, 1, 1), subject="s", owner=owner).id)
        for p in parties[:4]
    ]
    items = []
    for n, party in enumerate(parties[:3]):
        document = Document.create(number=f"R{n}", kind="invoice", party=party, date="2029-01-01")
        items.append(
            int(
                OpenItem.create(
                    document=document,
                    party=party,
                    amount=Decimal("1000000.00"),
                    due_date=date(2029, 2, 1),
                ).id
            )
        )
    return {"parties": parties, "follow_ups": follow_ups, "items": items}


def _run_workers(target: str, shop: dict[str, list[int]], folder: Path) -> list[dict[str, Any]]:
    ids = [",".join(str(i) for i in shop[key]) for key in ("parties", "follow_ups", "items")]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.stress.worker",
                target,
                str(index),
                str(OPS),
                "7",
                str(folder / f"w{index}.jsonl"),
                *ids,
            ],
            cwd=ROOT,
            env=_env(),
        )
        for index in range(WORKERS)
    ]
    for process in processes:
        assert process.wait(timeout=600) == 0
    records = []
    for index in range(WORKERS):
        lines = (folder / f"w{index}.jsonl").read_text().splitlines()
        records += [json.loads(line) for line in lines]
    return records


def test_eight_clerks_lose_no_edit_and_every_payment_adds_up(
    db_path: Path | str, shop: dict[str, list[int]], tmp_path: Path
) -> None:
    audit_before = AuditLog.select().count()
    db.close()
    records = _run_workers(str(db_path), shop, tmp_path)
    db.connect(reuse_if_open=True)

    errors = [record for record in records if record["outcome"] == "error"]
    assert errors == []
    assert len(records) == WORKERS * OPS
    accepted = [record for record in records if record["outcome"] == "accepted"]
    outcomes = Counter((record["kind"], record["outcome"]) for record in records)
    assert all(outcomes[(kind, "accepted")] > 0 for kind in ("party", "follow_up", "payment"))

    # Exactly one audit row per accepted edit, naming its clerk, field and value (a payment
    # also has the row of the payment itself, checked below).
    audit = list(
        AuditLog.select(
            AuditLog.table_name, AuditLog.row_id, AuditLog.field, AuditLog.new_value, AuditLog.clerk
        )
        .where((AuditLog.id > audit_before) & (AuditLog.table_name != "payment"))
        .tuples()
    )
    table = {"party": "party", "follow_up": "follow_up", "payment": "open_item"}
    expected = Counter(
        (table[r["kind"]], r["id"], r["field"], r["value"], f"w{r['worker']}") for r in accepted
    )
    assert Counter(audit) == expected
    payment_rows = AuditLog.select().where(
        (AuditLog.id > audit_before) & (AuditLog.table_name == "payment")
    )
    assert payment_rows.count() == sum(1 for r in accepted if r["kind"] == "payment")

    # Every accepted edit is in the database: versions count them, the last one stands.
    last: dict[tuple[str, int, str], tuple[int, str]] = {}
    saves: Counter[tuple[str, int]] = Counter()
    for record in accepted:
        key = (record["kind"], record["id"], record["field"])
        saves[(record["kind"], record["id"])] += 1
        if key not in last or record["version"] > last[key][0]:
            last[key] = (record["version"], record["value"])
    for party in shop["parties"]:
        stored = Party.get_by_id(party)
        assert stored.version == 1 + saves[("party", party)]
        for field in ("notes", "street"):
            if ("party", party, field) in last:
                assert getattr(stored, field) == last[("party", party, field)][1]
    for follow_up in shop["follow_ups"]:
        stored = FollowUp.get_by_id(follow_up)
        assert stored.version == 1 + saves[("follow_up", follow_up)]
        if ("follow_up", follow_up, "due_date") in last:
            assert stored.due_date.isoformat() == last[("follow_up", follow_up, "due_date")][1]

    # Balances add up: payments = paid = the accepted amounts; one payment per acceptance.
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    for record in accepted:
        if record["kind"] == "payment":
            amounts[record["id"]] += Decimal(record["amount"])
    for item in shop["items"]:
        stored = OpenItem.get_by_id(item)
        paid = sum((p.amount for p in Payment.select().where(Payment.open_item == item)), Decimal())
        assert stored.paid == paid == amounts[item]
        assert stored.version == 1 + saves[("payment", item)]
    assert Payment.select().count() == outcomes[("payment", "accepted")]


BULK_WRITER = """
import sys
from tui_crm.db.connection import open_database
from tui_crm.db.models import Party
from tui_crm.services.transactions import writing
open_database(sys.argv[1])
with writing():
    for index in range(1_000_000):
        Party.insert(number=f"B{index}", last_name="Bulk").execute()
        if index == 2000:
            print("halfway", flush=True)
"""

PAYER = """
import sys
from decimal import Decimal
from tui_crm.db.connection import open_database
from datetime import date
from tui_crm.db.models import OpenItem
from tui_crm.services.open_items import record_payment
open_database(sys.argv[1])
item = int(sys.argv[2])
while True:
    version = OpenItem.get_by_id(item).version
    record_payment(item, Decimal("0.01"), date.today(), "w0", expected_version=version)
    print("paid", flush=True)
"""


def _kill_after(code: str, args: list[str], marker: str, count: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=_env(), stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for _line in range(count):
        assert process.stdout.readline().strip() == marker
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_kill_9_in_a_bulk_write_or_a_payment_leaves_no_partial_data(
    db_path: Path | str, shop: dict[str, list[int]]
) -> None:
    target = str(db_path)
    parties = Party.select().count()
    db.close()
    _kill_after(BULK_WRITER, [target], "halfway", 1)
    item = shop["items"][0]
    for count in (1, 7, 23):
        _kill_after(PAYER, [target, str(item)], "paid", count)
    db.connect(reuse_if_open=True)
    assert Party.select().count() == parties
    stored = OpenItem.get_by_id(item)
    payments = list(Payment.select().where(Payment.open_item == item))
    assert stored.paid == sum((p.amount for p in payments), Decimal())
    assert stored.version == 1 + len(payments)
    assert len(payments) >= 1 + 7 + 23
    paid_audit = AuditLog.select().where(
        (AuditLog.table_name == "open_item")
        & (AuditLog.row_id == item)
        & (AuditLog.field == "paid")
    )
    assert paid_audit.count() == len(payments)
    if is_sqlite(db.obj):
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    Party.insert(number="after", last_name="Next").execute()  # no lock left behind
