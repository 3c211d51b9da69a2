"""Documents (Belege): keyset-paged lists, one document with its lines, totals and chain.

Rounding rule (the same as the demo generator and the cached totals of a document):

1. A line's net is ``quantity * unit price * (1 - discount % / 100)``, rounded half-up to
   the cent once, at the end of the line.
2. The lines are summed per VAT rate; the VAT of a rate is ``sum of its line nets * rate /
   100``, rounded half-up to the cent once per rate (not per line).
3. The net total is the sum of the line nets, the VAT total the sum of the VATs per rate,
   and the gross total their sum; no further rounding happens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from peewee import JOIN, Tuple

from tui_crm.db.connection import db
from tui_crm.db.models import (
    DOCUMENT_KINDS,
    DOCUMENT_STATUSES,
    Article,
    Clerk,
    Document,
    DocumentLine,
    OpenItem,
    Party,
)
from tui_crm.errors import CrmError
from tui_crm.i18n import _

CENT = Decimal("0.01")
"""Money is rounded to this step."""

SORTS = ("date_desc", "date_asc", "number")
"""How a document list can be ordered: newest first, oldest first, by number."""

CHAIN_LIMIT = 50
"""The most documents a chain shows (a chain is a handful; this guards bad links)."""


class DocumentNotFound(CrmError):
    """The document asked for does not exist (any more)."""


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """The net of one line: quantity * price less the discount, rounded once to the cent."""
    return cents(quantity * unit_price * (100 - discount_percent) / 100)


@dataclass(frozen=True, slots=True)
class VatAmount:
    """The net and VAT of one VAT rate of a document."""

    rate: Decimal
    """The VAT rate in percent (``19.00``)."""
    net: Decimal
    """Sum of the line nets at this rate."""
    vat: Decimal
    """VAT of that sum, rounded half-up to the cent."""


@dataclass(frozen=True, slots=True)
class Totals:
    """Net, VAT per rate and gross of a document."""

    net: Decimal
    """Sum of the line nets."""
    rates: tuple[VatAmount, ...]
    """Net and VAT per rate, highest rate first."""
    vat: Decimal
    """Sum of the VAT per rate."""
    gross: Decimal
    """Net plus VAT."""


def totals(lines: Iterable[tuple[Decimal, Decimal]]) -> Totals:
    """Totals of ``(line net, VAT rate)`` pairs by the rounding rule of this module."""
    by_rate: dict[Decimal, Decimal] = {}
    for net, rate in lines:
        by_rate[rate] = by_rate.get(rate, Decimal("0.00")) + net
    rates = tuple(
        VatAmount(rate, net, cents(net * rate / 100))
        for rate, net in sorted(by_rate.items(), reverse=True)
    )
    net = sum((amount.net for amount in rates), Decimal("0.00"))
    vat = sum((amount.vat for amount in rates), Decimal("0.00"))
    return Totals(net, rates, vat, net + vat)


# Lists -------------------------------------------------------------------------------------

DocumentKey = tuple[Any, ...]
"""Where a page ends: the sort value(s) of its last row and its id."""


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """What a document list shows."""

    kind: str | None = None
    """One of :data:`~tui_crm.db.models.DOCUMENT_KINDS`, or None for every kind."""
    status: str | None = None
    """One of :data:`~tui_crm.db.models.DOCUMENT_STATUSES`, or None for any."""
    number: str = ""
    """Documents whose number starts with this (case as stored)."""
    party_id: int | None = None
    """One customer's documents, or None for everyone's."""
    date_from: date | None = None
    """First day of the period (inclusive)."""
    date_to: date | None = None
    """Last day of the period (inclusive)."""
    sort: str = "date_desc"
    """One of :data:`SORTS`."""


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One document of a list."""

    id: int
    """Database id."""
    number: str
    """Document number (``RE100123``)."""
    kind: str
    """quote, order, delivery_note, invoice or credit_note."""
    date: date
    """Document date."""
    status: str
    """draft, open, done or cancelled."""
    party_id: int
    """The customer's id."""
    party_number: str
    """The customer's number."""
    party_name: str
    """Company, else first and last name."""
    blocked: bool
    """Whether the customer is blocked for credit."""
    net_total: Decimal
    """Cached net total."""
    gross_total: Decimal
    """Cached gross total."""
    key: DocumentKey
    """Where the list goes on after this row."""


def party_name(company: object, first: object, last: object) -> str:
    """Company, else ``first last``."""
    return str(company or " ".join(str(part) for part in (first, last) if part))


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    return list(cast(Iterable[tuple[Any, ...]], query.tuples()))


def _day(value: Any) -> date:
    return cast(date, Document.date.python_value(value))


def _check(filters: DocumentFilter) -> None:
    if filters.kind is not None and filters.kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind {filters.kind!r}")
    if filters.status is not None and filters.status not in DOCUMENT_STATUSES:
        raise ValueError(f"unknown document status {filters.status!r}")
    if filters.sort not in SORTS:
        raise ValueError(f"unknown sort {filters.sort!r}")


def _where(filters: DocumentFilter) -> list[Any]:
    conditions: list[Any] = []
    if filters.kind is not None:
        conditions.append(Document.kind == filters.kind)
    if filters.status is not None:
        conditions.append(Document.status == filters.status)
    if filters.party_id is not None:
        conditions.append(Document.party == filters.party_id)
    if filters.date_from is not None:
        conditions.append(Document.date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Document.date <= filters.date_to)
    if filters.number:
        # A range, not LIKE: it uses the unique index on the number on every database.
        conditions.append(Document.number >= filters.number)
        conditions.append(Document.number < filters.number + "\U0010ffff")
    return conditions


def list_documents(
    filters: DocumentFilter, after: DocumentKey | None = None, limit: int = 100
) -> list[DocumentRow]:
    """One page of documents, ordered by ``filters.sort``, after the row keyed ``after``.

    Args:
        filters: What to show and in which order.
        after: The key of the last row of the page before, or None for the first page.
        limit: Rows per page.

    Returns:
        Up to ``limit`` rows.
    """
    _check(filters)
    conditions = _where(filters)
    order: list[Any]
    if filters.sort == "number":
        order = [Document.number]
        if after is not None:
            conditions.append(Document.number > after[0])
    elif filters.sort == "date_asc":
        order = [Document.date, Document.id]
        if after is not None:
            conditions.append(Tuple(Document.date, Document.id) > Tuple(after[0], after[1]))
    else:
        order = [Document.date.desc(), Document.id.desc()]
        if after is not None:
            conditions.append(Tuple(Document.date, Document.id) < Tuple(after[0], after[1]))
    query = (
        Document.select(
            Document.id,
            Document.number,
            Document.kind,
            Document.date,
            Document.status,
            Document.party,
            Party.number,
            Party.company,
            Party.first_name,
            Party.last_name,
            Party.blocked,
            Document.net_total,
            Document.gross_total,
        )
        .join(Party)
        .order_by(*order)
        .limit(limit)
    )
    if conditions:
        query = query.where(*conditions)
    rows = []
    for row in _tuples(query):
        day = _day(row[3])
        key: DocumentKey = (row[1],) if filters.sort == "number" else (day, row[0])
        rows.append(
            DocumentRow(
                id=row[0],
                number=row[1],
                kind=row[2],
                date=day,
                status=row[4],
                party_id=row[5],
                party_number=row[6],
                party_name=party_name(row[7], row[8], row[9]),
                blocked=bool(row[10]),
                net_total=row[11],
                gross_total=row[12],
                key=key,
            )
        )
    return rows


def iter_documents(filters: DocumentFilter, page: int = 500) -> Iterator[DocumentRow]:
    """Every document of ``filters``, fetched page by page."""
    after: DocumentKey | None = None
    while True:
        rows = list_documents(filters, after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].key


def party_id_by_number(number: str) -> int | None:
    """The id of the customer or prospect with ``number``, or None."""
    found = _tuples(Party.select(Party.id).where(Party.number == number.strip()))
    return int(found[0][0]) if found else None


# One document ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineRow:
    """One line of a document."""

    position: int
    """Line number."""
    article: str
    """Article number (empty for a text line)."""
    text: str
    """What was sold."""
    quantity: Decimal
    """Quantity (three places)."""
    unit: str
    """Unit (``Stk``, ``m``, ``kg``)."""
    unit_price: Decimal
    """Net price per unit."""
    discount_percent: Decimal
    """Discount in percent."""
    vat_rate: Decimal
    """VAT rate in percent."""
    net: Decimal
    """Line total, computed by :func:`line_net`."""


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """A document of the chain quote → order → delivery note → invoice → credit note."""

    id: int
    """Database id."""
    number: str
    """Document number."""
    kind: str
    """Document kind."""
    date: date
    """Document date."""
    status: str
    """Document status."""
    gross_total: Decimal
    """Cached gross total."""


@dataclass(frozen=True, slots=True)
class ItemState:
    """The open item of an invoice or credit note."""

    id: int
    """Open item id."""
    amount: Decimal
    """Amount of the item."""
    paid: Decimal
    """Paid so far."""
    due_date: date
    """When it falls due."""
    dunning_level: int
    """Dunning level reached."""
    closed: bool
    """Whether it is settled."""

    @property
    def balance(self) -> Decimal:
        """What is still to be paid."""
        return self.amount - self.paid


@dataclass(frozen=True, slots=True)
class DocumentDetail:
    """One document: header, lines, totals, the chain it belongs to and its open item."""

    id: int
    """Database id."""
    number: str
    """Document number."""
    kind: str
    """Document kind."""
    due_date: date | None
    """Due date (invoices)."""
    date: date
    """Document date."""
    status: str
    """Document status."""
    reference: str
    """The customer's reference."""
    notes: str
    """Notes."""
    clerk: str
    """Login of the clerk who wrote it."""
    party_id: int
    """The customer's id."""
    party_number: str
    """The customer's number."""
    party_name: str
    """The customer's name."""
    blocked: bool
    """Whether the customer is blocked for credit."""
    lines: tuple[LineRow, ...]
    """The lines in position order."""
    totals: Totals
    """Totals computed from the lines."""
    stored_gross: Decimal
    """The gross total cached on the document (shown when it differs from :attr:`totals`)."""
    chain: tuple[ChainEntry, ...]
    """Every document linked to this one, directly or not, oldest first (this one included)."""
    item: ItemState | None
    """The open item (invoices and credit notes), or None."""


_CHAIN_SQL = """
WITH RECURSIVE chain(id) AS (
    SELECT {param}
    UNION
    SELECT CASE WHEN l.source_id = c.id THEN l.target_id ELSE l.source_id END
    FROM document_link l JOIN chain c ON l.source_id = c.id OR l.target_id = c.id
)
SELECT d.id, d.number, d.kind, d.date, d.status, d.gross_total
FROM document d JOIN chain ON d.id = chain.id
ORDER BY d.date, d.id
LIMIT {limit}
"""


def chain(document_id: int) -> list[ChainEntry]:
    """Every document linked to ``document_id`` in either direction, oldest first."""
    database = db.obj
    sql = _CHAIN_SQL.format(param=database.param, limit=CHAIN_LIMIT)
    money = Document.gross_total.to_decimal
    return [
        ChainEntry(int(row[0]), row[1], row[2], _day(row[3]), row[4], money(row[5]))
        for row in database.execute_sql(sql, (document_id,)).fetchall()
    ]


def load(document_id: int) -> DocumentDetail:
    """Read one document with its lines, totals, chain and open item (four queries).

    Raises:
        DocumentNotFound: No such document.
    """
    head = _tuples(
        Document.select(
            Document.id,
            Document.number,
            Document.kind,
            Document.date,
            Document.status,
            Document.due_date,
            Document.reference,
            Document.notes,
            Clerk.login,
            Document.party,
            Party.number,
            Party.company,
            Party.first_name,
            Party.last_name,
            Party.blocked,
            Document.gross_total,
            OpenItem.id,
            OpenItem.amount,
            OpenItem.paid,
            OpenItem.due_date,
            OpenItem.dunning_level,
            OpenItem.closed_at,
        )
        .join(Party)
        .switch(Document)
        .join(Clerk, JOIN.LEFT_OUTER)
        .switch(Document)
        .join(OpenItem, JOIN.LEFT_OUTER, on=OpenItem.document == Document.id)
        .where(Document.id == document_id)
    )
    if not head:
        raise DocumentNotFound(_("This document does not exist."), title=_("Document"))
    row = head[0]
    lines = tuple(_lines(document_id))
    item = None
    if row[16] is not None:
        item = ItemState(
            int(row[16]),
            row[17],
            row[18],
            _day(row[19]),
            int(row[20]),
            row[21] is not None,
        )
    return DocumentDetail(
        id=row[0],
        number=row[1],
        kind=row[2],
        date=_day(row[3]),
        status=row[4],
        due_date=Document.due_date.python_value(row[5]),
        reference=row[6],
        notes=row[7],
        clerk=row[8] or "",
        party_id=row[9],
        party_number=row[10],
        party_name=party_name(row[11], row[12], row[13]),
        blocked=bool(row[14]),
        lines=lines,
        totals=totals((line.net, line.vat_rate) for line in lines),
        stored_gross=row[15],
        chain=tuple(chain(document_id)),
        item=item,
    )


def _lines(document_id: int) -> list[LineRow]:
    query = (
        DocumentLine.select(
            DocumentLine.position,
            Article.number,
            DocumentLine.text,
            DocumentLine.quantity,
            DocumentLine.unit,
            DocumentLine.unit_price,
            DocumentLine.discount_percent,
            DocumentLine.vat_rate,
        )
        .join(Article, JOIN.LEFT_OUTER)
        .where(DocumentLine.document == document_id)
        .order_by(DocumentLine.position)
    )
    # Peewee has converted the scaled integers to Decimals already (python_value).
    return [
        LineRow(
            position=row[0],
            article=row[1] or "",
            text=row[2],
            quantity=row[3],
            unit=row[4],
            unit_price=row[5],
            discount_percent=row[6],
            vat_rate=row[7],
            net=line_net(row[3], row[5], row[6]),
        )
        for row in _tuples(query)
    ]
