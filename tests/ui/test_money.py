"""Documents, open items, payments, the dunning run and the credit block with the real keys."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import Input, Label, Static

from tests.ledger import add_document, add_invoice
from tui_crm.app import CrmApp
from tui_crm.config import Settings
from tui_crm.db.connection import db, open_database
from tui_crm.db.models import Clerk, DunningEvent, OpenItem, Party, Payment
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.document import DocumentScreen
from tui_crm.screens.documents import DocumentsScreen
from tui_crm.screens.dunning import DunningRunScreen
from tui_crm.screens.follow_up_modal import FollowUpModal
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.open_items import OpenItemsScreen, PaymentModal
from tui_crm.services import open_items
from tui_crm.services.customers import ensure_clerk
from tui_crm.widgets.document_list import ChainList, DocumentLineList, DocumentList
from tui_crm.widgets.open_item_list import DunningList, OpenItemList
from tui_crm.widgets.party_tabs import PartyTabs
from tui_crm.widgets.summary_strip import SummaryStrip

TODAY = date(2026, 3, 1)


async def settle(app: CrmApp) -> None:
    """Wait for the workers, and for those the screens start after their first frame."""
    for _ in range(2):
        await app.workers.wait_for_complete()
        await app.animator.wait_until_complete()
        await asyncio.sleep(0.05)  # a refresh runs the call_after_refresh callbacks
    await app.workers.wait_for_complete()


@pytest.fixture
def shop(people: Path) -> CrmApp:
    """The three-party database with a document chain and open items; the day fixed."""
    hans = Party.get(Party.number == "10001")
    eva = Party.get(Party.number == "10002")
    order = add_document(hans, "AB1", "order", day=date(2026, 1, 2))
    note = add_document(hans, "LS1", "delivery_note", day=date(2026, 1, 3), linked_from=order)
    lines = [("Schrauben", "2", "10.00", "0", "19"), ("Buch", "1", "20.00", "0", "7")]
    invoice = add_document(
        hans, "RE1", lines=lines, day=date(2026, 1, 4), due=date(2026, 1, 18), linked_from=note
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
    open_database(people)
    with db.atomic():
        clerk_id = ensure_clerk("alice")
        Clerk.update(role="accounting").where(Clerk.id == clerk_id).execute()
        Clerk.create(login="bob", role="accounting")  # a second clerk paying meanwhile
    return CrmApp(Settings(database=str(people), clerk="alice"), clerk_id, today=TODAY)


async def test_alt_g_lists_documents_filters_and_opens_one_with_its_chain(shop: CrmApp) -> None:
    app = shop
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+g")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, DocumentsScreen)
        listed = screen.query_one(DocumentList)
        assert [row.number for row in listed.rows][:3] == ["RE3", "RE2", "RE1"]
        await pilot.press("f7", "f7")  # every kind → quote → order
        await settle(app)
        assert [row.number for row in listed.rows] == ["AB1"]
        await pilot.press("f7", "f7")  # → delivery note → invoice
        await settle(app)
        await pilot.press("f6")  # oldest first
        await settle(app)
        assert [row.number for row in listed.rows] == ["RE1", "RE2", "RE3"]
        await pilot.press("alt+f", *"RE2", "enter")
        await settle(app)
        assert [row.number for row in listed.rows] == ["RE2"]
        assert listed.has_focus
        await pilot.press("enter")
        await settle(app)
        document = app.screen
        assert isinstance(document, DocumentScreen)
        assert document.title == "Invoice RE2"
        await pilot.press("escape")
        await pilot.press("alt+f", "ctrl+u", "enter")  # clear the number filter
        await settle(app)
        assert [row.number for row in listed.rows] == ["RE1", "RE2", "RE3"]


async def test_a_document_shows_lines_totals_and_walks_its_chain(shop: CrmApp) -> None:
    app = shop
    invoice = OpenItem.get().document
    async with app.run_test(size=(140, 40)) as pilot:
        await app.push_screen(DocumentScreen(invoice.id))
        await settle(app)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        lines = screen.query_one(DocumentLineList)
        assert [line.text for line in lines.rows] == ["Schrauben", "Buch"]
        totals = str(screen.query_one("#document-totals", Static).render())
        for text in ("€40.00", "19 % VAT on €20.00", "€3.80", "7 % VAT on €20.00", "€1.40"):
            assert text in totals
        assert "€45.20" in totals
        assert "differs" not in totals
        facts = str(screen.query_one("#document-party", Static).render())
        assert "10001 Hans Müller" in facts
        assert "€45.20" in facts  # the unpaid balance
        chain = screen.query_one(ChainList)
        assert [entry.number for entry in chain.rows] == ["AB1", "LS1", "RE1"]
        assert chain.current is not None
        assert chain.current.number == "RE1"
        await pilot.press("tab")
        assert chain.has_focus
        await pilot.press("up", "up", "enter")
        await settle(app)
        assert screen.title == "Order AB1"
        assert chain.current is not None
        assert chain.current.number == "AB1"
        # F11 acts on the document's customer.
        await pilot.press("f11")
        await settle(app)
        assert isinstance(app.screen, FollowUpModal)
        assert app.screen.number == "10001"
        await pilot.press("escape")
        await pilot.press("alt+c")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert app.screen.number == "10001"


async def test_open_items_totals_filters_and_a_partial_then_over_payment(shop: CrmApp) -> None:
    app = shop
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+u")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, OpenItemsScreen)
        items = screen.query_one(OpenItemList)
        assert [row.document_number for row in items.rows] == ["RE1", "RE2", "RE3"]
        totals = str(screen.query_one("#item-totals", Label).render())
        assert totals == "3 items · amount €125.20 · paid €20.00 · balance €105.20"
        await pilot.press("f7")
        await settle(app)
        assert [row.document_number for row in items.rows] == ["RE1", "RE2"]
        assert "2 items" in str(screen.query_one("#item-totals", Label).render())
        await pilot.press("down", "f8")
        await settle(app)
        modal = app.screen
        assert isinstance(modal, PaymentModal)
        assert modal.row.document_number == "RE2"
        await pilot.press(*"12,5", "enter")
        await settle(app)
        assert app.screen is screen
        assert items.current is not None
        assert items.current.balance == Decimal("17.50")
        assert Payment.get().amount == Decimal("12.50")
        await pilot.press("f8")
        await settle(app)
        await pilot.press(*"20", "enter")
        await settle(app)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app)
        assert app.screen is screen
        assert OpenItem.get(OpenItem.paid == Decimal("52.50")).closed_at is not None
        await pilot.pause()
        assert [row.document_number for row in items.rows] == ["RE1"]
        assert "1 items" in str(screen.query_one("#item-totals", Label).render())


async def test_payment_dialog_refuses_bad_amounts_and_a_stale_item(shop: CrmApp) -> None:
    app = shop
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+u")
        await settle(app)
        await pilot.press("f8")
        await settle(app)
        modal = app.screen
        assert isinstance(modal, PaymentModal)
        await pilot.press(*"0", "enter")
        await settle(app)
        assert "more than zero" in str(modal.query_one("#dialog-error", Label).render())
        await pilot.press("end", "ctrl+u", *"1,234", "enter")
        await settle(app)
        assert "Ambiguous" in str(modal.query_one("#dialog-error", Label).render())
        # Meanwhile another clerk records a payment.
        open_items.record_payment(modal.row.id, Decimal("1.00"), TODAY, "bob", expected_version=1)
        await pilot.press("end", "ctrl+u", *"5", "enter")
        await settle(app)
        assert app.screen is modal
        assert "changed this open item" in str(modal.query_one("#dialog-error", Label).render())
        await pilot.press("escape")
        assert isinstance(app.screen, OpenItemsScreen)
        assert Payment.select().count() == 1


async def test_dunning_run_review_leave_out_confirm_and_skip_paid(shop: CrmApp) -> None:
    app = shop
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+u")
        await settle(app)
        await pilot.press("f6")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, DunningRunScreen)
        proposal = screen.query_one(DunningList)
        # RE1: due 18.01., 14 days → level 1; RE2: level 1 on 14.02., 14 days later → 2.
        assert [(p.document_number, p.next_level) for p in proposal.rows] == [
            ("RE1", 1),
            ("RE2", 2),
        ]
        summary = str(screen.query_one("#dunning-summary", Label).render())
        assert summary.startswith("2 of 2 items kept")
        await pilot.press("a")
        assert proposal.kept == []
        await pilot.press("a", "space")
        assert [p.document_number for p in proposal.kept] == ["RE2"]
        await pilot.press("space")
        # RE2 is paid in full while the clerk reviews.
        re2 = next(p for p in proposal.rows if p.document_number == "RE2")
        open_items.record_payment(re2.item_id, Decimal("30.00"), TODAY, "bob", expected_version=1)
        await pilot.press("f10")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app)
        assert [(e.level, e.date) for e in DunningEvent.select()] == [(1, TODAY)]
        assert OpenItem.get(OpenItem.dunning_level == 1).last_dunning_date == TODAY
        assert app.screen is screen
        assert proposal.rows == []


async def test_credit_block_from_open_items_and_the_inquiry_everywhere_flagged(
    shop: CrmApp,
) -> None:
    app = shop
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+u")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, OpenItemsScreen)
        await pilot.press("alt+x")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app)
        assert Party.get(Party.number == "10001").blocked
        items = screen.query_one(OpenItemList)
        assert items.rows[0].blocked
        assert "BLOCKED" in items.line_text(items.rows[0])
        await pilot.press("alt+c")
        await settle(app)
        inquiry = app.screen
        assert isinstance(inquiry, InquiryScreen)
        assert "BLOCKED" in str(inquiry.query_one(SummaryStrip).render())
        await pilot.press("alt+x", "y")
        await settle(app)
        assert not Party.get(Party.number == "10001").blocked
        assert "BLOCKED" not in str(inquiry.query_one(SummaryStrip).render())
        await pilot.press("escape")
        await settle(app)
        assert app.screen is screen
        assert not items.rows[0].blocked


async def test_payment_from_the_inquiry_updates_its_summary_strip(shop: CrmApp) -> None:
    app = shop
    async with app.run_test(size=(140, 40)) as pilot:
        await app.push_screen(InquiryScreen("10002"))
        await settle(app)
        inquiry = app.screen
        assert isinstance(inquiry, InquiryScreen)
        assert "Open items: €60.00 (2)" in str(inquiry.query_one(SummaryStrip).render())
        await pilot.press("alt+u")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, OpenItemsScreen)
        assert screen.query_one("#party-filter", Input).value == "10002"
        items = screen.query_one(OpenItemList)
        assert [row.document_number for row in items.rows] == ["RE2", "RE3"]
        await pilot.press("f8", *"30", "enter")
        await settle(app)
        await pilot.press("escape")
        await settle(app)
        assert app.screen is inquiry
        assert "Open items: €30.00 (1)" in str(inquiry.query_one(SummaryStrip).render())


async def test_inquiry_documents_tab_and_alt_g_there_scope_to_the_customer(shop: CrmApp) -> None:
    app = shop
    async with app.run_test(size=(140, 40)) as pilot:
        await app.push_screen(InquiryScreen("10001"))
        await settle(app)
        inquiry = app.screen
        assert isinstance(inquiry, InquiryScreen)
        await pilot.press("ctrl+pageup", "ctrl+pageup")  # back past the correspondence
        await settle(app)
        assert inquiry.query_one(PartyTabs).active == "tab-documents"
        listed = inquiry.query_one("#party-documents", DocumentList)
        assert [row.number for row in listed.rows] == ["RE1", "LS1", "AB1"]
        assert listed.has_focus
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.title == "Invoice RE1"
        await pilot.press("escape", "alt+g")
        await settle(app)
        documents = app.screen
        assert isinstance(documents, DocumentsScreen)
        rows = documents.query_one(DocumentList).rows
        assert {row.party_number for row in rows} == {"10001"}


async def test_the_command_palette_offers_documents_and_open_items(shop: CrmApp) -> None:
    app = shop
    async with app.run_test(size=(140, 40)):
        names = [command.title for command in app.get_system_commands(app.screen)]
        assert "Documents" in names
        assert "Open items" in names


async def test_screen_totals_agree_with_a_direct_sql_sum_on_demo_data(tmp_path: Path) -> None:
    from tui_crm import formatting
    from tui_crm.db.migrations import migrate
    from tui_crm.services import demo

    path = tmp_path / "demo.sqlite"
    database = open_database(path)
    migrate(database)
    demo.generate(database, 200, 3, today=TODAY)
    with db.atomic():
        clerk_id = ensure_clerk("alice")
    app = CrmApp(Settings(database=str(path), clerk="alice"), clerk_id, today=TODAY)

    def sql_sums(where: str) -> str:
        count, amount, paid, balance = database.execute_sql(
            "SELECT COUNT(*), SUM(amount), SUM(paid), SUM(amount - paid) FROM open_item "
            f"WHERE closed_at IS NULL {where}"
        ).fetchone()
        money = [formatting.money(Decimal(int(value)) / 100) for value in (amount, paid, balance)]
        return "{} items · amount {} · paid {} · balance {}".format(count, *money)

    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+u")
        await settle(app)
        label = app.screen.query_one("#item-totals", Label)
        assert str(label.render()) == sql_sums("")
        await pilot.press("f7")
        await settle(app)
        assert str(label.render()) == sql_sums(f"AND due_date < '{TODAY.isoformat()}'")


async def test_a_clerk_without_accounting_sees_no_payment_dunning_or_credit_block(
    people: Path,
) -> None:
    hans = Party.get(Party.number == "10001")
    add_invoice(hans, "RE7", "12.00", due=date(2026, 1, 1))
    open_database(people)
    with db.atomic():
        clerk_id = ensure_clerk("carl")  # role clerk
    app = CrmApp(Settings(database=str(people), clerk="carl"), clerk_id, today=TODAY)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("alt+u")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, OpenItemsScreen)
        assert [row.document_number for row in screen.query_one(OpenItemList).rows] == ["RE7"]
        for action in ("pay", "dunning_run", "toggle_block"):
            assert screen.check_action(action, ()) is False
        await pilot.press("f8")  # nothing: the payment dialog does not open
        await settle(app)
        assert app.screen is screen
    assert Payment.select().count() == 0
