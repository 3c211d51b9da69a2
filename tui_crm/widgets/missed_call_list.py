"""MissedCallList: calls that rang unanswered, newest first, with whether they were returned."""

from __future__ import annotations

from collections.abc import Sequence

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.telephony.journal import MissedCall
from tui_crm.widgets.paged_list import Column, PagedList


def caller_text(row: MissedCall) -> str:
    """The customer's name, or what is known of an unknown caller."""
    if row.withheld:
        return _("Withheld number")
    if row.party_id is None:
        return _("Unknown caller")
    if row.contact_person:
        return f"{row.name} ({row.contact_person})"
    return row.name


def called_back_text(row: MissedCall) -> str:
    """When the customer was spoken to after the missed call, or ``open``."""
    if row.party_id is None:
        return "-"
    if row.called_back_at is None:
        return _("open")
    return formatting.moment(row.called_back_at)


class MissedCallList(PagedList[MissedCall]):
    """Time, number, caller, customer number, city and the call back."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No missed calls."), id=id)

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return (
            (_("Rang at"), 17, "left"),
            (_("Phone"), 18, "left"),
            (_("Caller"), -24, "left"),
            (_("No."), 9, "left"),
            (_("City"), 14, "left"),
            (_("Called back"), 16, "left"),
        )

    def cells(self, row: MissedCall) -> Sequence[str]:
        """The columns of one missed call."""
        return (
            formatting.moment(row.at),
            row.display,
            caller_text(row),
            row.party_number,
            row.city,
            called_back_text(row),
        )

    def row_style(self, row: MissedCall) -> str:
        """Calls not yet returned stand out."""
        if row.party_id is not None and row.called_back_at is None:
            return "paged-list--alert"
        return ""

    def identity(self, row: MissedCall) -> object:
        """The row's source and id."""
        return (row.source, row.id)
