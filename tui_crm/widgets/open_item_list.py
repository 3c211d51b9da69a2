"""OpenItemList and DunningList: unpaid invoices, and the items a dunning run proposes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.dunning import Proposal
from tui_crm.services.open_items import OpenItemRow
from tui_crm.widgets.document_list import blocked_mark
from tui_crm.widgets.paged_list import Column, PagedList


class OpenItemList(PagedList[OpenItemRow]):
    """Customer, invoice, dates, days overdue, amounts and dunning state, page by page.

    The invoice's clerk is a filter of the screen, not a column: the columns fit 120 cells.
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No open items."), id=id)
        self.today = date.today()
        """The day days overdue are counted to."""

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return [
            (_("Customer"), 9, "left"),
            (_("Name"), -14, "left"),
            ("", 9, "left"),
            (_("Invoice"), 10, "left"),
            (_("Date"), 11, "left"),
            (_("Due"), 11, "left"),
            (_("Days"), 5, "right"),
            (_("Amount"), 12, "right"),
            (_("Paid"), 12, "right"),
            (_("Balance"), 12, "right"),
            (_("Lvl"), 4, "right"),
            (_("Dunned"), 11, "left"),
        ]

    def cells(self, row: OpenItemRow) -> Sequence[str]:
        """The columns of one item."""
        days = row.days_overdue(self.today)
        return [
            row.party_number,
            row.party_name,
            blocked_mark(row.blocked),
            row.document_number,
            formatting.day(row.document_date),
            formatting.day(row.due_date),
            str(days) if days else "",
            formatting.money(row.amount),
            formatting.money(row.paid) if row.paid else "",
            formatting.money(row.balance),
            str(row.dunning_level) if row.dunning_level else "",
            formatting.day(row.last_dunning_date),
        ]

    def row_style(self, row: OpenItemRow) -> str:
        """Overdue items stand out."""
        return "paged-list--alert" if row.due_date < self.today else ""

    def identity(self, row: OpenItemRow) -> object:
        """The item's id."""
        return row.id

    def replace_row(self, row: OpenItemRow) -> None:
        """Show ``row`` in place of the row with its id (after a payment)."""
        for index, line in enumerate(self.lines):
            if isinstance(line, OpenItemRow) and line.id == row.id:
                self.lines[index] = row
        self.forget_texts()
        self.refresh()


class DunningList(PagedList[Proposal]):
    """The proposed items with a mark for those kept in the run."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No item is due for its next dunning level."), id=id)
        self.left_out: set[int] = set()
        """Item ids the clerk left out of the run."""
        self.names: dict[int, str] = {}
        """Level names by level number."""

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return [
            ("", 4, "left"),
            (_("Customer"), 9, "left"),
            (_("Name"), -18, "left"),
            ("", 9, "left"),
            (_("Invoice"), 10, "left"),
            (_("Due"), 11, "left"),
            (_("Balance"), 13, "right"),
            (_("Dunned"), 11, "left"),
            (_("Next level"), -18, "left"),
            (_("Fee"), 10, "right"),
        ]

    def cells(self, row: Proposal) -> Sequence[str]:
        """The columns of one proposal."""
        name = self.names.get(row.next_level, str(row.next_level))
        return [
            "[ ]" if row.item_id in self.left_out else "[x]",
            row.party_number,
            row.party_name,
            blocked_mark(row.blocked),
            row.document_number,
            formatting.day(row.due_date),
            formatting.money(row.balance),
            formatting.day(row.last_dunning_date),
            f"{row.next_level} {name}",
            formatting.money(row.fee) if row.fee else "",
        ]

    def row_style(self, row: Proposal) -> str:
        """Items left out are muted."""
        return "paged-list--muted" if row.item_id in self.left_out else ""

    def identity(self, row: Proposal) -> object:
        """The item's id."""
        return row.item_id

    @property
    def kept(self) -> list[Proposal]:
        """The proposals kept in the run."""
        return [row for row in self.rows if row.item_id not in self.left_out]

    def toggle(self, row: Proposal) -> None:
        """Keep ``row`` in the run, or leave it out."""
        self.left_out.symmetric_difference_update({row.item_id})
        self.forget_texts()
        self.refresh()

    def toggle_all(self) -> None:
        """Leave every item out, or keep every one when all are out."""
        ids = {row.item_id for row in self.rows}
        self.left_out = set() if ids <= self.left_out else ids
        self.forget_texts()
        self.refresh()
