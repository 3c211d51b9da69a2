"""HistoryList: everything about one party in one chronological list, fetched page by page."""

from __future__ import annotations

from collections.abc import Sequence

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.contacts import kind_label
from tui_crm.services.history import HistoryRow
from tui_crm.widgets.paged_list import Column, PagedList


def history_kind_label(kind: str) -> str:
    """The name of a kind of history entry, translated (also the filter's labels)."""
    labels = {
        "contact": _("Contact"),
        "follow_up": _("Follow-up"),
        "follow_up_done": _("Follow-up done"),
        "document": _("Document"),
        "letter": _("Letter"),
        "payment": _("Payment"),
        "change": _("Change"),
    }
    return labels.get(kind, kind)


def document_kind_label(kind: str) -> str:
    """The name of a document kind, translated."""
    labels = {
        "quote": _("Quote"),
        "order": _("Order"),
        "delivery_note": _("Delivery note"),
        "invoice": _("Invoice"),
        "credit_note": _("Credit note"),
    }
    return labels.get(kind, kind)


class HistoryList(PagedList[HistoryRow]):
    """When, what, title, detail, amount and clerk of each event, newest first."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("Nothing recorded yet."), id=id)
        self.kind: str | None = None
        """The one kind shown, or None for everything."""

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return (
            (_("When"), 18, "left"),
            (_("What"), 20, "left"),
            (_("Title"), -20, "left"),
            (_("Detail"), -24, "left"),
            (_("Amount"), 14, "right"),
            (_("Clerk"), 10, "left"),
        )

    def cells(self, row: HistoryRow) -> Sequence[str]:
        """The columns of one event."""
        what = history_kind_label(row.kind)
        if row.kind == "contact":
            what = f"{what}: {kind_label(row.subkind)}"
        elif row.kind == "document":
            what = document_kind_label(row.subkind)
        elif row.subkind and row.kind in ("payment", "change"):
            what = f"{what}: {row.subkind}"
        when = formatting.moment(row.at)
        if row.kind in ("document", "payment"):
            when = formatting.day(row.at.date())
        return (
            when,
            what,
            row.title,
            row.detail,
            formatting.money(row.amount) if row.amount is not None else "",
            row.clerk,
        )

    def identity(self, row: HistoryRow) -> object:
        """Kind and id of the source row."""
        return (row.kind, row.source_id)
