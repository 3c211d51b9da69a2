"""Documents: keyset pages with filters and sorts, one document's lines, totals and chain."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import add_party
from tests.ledger import add_document
from tui_crm.db.models import Party
from tui_crm.services import documents
from tui_crm.services.documents import DocumentFilter

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999"), places=3)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999"), places=2)
discounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
rates = st.sampled_from([Decimal("0.00"), Decimal("7.00"), Decimal("19.00")])


def _half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding half up (the demo generator's arithmetic)."""
    return (2 * numerator + denominator) // (2 * denominator)


@given(quantities, prices, discounts)
def test_line_net_is_the_exact_product_rounded_once(
    quantity: Decimal, price: Decimal, discount: Decimal
) -> None:
    net = documents.line_net(quantity, price, discount)
    # The same in integers: thousandths x cents x hundredths of percent.
    scaled = int(quantity * 1000) * int(price * 100) * int((100 - discount) * 100)
    assert net == Decimal(_half_up(scaled, 10_000_000)) / 100
    assert net == net.quantize(Decimal("0.01"))
    assert abs(net - quantity * price * (100 - discount) / 100) <= Decimal("0.005")


@given(st.lists(st.tuples(quantities, prices, discounts, rates), max_size=30))
def test_totals_add_up_and_round_vat_once_per_rate(
    lines: list[tuple[Decimal, Decimal, Decimal, Decimal]],
) -> None:
    nets = [(documents.line_net(q, p, d), rate) for q, p, d, rate in lines]
    totals = documents.totals(nets)
    assert totals.net == sum((net for net, _rate in nets), Decimal(0))
    assert totals.gross == totals.net + totals.vat
    assert totals.vat == sum((amount.vat for amount in totals.rates), Decimal(0))
    assert [amount.rate for amount in totals.rates] == sorted(
        {rate for _net, rate in nets}, reverse=True
    )
    for amount in totals.rates:
        exact = amount.net * amount.rate / 100
        assert amount.vat == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert amount.net == sum((net for net, rate in nets if rate == amount.rate), Decimal(0))


def test_rounding_rule_examples() -> None:
    # 0.5 x 2.01 = 1.005 → 1.01 (half up, not banker's 1.00).
    assert documents.line_net(Decimal("0.5"), Decimal("2.01"), Decimal("0")) == Decimal("1.01")
    # VAT on the sum per rate: three lines of 0.05 at 7 % are 0.15 x 7 % = 0.0105 → 0.01;
    # rounding each line (0.0035 → 0.00) would give 0.00.
    nets = [(Decimal("0.05"), Decimal("7"))] * 3
    assert documents.totals(nets).vat == Decimal("0.01")
    assert documents.totals([(Decimal("0.05"), Decimal("7"))]).vat == Decimal("0.00")


@pytest.fixture
def shop(db_path: Path) -> Party:
    """Two customers with documents of every kind over two years."""
    hans = add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    eva = add_party("10002", "Eva", "Schmidt", "", "Bonn", "+49228123456", "0228 123456")
    quote = add_document(hans, "AN1", "quote", day=date(2025, 3, 1), status="done")
    order = add_document(hans, "AB1", "order", day=date(2025, 3, 2), linked_from=quote)
    note = add_document(hans, "LS1", "delivery_note", day=date(2025, 3, 3), linked_from=order)
    invoice = add_document(hans, "RE1", "invoice", day=date(2025, 3, 4), linked_from=note)
    add_document(hans, "GS1", "credit_note", day=date(2025, 3, 9), linked_from=invoice)
    for day in range(1, 21):
        add_document(eva, f"RE{100 + day}", "invoice", day=date(2026, 2, day))
    add_document(eva, "AN9", "quote", day=date(2026, 2, 10), status="draft")
    return hans


def test_pages_follow_each_other_without_gaps_or_repeats(shop: Party) -> None:
    for sort in documents.SORTS:
        filters = DocumentFilter(sort=sort)
        whole = documents.list_documents(filters, None, 100)
        paged = []
        after = None
        while True:
            page = documents.list_documents(filters, after, 4)
            paged += page
            if len(page) < 4:
                break
            after = page[-1].key
        assert [row.id for row in paged] == [row.id for row in whole]
        assert len(whole) == 26
    newest = documents.list_documents(DocumentFilter(), None, 2)
    assert [row.number for row in newest] == ["RE120", "RE119"]
    oldest = documents.list_documents(DocumentFilter(sort="date_asc"), None, 2)
    assert [row.number for row in oldest] == ["AN1", "AB1"]
    by_number = documents.list_documents(DocumentFilter(sort="number"), None, 3)
    assert [row.number for row in by_number] == ["AB1", "AN1", "AN9"]


def test_filters_by_kind_status_number_customer_and_period(shop: Party) -> None:
    def numbers(**given: object) -> list[str]:
        rows = documents.list_documents(DocumentFilter(sort="number", **given), None, 100)  # type: ignore[arg-type]
        return [row.number for row in rows]

    assert numbers(kind="credit_note") == ["GS1"]
    assert numbers(status="draft") == ["AN9"]
    assert numbers(number="RE11") == [f"RE{n}" for n in range(110, 120)]
    assert numbers(party_id=shop.id) == ["AB1", "AN1", "GS1", "LS1", "RE1"]
    assert numbers(date_from=date(2026, 2, 19), date_to=date(2026, 2, 20)) == ["RE119", "RE120"]
    assert numbers(kind="invoice", party_id=shop.id) == ["RE1"]
    with pytest.raises(ValueError, match="kind"):
        numbers(kind="letter")


def test_load_has_lines_totals_and_the_whole_chain(shop: Party) -> None:
    lines = [
        ("Dübel", "0.5", "2.01", "0", "19"),
        ("Buch", "1", "20.00", "10", "7"),
        ("Säge", "2.5", "9.99", "5", "19"),
    ]
    invoice = add_document(shop, "RE7", lines=lines, due=date(2026, 2, 1))
    detail = documents.load(invoice.id)
    assert [line.net for line in detail.lines] == [
        Decimal("1.01"),
        Decimal("18.00"),
        Decimal("23.73"),
    ]
    assert detail.totals.net == Decimal("42.74")
    assert [(vat.rate, vat.net, vat.vat) for vat in detail.totals.rates] == [
        (Decimal("19.00"), Decimal("24.74"), Decimal("4.70")),
        (Decimal("7.00"), Decimal("18.00"), Decimal("1.26")),
    ]
    assert detail.totals.gross == Decimal("48.70") == detail.stored_gross
    assert detail.party_number == "10001"
    assert detail.item is None

    first = documents.list_documents(DocumentFilter(number="LS1"), None, 1)[0]
    chain = documents.load(first.id).chain
    assert [entry.number for entry in chain] == ["AN1", "AB1", "LS1", "RE1", "GS1"]
    assert [entry.kind for entry in chain][-1] == "credit_note"


def test_load_of_a_missing_document_says_so(db_path: Path) -> None:
    with pytest.raises(documents.DocumentNotFound):
        documents.load(999)
