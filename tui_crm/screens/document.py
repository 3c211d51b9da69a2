"""DocumentScreen: one document with header, lines, totals and its chain of linked documents."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Footer, Header, Label, Static
from textual.worker import get_current_worker

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.services import documents
from tui_crm.services.documents import ChainEntry, DocumentDetail
from tui_crm.widgets.document_list import ChainList, DocumentLineList, plain_number, status_label
from tui_crm.widgets.history_list import document_kind_label
from tui_crm.widgets.paged_list import PagedList

LABEL_WIDTH = 14
"""Width of the field names of the header."""

READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="document")
"""Threads that read a document while its screen is being built."""

EARLY_WAIT = 0.03
"""Seconds the mount waits for the read started by the constructor; a slower read is shown
by a worker when it arrives."""


def read_document(document_id: int) -> DocumentDetail:
    """Read a document on a connection of this thread (runs in :data:`READER`)."""
    with db.connection_context():
        return documents.load(document_id)


def _facts(pairs: list[tuple[str, str]]) -> Content:
    return Content("\n").join(
        Content.assemble((label.ljust(LABEL_WIDTH), "$text-muted"), value or "-")
        for label, value in pairs
    )


def totals_text(detail: DocumentDetail) -> Content:
    """Net, VAT per rate and gross, right-aligned; a note when the stored total differs."""
    totals = detail.totals
    rows = [(_("Net"), formatting.money(totals.net))]
    for amount in totals.rates:
        rows.append(
            (
                _("{rate} % VAT on {net}").format(
                    rate=plain_number(amount.rate), net=formatting.money(amount.net)
                ),
                formatting.money(amount.vat),
            )
        )
    rows.append((_("Gross"), formatting.money(totals.gross)))
    width = max(len(label) for label, _value in rows) + 2
    lines = [
        Content.assemble((label.ljust(width), "$text-muted"), value.rjust(16))
        for label, value in rows[:-1]
    ]
    label, value = rows[-1]
    lines.append(Content.styled(label.ljust(width) + value.rjust(16), "bold"))
    if detail.stored_gross != totals.gross:
        lines.append(
            Content.styled(
                _("Stored gross total {amount} differs from the lines").format(
                    amount=formatting.money(detail.stored_gross)
                ),
                "$text-error",
            )
        )
    return Content("\n").join(lines)


class DocumentScreen(CrmScreen):
    """A document: header, lines, totals, and the chain; Enter in the chain opens another.

    Args:
        document_id: The document to show first.
    """

    CSS_PATH = STYLES / "documents.tcss"
    BINDINGS = [keys.TO_CUSTOMER, keys.CREDIT_BLOCK]
    PALETTE = (keys.TO_CUSTOMER, keys.CREDIT_BLOCK)
    """Actions the command palette offers while this screen is shown."""

    def __init__(self, document_id: int) -> None:
        super().__init__()
        self.document_id = document_id
        """The document shown."""
        self.detail: DocumentDetail | None = None
        """The document as read (None until it has loaded)."""
        # Read before the screen is built, so that its first frame can show the document.
        self._early: Future[DocumentDetail] | None = READER.submit(read_document, document_id)

    def compose(self) -> ComposeResult:
        """Header facts, lines, totals and chain."""
        yield Header(icon=HEADER_ICON)
        with Horizontal(id="document-head"):
            yield Static("", id="document-facts")
            yield Static("", id="document-party")
        yield DocumentLineList(id="document-lines")
        with Horizontal(id="document-foot"):
            with Vertical(id="document-chain-box"):
                yield Label(_("Linked documents · Enter opens"), classes="pane-title")
                yield ChainList(id="document-chain")
            yield Static("", id="document-totals")
        yield Footer()

    def on_mount(self) -> None:
        """Show the document read meanwhile (or as soon as it is); the lines take the keys."""
        self.query_one(DocumentLineList).focus()
        future, self._early = self._early, None
        if future is None:
            self.reload()
            return
        wait((future,), timeout=EARLY_WAIT)
        if future.done() and future.exception() is None:
            self.show(future.result())
        else:
            self.deliver(future)

    @work(thread=True, exclusive=True, group="document", exit_on_error=False)
    def deliver(self, future: Future[DocumentDetail]) -> None:
        """Wait for the read started by the constructor, then show it."""
        detail = future.result()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, detail)

    def reload(self) -> None:
        """Read the document again (F5)."""
        self.load(self.document_id)

    def data_changed(self) -> None:
        """Someone wrote (a payment, a block): read it again."""
        self.reload()

    @work(thread=True, exclusive=True, group="document", exit_on_error=False)
    def load(self, document_id: int) -> None:
        """Read the document in a thread and show it."""
        with db.connection_context():
            detail = documents.load(document_id)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, detail)

    def show(self, detail: DocumentDetail) -> None:
        """Fill every part of the screen."""
        same = self.detail is not None and self.detail.id == detail.id
        self.detail = detail
        self.document_id = detail.id
        self.title = f"{document_kind_label(detail.kind)} {detail.number}"
        self.sub_title = f"{detail.party_number}: {detail.party_name}"
        facts = [
            (_("Kind"), document_kind_label(detail.kind)),
            (_("Number"), detail.number),
            (_("Date"), formatting.day(detail.date)),
            (_("Status"), status_label(detail.status)),
            (_("Clerk"), detail.clerk),
            (_("Reference"), detail.reference),
        ]
        if detail.due_date is not None:
            facts.insert(3, (_("Due"), formatting.day(detail.due_date)))
        self.query_one("#document-facts", Static).update(_facts(facts))
        party = [
            (_("Customer"), f"{detail.party_number} {detail.party_name}"),
        ]
        if detail.blocked:
            party.append((_("Credit"), _("BLOCKED")))
        item = detail.item
        if item is not None:
            state = _("settled") if item.closed else formatting.money(item.balance)
            party.append((_("Balance"), state))
            party.append((_("Paid"), formatting.money(item.paid)))
            if item.dunning_level:
                party.append((_("Dunning level"), str(item.dunning_level)))
        if detail.notes:
            party.append((_("Notes"), detail.notes))
        self.query_one("#document-party", Static).update(_facts(party))
        self.query_one(DocumentLineList).show(detail.lines, keep=same)
        chain = self.query_one(ChainList)
        chain.current_id = detail.id
        chain.show(detail.chain, keep=False)
        index = next((i for i, e in enumerate(detail.chain) if e.id == detail.id), 0)
        chain.cursor = index
        self.query_one("#document-totals", Static).update(totals_text(detail))
        self.context_may_have_changed()

    @on(PagedList.Opened, "#document-chain")
    def open_linked(self, event: PagedList.Opened) -> None:
        """Enter on a linked document shows it here."""
        entry = cast(ChainEntry, event.row)
        if entry.id != self.document_id:
            self.load(entry.id)

    def context_party(self) -> tuple[int, str] | None:
        """The document's customer (F11, F12)."""
        detail = self.detail
        return None if detail is None else (detail.party_id, detail.party_number)

    def action_open_customer(self) -> None:
        """Alt+C: the customer inquiry."""
        if self.detail is not None:
            from tui_crm.screens.inquiry import InquiryScreen

            self.app.push_screen(InquiryScreen(self.detail.party_number))

    def action_toggle_block(self) -> None:
        """Alt+X: block the customer for credit, or lift the block."""
        detail = self.detail
        if detail is not None:
            from tui_crm.screens.open_items import ask_block

            ask_block(self, detail.party_id, detail.party_number, detail.party_name, detail.blocked)
