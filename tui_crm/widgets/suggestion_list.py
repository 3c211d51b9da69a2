"""SuggestionList: customers to call because their contact interval has passed."""

from __future__ import annotations

from collections.abc import Sequence

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.contacts import SuggestionRow
from tui_crm.widgets.paged_list import Column, PagedList


def overdue_text(row: SuggestionRow) -> str:
    """``12 days`` overdue, or ``never contacted``."""
    if row.overdue_days is None:
        return _("never contacted")
    return _("{days} days").format(days=formatting.number(row.overdue_days))


class SuggestionList(PagedList[SuggestionRow]):
    """Most overdue first: number, name, city, phone, last contact, interval, overdue, revenue.

    Args:
        compact: Only number, name, phone and last contact (the start screen's pane).
        id: The widget id.
    """

    def __init__(self, *, compact: bool = False, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No customers to call."), id=id)
        self.compact = compact
        """Whether only the main columns show."""

    def columns(self) -> Sequence[Column]:
        """The columns."""
        if self.compact:
            return (
                (_("No."), 9, "left"),
                (_("Name"), -16, "left"),
                (_("Phone"), 17, "left"),
                (_("Last contact"), 13, "left"),
            )
        return (
            (_("No."), 9, "left"),
            (_("Name"), -22, "left"),
            (_("City"), 14, "left"),
            (_("Phone"), 17, "left"),
            (_("Last contact"), 13, "left"),
            (_("Interval"), 10, "right"),
            (_("Overdue"), 16, "left"),
            (_("Revenue"), 15, "right"),
        )

    def cells(self, row: SuggestionRow) -> Sequence[str]:
        """The columns of one suggestion."""
        last = formatting.day(row.last_contact_at.date()) if row.last_contact_at else "-"
        if self.compact:
            return (row.number, row.name, row.phone, last)
        return (
            row.number,
            row.name,
            row.city,
            row.phone,
            last,
            _("{days} days").format(days=row.interval_days),
            overdue_text(row),
            formatting.money(row.revenue),
        )

    def identity(self, row: SuggestionRow) -> object:
        """The party's id."""
        return row.party_id
