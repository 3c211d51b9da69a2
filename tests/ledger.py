"""Documents, open items and payments for tests, written through the models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from tui_crm.db.models import Clerk, Document, DocumentLine, DocumentLink, OpenItem, Party
from tui_crm.services import documents

Line = tuple[str, str, str, str, str]
"""``(text, quantity, unit price, discount %, VAT rate)`` as decimal strings."""


def add_document(
    party: Party,
    number: str,
    kind: str = "invoice",
    lines: Sequence[Line] = (("Schrauben", "2", "10.00", "0", "19"),),
    *,
    day: date = date(2026, 1, 5),
    status: str = "open",
    clerk: Clerk | None = None,
    due: date | None = None,
    linked_from: Document | None = None,
) -> Document:
    """A document with lines and cached totals by the rounding rule; linked when asked."""
    nets = []
    for _text, quantity, price, discount, rate in lines:
        net = documents.line_net(Decimal(quantity), Decimal(price), Decimal(discount))
        nets.append((net, Decimal(rate)))
    totals = documents.totals(nets)
    document = Document.create(
        number=number,
        kind=kind,
        party=party,
        date=day,
        status=status,
        clerk=clerk,
        due_date=due,
        net_total=totals.net,
        vat_total=totals.vat,
        gross_total=totals.gross,
    )
    DocumentLine.insert_many(
        [
            {
                "document": document.id,
                "position": position,
                "text": text,
                "quantity": Decimal(quantity),
                "unit_price": Decimal(price),
                "discount_percent": Decimal(discount),
                "vat_rate": Decimal(rate),
                "net": net,
            }
            for position, ((text, quantity, price, discount, rate), (net, _rate)) in enumerate(
                zip(lines, nets, strict=True), start=1
            )
        ]
    ).execute()
    if linked_from is not None:
        DocumentLink.create(source=linked_from, target=document)
    return document


def add_invoice(
    party: Party,
    number: str,
    amount: str,
    *,
    due: date = date(2026, 1, 19),
    paid: str = "0",
    level: int = 0,
    last_dunning: date | None = None,
    kind: str = "invoice",
    clerk: Clerk | None = None,
) -> OpenItem:
    """An invoice (or credit note) of one 0 % VAT line of ``amount`` and its open item."""
    sign = "-" if kind == "credit_note" else ""
    document = add_document(
        party, number, kind, ((number, "1", amount, "0", "0"),), due=due, clerk=clerk
    )
    item: OpenItem = OpenItem.create(
        document=document,
        party=party,
        amount=Decimal(sign + amount),
        paid=Decimal(paid),
        due_date=due,
        dunning_level=level,
        last_dunning_date=last_dunning,
    )
    return item
