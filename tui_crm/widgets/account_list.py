"""AccountList: the account sheet (Kontoblatt), oldest entry first, fetched page by page."""

from __future__ import annotations

from collections.abc import Sequence

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.account import AccountEntry
from tui_crm.widgets.paged_list import Column, PagedList


def entry_kind_label(kind: str) -> str:
    """The label of a kind of account entry, translated."""
    labels = {
        "invoice": _("Invoice"),
        "credit_note": _("Credit note"),
        "payment": _("Payment"),
    }
    return labels.get(kind, kind)


def payment_method_label(method: str) -> str:
    """How a payment was made, translated."""
    labels = {
        "transfer": _("transfer"),
        "direct_debit": _("direct debit"),
        "cash": _("cash"),
        "card": _("card"),
    }
    return labels.get(method, method)


class AccountList(PagedList[AccountEntry]):
    """Date, kind, document, debit, credit and the running balance of each entry."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No invoices, credit notes or payments."), id=id)

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return (
            (_("Date"), 11, "left"),
            (_("Entry"), 12, "left"),
            (_("Document"), 11, "left"),
            (_("Note"), -8, "left"),
            (_("Debit"), 14, "right"),
            (_("Credit"), 14, "right"),
            (_("Balance"), 15, "right"),
        )

    def cells(self, row: AccountEntry) -> Sequence[str]:
        """The columns of one entry (an empty debit or credit stays empty)."""
        return (
            formatting.day(row.day),
            entry_kind_label(row.kind),
            row.reference,
            payment_method_label(row.note),
            formatting.money(row.debit) if row.debit else "",
            formatting.money(row.credit) if row.credit else "",
            formatting.money(row.balance),
        )

    def identity(self, row: AccountEntry) -> object:
        """The entry's place in the sheet."""
        return row.key
