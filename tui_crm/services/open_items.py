"""Open items (Offene Posten): unpaid invoices and credit notes, payments and the credit block.

Every amount is a Decimal here and integer cents in SQL, so the totals of a list are exact
sums computed by the database. A payment and the item's new balance are written in one
transaction, guarded by the item's version (optimistic locking), with audit rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from peewee import JOIN, Tuple, fn

from tui_crm.db.models import AuditLog, Clerk, Document, OpenItem, Party, Payment, now
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.services.documents import party_name
from tui_crm.services.editing import audit_text
from tui_crm.services.roles import Permission, require
from tui_crm.services.transactions import retrying, writing

PAYMENT_METHODS = ("transfer", "cash", "card", "direct_debit")
"""How a payment can arrive."""

MAX_PAYMENT = Decimal("100000000.00")
"""The largest single payment accepted (guards a mistyped amount)."""

OpenItemKey = tuple[date, int]
"""Where a page ends: due date and id of its last item."""


class ItemChanged(CrmError):
    """The open item was changed (paid, dunned) by someone else since it was read."""


class ItemSettled(CrmError):
    """The open item is settled already."""


class OverPayment(CrmError):
    """The payment is more than the balance; the clerk has to confirm it.

    Args:
        balance: What was still open.
        amount: What was to be paid.
    """

    def __init__(self, balance: Decimal, amount: Decimal) -> None:
        super().__init__(
            _("{amount} is more than the balance of {balance}.").format(
                amount=f"{amount:.2f}", balance=f"{balance:.2f}"
            ),
            title=_("Payment"),
        )
        self.balance = balance
        """What was still open."""
        self.amount = amount
        """What was to be paid."""


@dataclass(frozen=True, slots=True)
class OpenItemFilter:
    """Which open items a list shows."""

    overdue: bool = False
    """Only items past their due date."""
    dunning_level: int | None = None
    """Only items at this dunning level."""
    party_id: int | None = None
    """Only this customer's items."""
    clerk_id: int | None = None
    """Only items of invoices written by this clerk."""


@dataclass(frozen=True, slots=True)
class OpenItemRow:
    """One unsettled invoice (or credit note) with its customer and dunning state."""

    id: int
    """Open item id."""
    version: int
    """Optimistic-lock version of the item."""
    document_id: int
    """The invoice's id."""
    document_number: str
    """The invoice's number."""
    kind: str
    """``invoice`` or ``credit_note``."""
    document_date: date
    """The invoice's date."""
    due_date: date
    """When it falls due."""
    party_id: int
    """The customer's id."""
    party_number: str
    """The customer's number."""
    party_name: str
    """The customer's name."""
    blocked: bool
    """Whether the customer is blocked for credit."""
    amount: Decimal
    """Invoice amount (negative for a credit note)."""
    paid: Decimal
    """Paid so far."""
    dunning_level: int
    """Dunning level reached (0: none)."""
    last_dunning_date: date | None
    """When the last dunning level was raised."""
    clerk: str
    """Login of the clerk who wrote the invoice."""

    @property
    def balance(self) -> Decimal:
        """What is still to be paid (negative: owed to the customer)."""
        return self.amount - self.paid

    @property
    def key(self) -> OpenItemKey:
        """Where the list goes on after this row."""
        return (self.due_date, self.id)

    def days_overdue(self, today: date) -> int:
        """Days past the due date (0 when not yet due)."""
        return max(0, (today - self.due_date).days)


@dataclass(frozen=True, slots=True)
class OpenItemTotals:
    """Sums over every item of a filter, computed in SQL (exact)."""

    count: int
    """How many items."""
    amount: Decimal
    """Sum of the amounts."""
    paid: Decimal
    """Sum of what was paid."""

    @property
    def balance(self) -> Decimal:
        """Sum of the balances."""
        return self.amount - self.paid


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A payment recorded and the item after it."""

    payment_id: int
    """The new :class:`Payment` row."""
    item: OpenItemRow
    """The item as it is now."""
    settled: bool
    """Whether the payment settled the item."""


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    return list(cast(Iterable[tuple[Any, ...]], query.tuples()))


def _conditions(filters: OpenItemFilter, today: date) -> list[Any]:
    conditions: list[Any] = [OpenItem.closed_at.is_null()]
    if filters.overdue:
        conditions.append(OpenItem.due_date < today)
    if filters.dunning_level is not None:
        conditions.append(OpenItem.dunning_level == filters.dunning_level)
    if filters.party_id is not None:
        conditions.append(OpenItem.party == filters.party_id)
    if filters.clerk_id is not None:
        # "+ 0" keeps SQLite from walking every document of the clerk (a third of millions)
        # instead of the unsettled items' index; PostgreSQL plans it the same either way.
        conditions.append((Document.clerk + 0) == filters.clerk_id)
    return conditions


_ROW_FIELDS = (
    OpenItem.id,
    OpenItem.version,
    OpenItem.document,
    Document.number,
    Document.kind,
    Document.date,
    OpenItem.due_date,
    OpenItem.party,
    Party.number,
    Party.company,
    Party.first_name,
    Party.last_name,
    Party.blocked,
    OpenItem.amount,
    OpenItem.paid,
    OpenItem.dunning_level,
    OpenItem.last_dunning_date,
    Clerk.login,
)


def _row(row: tuple[Any, ...]) -> OpenItemRow:
    return OpenItemRow(
        id=row[0],
        version=row[1],
        document_id=row[2],
        document_number=row[3],
        kind=row[4],
        document_date=row[5],
        due_date=row[6],
        party_id=row[7],
        party_number=row[8],
        party_name=party_name(row[9], row[10], row[11]),
        blocked=bool(row[12]),
        amount=row[13],
        paid=row[14],
        dunning_level=row[15],
        last_dunning_date=row[16],
        clerk=row[17] or "",
    )


def _rows_query(conditions: list[Any]) -> Any:
    return (
        OpenItem.select(*_ROW_FIELDS)
        .join(Document, on=OpenItem.document == Document.id)
        .join(Clerk, JOIN.LEFT_OUTER, on=Document.clerk == Clerk.id)
        .switch(OpenItem)
        .join(Party, on=OpenItem.party == Party.id)
        .where(*conditions)
    )


def list_open_items(
    filters: OpenItemFilter,
    today: date,
    after: OpenItemKey | None = None,
    limit: int = 100,
) -> list[OpenItemRow]:
    """One page of unsettled items, oldest due date first, after the item keyed ``after``.

    Args:
        filters: Which items.
        today: The day "overdue" is measured from.
        after: The key of the last row of the page before, or None for the first page.
        limit: Rows per page.
    """
    conditions = _conditions(filters, today)
    if after is not None:
        conditions.append(Tuple(OpenItem.due_date, OpenItem.id) > Tuple(after[0], after[1]))
    query = _rows_query(conditions).order_by(OpenItem.due_date, OpenItem.id).limit(limit)
    return [_row(row) for row in _tuples(query)]


def iter_open_items(
    filters: OpenItemFilter, today: date, page: int = 1000
) -> Iterator[OpenItemRow]:
    """Every unsettled item of ``filters``, fetched page by page."""
    after: OpenItemKey | None = None
    while True:
        rows = list_open_items(filters, today, after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].key


def totals(filters: OpenItemFilter, today: date) -> OpenItemTotals:
    """Count, amount, paid and balance of every item of ``filters``, summed in SQL."""
    # coerce(False): the sums stay integer cents (not run through the field's converter).
    query = OpenItem.select(
        fn.COUNT(OpenItem.id),
        fn.SUM(OpenItem.amount).coerce(False),
        fn.SUM(OpenItem.paid).coerce(False),
    )
    if filters.clerk_id is not None:
        query = query.join(Document, on=OpenItem.document == Document.id)
    count, amount, paid = _tuples(query.where(*_conditions(filters, today)))[0]
    money = OpenItem.amount.to_decimal
    return OpenItemTotals(int(count or 0), money(amount), money(paid))


def get(item_id: int) -> OpenItemRow:
    """One open item, settled or not.

    Raises:
        ItemChanged: It does not exist (any more).
    """
    found = _tuples(_rows_query([OpenItem.id == item_id]))
    if not found:
        raise ItemChanged(_("This open item does not exist any more."), title=_("Open items"))
    return _row(found[0])


# Payments ----------------------------------------------------------------------------------


def check_amount(amount: Decimal) -> Decimal:
    """A payment amount: positive, at most two places, not absurdly large.

    Raises:
        ValidationError: Zero, negative, fractional cents or too large.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError(_("Not an amount: {text}").format(text=amount), title=_("Payment"))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(
            _("Too many decimal places (at most {places}): {text}")
            .replace("{places}", "2")
            .format(text=amount),
            title=_("Payment"),
        )
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."), title=_("Payment"))
    if amount > MAX_PAYMENT:
        raise ValidationError(_("The amount is too large."), title=_("Payment"))
    return amount.quantize(Decimal("0.01"))


@retrying
def record_payment(
    item_id: int,
    amount: Decimal,
    day: date,
    clerk: str,
    *,
    expected_version: int,
    method: str = "transfer",
    note: str = "",
    allow_overpayment: bool = False,
) -> PaymentResult:
    """Record a payment against an open item in one transaction.

    A credit note's item (a negative balance) is settled by paying the money out: the
    amount is given positive and stored as a negative payment.

    Args:
        item_id: The open item.
        amount: What was paid (positive, two places).
        day: When it was paid.
        clerk: Login of the clerk recording it (audit trail).
        expected_version: The item's version the clerk saw.
        method: One of :data:`PAYMENT_METHODS`.
        note: A note on the payment.
        allow_overpayment: Accept more than the balance (the clerk confirmed it).

    Raises:
        ValidationError: A bad amount or method.
        OverPayment: More than the balance and not allowed.
        ItemChanged: Someone changed the item since ``expected_version``.
        ItemSettled: The item is settled already.
        PermissionDenied: The clerk's role may not record payments (accounting).
    """
    amount = check_amount(amount)
    if method not in PAYMENT_METHODS:
        raise ValidationError(_("Unknown payment method {method}.").format(method=method))
    with writing():
        clerk_id, clerk = require(clerk, Permission.ACCOUNTING)
        stored = _tuples(
            OpenItem.select(
                OpenItem.version,
                OpenItem.amount,
                OpenItem.paid,
                OpenItem.closed_at,
                OpenItem.party,
                OpenItem.document,
            ).where(OpenItem.id == item_id)
        )
        if not stored:
            raise ItemChanged(_("This open item does not exist any more."), title=_("Payment"))
        version, total, paid, closed_at, party_id, document_id = stored[0]
        if version != expected_version:
            raise ItemChanged(
                _("Someone changed this open item meanwhile; check it and try again."),
                title=_("Payment"),
            )
        if closed_at is not None:
            raise ItemSettled(_("This open item is settled already."), title=_("Payment"))
        sign = Decimal(-1) if total < 0 else Decimal(1)
        balance = (total - paid) * sign
        if amount > balance and not allow_overpayment:
            raise OverPayment(balance, amount)
        signed = amount * sign
        new_paid = paid + signed
        settled = (total - new_paid) * sign <= 0
        stamp = now()
        updated = (
            OpenItem.update(
                {
                    OpenItem.paid: new_paid,
                    OpenItem.closed_at: stamp if settled else None,
                    OpenItem.version: version + 1,
                }
            )
            .where((OpenItem.id == item_id) & (OpenItem.version == version))
            .execute()
        )
        if updated != 1:
            raise ItemChanged(
                _("Someone changed this open item meanwhile; check it and try again."),
                title=_("Payment"),
            )
        payment_id = Payment.insert(
            open_item=item_id,
            party=party_id,
            date=day,
            amount=signed,
            method=method,
            note=note.strip()[:200],
            clerk=clerk_id,
            created_at=stamp,
        ).execute()
        audit = [
            audit_row(party_id, "payment", int(payment_id), "amount", None, signed, clerk, stamp),
            audit_row(party_id, "open_item", item_id, "paid", paid, new_paid, clerk, stamp),
        ]
        if settled:
            audit.append(
                audit_row(party_id, "open_item", item_id, "closed_at", None, stamp, clerk, stamp)
            )
            status = _tuples(Document.select(Document.status).where(Document.id == document_id))
            if status and status[0][0] != "done":
                Document.update(status="done", version=Document.version + 1).where(
                    Document.id == document_id
                ).execute()
                audit.append(
                    audit_row(
                        party_id,
                        "document",
                        document_id,
                        "status",
                        status[0][0],
                        "done",
                        clerk,
                        stamp,
                    )
                )
        AuditLog.insert_many(audit).execute()
        item = get(item_id)
    return PaymentResult(int(payment_id), item, settled)


def audit_row(
    party_id: int | None,
    table: str,
    row_id: int,
    field: str,
    old: object,
    new: object,
    clerk: str,
    at: datetime,
) -> dict[str, Any]:
    """An :class:`AuditLog` row, values written as the edit mode writes them."""
    text = audit_text
    return {
        "table_name": table,
        "row_id": row_id,
        "party": party_id,
        "field": field,
        "old_value": text(old),
        "new_value": text(new),
        "clerk": clerk,
        "at": at,
    }


# Credit block ------------------------------------------------------------------------------


@retrying
def set_blocked(party_id: int, blocked: bool, clerk: str) -> bool:
    """Block a customer for credit, or lift the block; return whether anything changed.

    The party's version goes up, so an edit started before sees the change as a conflict.

    Raises:
        PermissionDenied: The clerk's role may not (accounting decides on credit).
    """
    with writing():
        clerk = require(clerk, Permission.ACCOUNTING)[1]
        found = _tuples(Party.select(Party.blocked).where(Party.id == party_id))
        if not found:
            raise ItemChanged(_("This customer does not exist any more."), title=_("Credit"))
        if bool(found[0][0]) == blocked:
            return False
        stamp = now()
        Party.update(blocked=blocked, version=Party.version + 1, updated_at=stamp).where(
            Party.id == party_id
        ).execute()
        AuditLog.insert_many(
            [
                audit_row(
                    party_id, "party", party_id, "blocked", bool(found[0][0]), blocked, clerk, stamp
                )
            ]
        ).execute()
    return True


def is_blocked(party_id: int) -> bool:
    """Whether the customer is blocked for credit."""
    found = _tuples(Party.select(Party.blocked).where(Party.id == party_id))
    return bool(found[0][0]) if found else False
