"""Snapshots of the open items list and of one document (lines, totals, chain)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PEOPLE, add_party
from tests.ledger import add_document, add_invoice
from tests.snapshots.test_layout import SIZE, typing
from tests.ui.conftest import make_app
from tui_crm.db.connection import open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import Clerk, OpenItem, Party

TODAY = date(2026, 3, 1)
"""The fixed current day."""


@pytest.fixture
def money_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three parties with a document chain, open items and a blocked customer (under a
    relative path, so the header is the same every run)."""
    monkeypatch.chdir(tmp_path)
    migrate(open_database("crm.sqlite"))
    for row in PEOPLE:
        add_party(*row)
    hans = Party.get(Party.number == "10001")
    eva = Party.get(Party.number == "10002")
    order = add_document(hans, "AB1", "order", day=date(2026, 1, 2))
    lines = [
        ("Schrauben 4x40 [bold]", "2", "10.00", "0", "19"),
        ("Fachbuch", "1", "20.00", "5", "7"),
        ("Montage", "1.5", "48.50", "0", "19"),
    ]
    invoice = add_document(
        hans, "RE1", lines=lines, day=date(2026, 1, 4), due=date(2026, 1, 18), linked_from=order
    )
    OpenItem.create(
        document=invoice, party=hans, amount=invoice.gross_total, due_date=date(2026, 1, 18)
    )
    add_invoice(
        eva,
        "RE2",
        "50.00",
        due=date(2026, 2, 1),
        paid="20.00",
        level=1,
        last_dunning=date(2026, 2, 14),
    )
    add_invoice(eva, "RE3", "30.00", due=date(2026, 3, 20))
    Party.update(blocked=True).where(Party.id == eva.id).execute()
    # The clerk keeps the books: the payment and dunning keys show in the footer.
    Clerk.create(login="alice", name="alice", role="accounting")
    return Path("crm.sqlite")


def test_open_items(snap_compare: Any, money_db: Path) -> None:
    app = make_app(money_db)
    app.fixed_today = TODAY
    assert snap_compare(app, terminal_size=SIZE, run_before=typing("alt+u"))


def test_document(snap_compare: Any, money_db: Path) -> None:
    app = make_app(money_db)
    app.fixed_today = TODAY
    assert snap_compare(app, terminal_size=SIZE, run_before=typing("alt+u", "enter"))
