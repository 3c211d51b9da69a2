"""The account sheet (Kontoblatt) of a customer: invoices, credit notes and payments in date
order with a running balance, and totals per year.

An invoice is a debit of its gross total, a credit note a credit of its gross total, a
payment a credit of its amount (a negative payment, a refund, is a debit). The balance is
what the customer owes: debits minus credits so far. Cancelled documents are left out.
Entries of one day come invoices first, then credit notes, then payments. The sheet is read
in keyset pages; each page carries the balance on from the last entry shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tui_crm.db import ledger
from tui_crm.db.connection import db
from tui_crm.services.sales import cents

KINDS = ("invoice", "credit_note", "payment")
"""The kinds of entries, in the order they come within one day."""

PAGE = 200
"""Entries per page."""

ZERO = Decimal("0.00")
"""Nothing."""


@dataclass(frozen=True, slots=True)
class AccountEntry:
    """One line of the account sheet."""

    day: date
    """Document or payment date."""
    kind: str
    """``invoice``, ``credit_note`` or ``payment``."""
    id: int
    """The document's or the payment's id."""
    reference: str
    """The document number (for a payment: the invoice it pays)."""
    note: str
    """How a payment was made (``transfer``, ``direct_debit`` …); empty for documents."""
    debit: Decimal
    """What the entry adds to the balance (invoices)."""
    credit: Decimal
    """What the entry takes off the balance (credit notes, payments)."""
    balance: Decimal
    """The balance after this entry."""

    @property
    def key(self) -> tuple[date, int, int]:
        """Where the entry stands in the sheet's order (the next page starts after it)."""
        return (self.day, KINDS.index(self.kind), self.id)


@dataclass(frozen=True, slots=True)
class AccountYear:
    """The totals of one year of the account sheet."""

    year: int
    """The year."""
    debit: Decimal
    """Invoiced (gross)."""
    credit: Decimal
    """Credited and paid."""
    balance: Decimal
    """The balance at the end of the year."""


def entries(
    party_id: int, after: AccountEntry | None = None, limit: int = PAGE
) -> list[AccountEntry]:
    """A page of the party's account sheet, oldest first.

    Args:
        party_id: The party.
        after: The last entry already shown (its balance carries on), or None from the start.
        limit: Entries at most.
    """
    rows = ledger.account_page(db.obj, party_id, None if after is None else after.key, limit)
    balance = ZERO if after is None else after.balance
    result = []
    for day, rank, entry_id, reference, note, amount in rows:
        value = cents(int(amount))
        balance += value
        result.append(
            AccountEntry(
                day=ledger.as_date(day),
                kind=KINDS[int(rank)],
                id=int(entry_id),
                reference=str(reference),
                note=str(note or ""),
                debit=value if value > 0 else ZERO,
                credit=-value if value < 0 else ZERO,
                balance=balance,
            )
        )
    return result


def years(party_id: int) -> list[AccountYear]:
    """Debits, credits and the closing balance of every year the party has entries in."""
    result = []
    balance = ZERO
    for year, debit, credit in ledger.account_years(db.obj, party_id):
        balance += cents(debit) - cents(credit)
        result.append(AccountYear(int(year), cents(debit), cents(credit), balance))
    return result
