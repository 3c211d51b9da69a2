"""Recording a payment against an open item: the smallest write accounting needs.

One transaction inserts the :class:`~tui_crm.db.models.Payment`, raises the open item's
``paid`` (closing it when paid in full) with its version + 1, and writes one audit row
(``open_item.paid`` old → new). Only clerks whose role grants
:attr:`~tui_crm.services.roles.Permission.ACCOUNTING` may record payments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from tui_crm.db.models import AuditLog, OpenItem, Payment, now
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.services.roles import ClerkRef, Permission, require
from tui_crm.services.transactions import retrying, writing


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    """Run a ``.tuples()`` query (the stubs type its rows as models)."""
    return [tuple(row) for row in cast(Iterable[Any], query.tuples())]


class PaymentConflict(CrmError):
    """The open item changed since the clerk looked at it; nothing was written."""


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A recorded payment and the open item after it."""

    id: int
    """The payment's id."""
    open_item_id: int
    """The open item paid."""
    amount: Decimal
    """The amount paid."""
    paid: Decimal
    """The open item's paid total afterwards."""
    open_amount: Decimal
    """What is still open afterwards."""
    version: int
    """The open item's version afterwards."""


@retrying
def record_payment(
    open_item_id: int,
    amount: Decimal,
    clerk: ClerkRef,
    *,
    expected_version: int | None = None,
    on: date | None = None,
    method: str = "transfer",
    note: str = "",
) -> PaymentRow:
    """Record a payment of ``amount`` on the open item.

    Args:
        open_item_id: The open item.
        amount: A positive amount, at most what is still open.
        clerk: The clerk who records it (id or login).
        expected_version: The open item's version the clerk saw; refuse if it changed.
        on: The day of the payment (default: today).
        method: ``transfer``, ``cash`` …
        note: Free text.

    Raises:
        PermissionDenied: The clerk's role does not allow payments.
        PaymentConflict: The open item changed meanwhile (or is gone); nothing is written.
        ValidationError: The amount is not positive or more than is open.
    """
    if amount <= 0:
        raise ValidationError(_("Enter a positive amount."), title=_("Payment"))
    with writing():
        clerk_id, login = require(clerk, Permission.ACCOUNTING)
        found = _tuples(
            OpenItem.select(OpenItem.party, OpenItem.amount, OpenItem.paid, OpenItem.version).where(
                OpenItem.id == open_item_id
            )
        )
        if not found:
            raise PaymentConflict(_("The open item does not exist (any more)."), _("Payment"))
        party_id, total, paid, version = found[0]
        if expected_version is not None and int(version) != expected_version:
            raise PaymentConflict(
                _("Another clerk changed this open item meanwhile; check it and try again."),
                _("Payment"),
            )
        if paid + amount > total:
            raise ValidationError(
                _("Only {amount} is open.").format(amount=f"{total - paid:.2f}"), _("Payment")
            )
        stamp = now()
        new_paid = paid + amount
        updated = (
            OpenItem.update(
                {
                    OpenItem.paid: new_paid,
                    OpenItem.version: int(version) + 1,
                    OpenItem.closed_at: stamp if new_paid == total else None,
                }
            )
            .where((OpenItem.id == open_item_id) & (OpenItem.version == version))
            .execute()
        )
        if updated != 1:  # PostgreSQL: another transaction wrote after our read
            raise PaymentConflict(
                _("Another clerk changed this open item meanwhile; check it and try again."),
                _("Payment"),
            )
        payment_id = int(
            Payment.insert(
                {
                    Payment.open_item: open_item_id,
                    Payment.party: party_id,
                    Payment.date: on or date.today(),
                    Payment.amount: amount,
                    Payment.method: method,
                    Payment.note: note,
                    Payment.clerk: clerk_id,
                    Payment.created_at: stamp,
                }
            ).execute()
        )
        AuditLog.insert(
            {
                AuditLog.table_name: "open_item",
                AuditLog.row_id: open_item_id,
                AuditLog.party: party_id,
                AuditLog.field: "paid",
                AuditLog.old_value: f"{paid:.2f}",
                AuditLog.new_value: f"{new_paid:.2f}",
                AuditLog.clerk: login,
                AuditLog.at: stamp,
            }
        ).execute()
    return PaymentRow(payment_id, open_item_id, amount, new_paid, total - new_paid, version + 1)
