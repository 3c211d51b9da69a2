"""DocumentList, DocumentLineList and ChainList: documents, one document's lines, its chain."""

from __future__ import annotations

from collections.abc import Sequence

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.documents import ChainEntry, DocumentRow, LineRow
from tui_crm.widgets.history_list import document_kind_label
from tui_crm.widgets.paged_list import Column, PagedList


def status_label(status: str) -> str:
    """The name of a document status, translated."""
    labels = {
        "draft": _("Draft"),
        "open": _("Open"),
        "done": _("Done"),
        "cancelled": _("Cancelled"),
    }
    return labels.get(status, status)


def blocked_mark(blocked: bool) -> str:
    """The marker of a customer blocked for credit (empty when not blocked)."""
    return _("BLOCKED") if blocked else ""


def plain_number(value: object) -> str:
    """A quantity or percentage without trailing zeros, in the locale's format."""
    from decimal import Decimal

    if not isinstance(value, Decimal):
        return str(value)
    normal = value.normalize()
    if normal == normal.to_integral():
        normal = normal.quantize(Decimal(1))
    return formatting.number(normal)


class DocumentList(PagedList[DocumentRow]):
    """Date, number, kind, status, customer, net and gross of documents, page by page.

    Args:
        with_customer: Whether the customer columns show (not in a customer's own tab).
        id: The widget id.
    """

    def __init__(self, *, with_customer: bool = True, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No documents."), id=id)
        self.with_customer = with_customer
        """Whether the customer columns show."""

    def columns(self) -> Sequence[Column]:
        """The columns."""
        customer: list[Column] = []
        if self.with_customer:
            customer = [(_("Customer"), 9, "left"), (_("Name"), -24, "left"), ("", 9, "left")]
        return [
            (_("Date"), 11, "left"),
            (_("Number"), 11, "left"),
            (_("Kind"), 14, "left"),
            (_("Status"), 10, "left"),
            *customer,
            (_("Net"), 14, "right"),
            (_("Gross"), 14, "right"),
        ]

    def cells(self, row: DocumentRow) -> Sequence[str]:
        """The columns of one document."""
        customer: list[str] = []
        if self.with_customer:
            customer = [row.party_number, row.party_name, blocked_mark(row.blocked)]
        return [
            formatting.day(row.date),
            row.number,
            document_kind_label(row.kind),
            status_label(row.status),
            *customer,
            formatting.money(row.net_total),
            formatting.money(row.gross_total),
        ]

    def row_style(self, row: DocumentRow) -> str:
        """Cancelled documents are muted."""
        return "paged-list--muted" if row.status == "cancelled" else ""

    def identity(self, row: DocumentRow) -> object:
        """The document's id."""
        return row.id


class DocumentLineList(PagedList[LineRow]):
    """The lines of one document (all of them: a document has at most a few hundred)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No lines."), id=id)

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return [
            (_("Pos."), 5, "right"),
            (_("Article"), 11, "left"),
            (_("Text"), -20, "left"),
            (_("Quantity"), 10, "right"),
            (_("Unit"), 5, "left"),
            (_("Unit price"), 13, "right"),
            (_("Disc. %"), 8, "right"),
            (_("VAT %"), 6, "right"),
            (_("Total"), 14, "right"),
        ]

    def cells(self, row: LineRow) -> Sequence[str]:
        """The columns of one line."""
        return [
            str(row.position),
            row.article,
            row.text,
            plain_number(row.quantity),
            row.unit,
            formatting.money(row.unit_price),
            plain_number(row.discount_percent) if row.discount_percent else "",
            plain_number(row.vat_rate),
            formatting.money(row.net),
        ]

    def identity(self, row: LineRow) -> object:
        """The line's position."""
        return row.position


class ChainList(PagedList[ChainEntry]):
    """The documents of one chain (quote → order → delivery note → invoice → credit note)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No linked documents."), id=id)
        self.current_id = 0
        """The document shown on the screen (marked in the list)."""

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return [
            ("", 2, "left"),
            (_("Date"), 11, "left"),
            (_("Number"), 11, "left"),
            (_("Kind"), -14, "left"),
            (_("Status"), 10, "left"),
            (_("Gross"), 14, "right"),
        ]

    def cells(self, row: ChainEntry) -> Sequence[str]:
        """The columns of one document of the chain."""
        return [
            "►" if row.id == self.current_id else "",
            formatting.day(row.date),
            row.number,
            document_kind_label(row.kind),
            status_label(row.status),
            formatting.money(row.gross_total),
        ]

    def row_style(self, row: ChainEntry) -> str:
        """The document shown is bold."""
        return "paged-list--strong" if row.id == self.current_id else ""

    def identity(self, row: ChainEntry) -> object:
        """The document's id."""
        return row.id
