"""OpenItemsScreen: unpaid invoices with totals, filters, payments and the credit block."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.types import NoActiveAppError
from textual.widgets import Button, Footer, Header, Input, Label
from textual.worker import get_current_worker

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmModal, CrmScreen
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.follow_up_modal import date_text
from tui_crm.services import documents, followups, open_items, validation
from tui_crm.services.open_items import (
    OpenItemFilter,
    OpenItemKey,
    OpenItemRow,
    OpenItemTotals,
    PaymentResult,
)
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.form_row import FormRow
from tui_crm.widgets.live_field import LiveField
from tui_crm.widgets.open_item_list import OpenItemList
from tui_crm.widgets.paged_list import PagedList

FIRST_PAGE = 60
"""Rows fetched for the first paint (more than a screen)."""

PAGE = 200
"""Rows per further page."""

RELOAD_LIMIT = 2000
"""The most rows a reload after a change fetches again (the cursor stays on its row)."""

FILTER_DELAY = 0.3
"""Seconds of no typing before the customer filter is applied."""

ANY = -1
"""The choice "every level" / "every clerk" (CycleField values cannot be None)."""

MAX_LEVEL_CHOICE = 9
"""Dunning levels offered by the level filter (beyond the configured ones too)."""

READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open-items")
"""A thread that reads the first page while the screen is being built."""

EARLY_WAIT = 0.03
"""Seconds the mount waits for the first page read by the constructor."""


def read_first_page(filters: OpenItemFilter, today: date) -> list[OpenItemRow]:
    """The first page on a connection of this thread (runs in :data:`READER`)."""
    with db.connection_context():
        return open_items.list_open_items(filters, today, None, FIRST_PAGE + 1)


def refresh_everywhere(screen: Screen[Any]) -> None:
    """Tell every screen on the stack that data changed (the inquiry's summary strip too)."""
    for below in screen.app.screen_stack:
        if isinstance(below, CrmScreen):
            below.data_changed()


def ask_block(screen: CrmScreen, party_id: int, number: str, name: str, blocked: bool) -> None:
    """Ask whether to block a customer for credit (or lift the block), then do it."""
    question = (
        _("Lift the credit block of {number} {name}?")
        if blocked
        else _("Block {number} {name} for credit?")
    ).format(number=number, name=name)

    def answer(confirmed: bool | None) -> None:
        if confirmed:
            set_block(screen, party_id, not blocked)

    screen.app.push_screen(ConfirmModal(question), answer)


def set_block(screen: CrmScreen, party_id: int, blocked: bool) -> None:
    """Write the credit block in a worker of ``screen``."""
    screen.run_worker(
        lambda: _write_block(screen, party_id, blocked),
        thread=True,
        group="credit-block",
        exit_on_error=False,
    )


def _write_block(screen: CrmScreen, party_id: int, blocked: bool) -> None:
    with db.connection_context():
        open_items.set_blocked(party_id, blocked, screen.context.settings.clerk)
    screen.app.call_from_thread(_blocked, screen, blocked)


def _blocked(screen: CrmScreen, blocked: bool) -> None:
    screen.notify(
        _("Blocked for credit.") if blocked else _("Credit block lifted."), title=_("Credit")
    )
    refresh_everywhere(screen)


class OpenItemsScreen(CrmScreen):
    """Unsettled invoices, most overdue first, with totals of what the filters show.

    Args:
        party: ``(id, number)`` of the customer whose items show, or None for everyone's.
    """

    CSS_PATH = STYLES / "open_items.tcss"
    BINDINGS = [
        keys.PAYMENT,
        keys.OVERDUE,
        keys.DUNNING_RUN,
        keys.CREDIT_BLOCK,
        keys.TO_CUSTOMER,
        keys.FILTERS,
        keys.CURSOR_TO_RESULTS,
    ]
    PALETTE = (
        keys.PAYMENT,
        keys.OVERDUE,
        keys.DUNNING_RUN,
        keys.CREDIT_BLOCK,
        keys.TO_CUSTOMER,
    )
    """Actions the command palette offers while this screen is shown."""

    def __init__(self, party: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.filters = OpenItemFilter(party_id=party[0] if party else None)
        """The filters in force."""
        self.party_number = party[1] if party else ""
        """The customer number of the customer filter."""
        self.totals: OpenItemTotals | None = None
        """The totals shown (None until summed)."""
        self._token = 0
        self._timer: Timer | None = None
        self._early: Future[list[OpenItemRow]] | None = None
        # Started before the screen is built, so that its first frame can show the items.
        with suppress(NoActiveAppError):
            self._early = READER.submit(read_first_page, self.filters, self.context.today)

    def compose(self) -> ComposeResult:
        """Filters, totals, the list and the key bar."""
        yield Header(icon=HEADER_ICON)
        with Horizontal(id="item-filters"):
            yield Input(
                self.party_number, placeholder=_("Customer no."), id="party-filter", compact=True
            )
            yield CycleField(
                [(_("All items"), False), (_("Overdue only"), True)], False, id="overdue-filter"
            )
            yield CycleField(self.level_options(), ANY, id="level-filter")
            yield CycleField([(_("Every clerk"), ANY)], ANY, id="clerk-filter")
        yield Label("", id="item-totals", markup=False)
        yield OpenItemList(id="open-items")
        yield Footer()

    def level_options(self) -> list[tuple[str, int]]:
        """The dunning level filter's options."""
        levels = len(self.context.settings.dunning.levels)
        options = [(_("Every level"), ANY), (_("Not dunned"), 0)]
        options += [
            (_("Level {level}").format(level=level), level)
            for level in range(1, max(levels, 1) + 1)
            if level <= MAX_LEVEL_CHOICE
        ]
        return options

    @property
    def item_list(self) -> OpenItemList:
        """The list."""
        return self.query_one("#open-items", OpenItemList)

    def on_mount(self) -> None:
        """The first page (read meanwhile), then the totals and the clerks for their filter."""
        self.title = _("Open items")
        self.item_list.today = self.context.today
        self.item_list.focus()
        future, self._early = self._early, None
        if future is not None:
            wait((future,), timeout=EARLY_WAIT)
        if future is None or not future.done() or future.exception() is not None:
            self.reload()
        else:
            self._token += 1
            self.show_rows(future.result(), FIRST_PAGE, False, self._token)
            # The totals and the clerks wait for the first frame: their threads would
            # compete with it for the two cores of a busy server.
            token = self._token
            self.call_after_refresh(lambda: self.load_totals(self.filters, token))
        self.call_after_refresh(self.load_clerks)

    def on_screen_resume(self) -> None:
        """Back from a document or a customer: show what changed meanwhile."""
        if self.item_list.loaded:
            self.reload(keep=True)

    # Loading ------------------------------------------------------------------------------

    def reload(self, *, keep: bool = False) -> None:
        """Fetch the first page and the totals again (F5)."""
        self._token += 1
        limit = FIRST_PAGE
        if keep:
            limit = min(max(len(self.item_list.rows), FIRST_PAGE), RELOAD_LIMIT)
        self.load(self.filters, limit, keep, self._token)

    def data_changed(self) -> None:
        """Someone wrote: show the list as it is now, the cursor staying on its item."""
        self.reload(keep=True)

    @work(thread=True, exclusive=True, group="open-items", exit_on_error=False)
    def load(self, filters: OpenItemFilter, limit: int, keep: bool, token: int) -> None:
        """Read a first page, show it, then sum every item of the filters."""
        today = self.context.today
        with db.connection_context():
            rows = open_items.list_open_items(filters, today, None, limit + 1)
            if get_current_worker().is_cancelled:
                return
            self.app.call_from_thread(self.show_rows, rows, limit, keep, token)
            sums = open_items.totals(filters, today)
        self.app.call_from_thread(self.show_totals, sums, token)

    @work(thread=True, exclusive=True, group="open-items-totals", exit_on_error=False)
    def load_totals(self, filters: OpenItemFilter, token: int) -> None:
        """Sum every item of the filters (after a first page read by the constructor)."""
        with db.connection_context():
            sums = open_items.totals(filters, self.context.today)
        self.app.call_from_thread(self.show_totals, sums, token)

    def show_rows(self, rows: list[OpenItemRow], limit: int, keep: bool, token: int) -> None:
        """Show a first page unless the filters changed since it was asked for."""
        if token == self._token:
            self.item_list.show(rows[:limit], more=len(rows) > limit, keep=keep)
            self.context_may_have_changed()

    def show_totals(self, sums: OpenItemTotals, token: int) -> None:
        """The totals of every item the filters show."""
        if token != self._token:
            return
        self.totals = sums
        self.query_one("#item-totals", Label).update(
            _("{count} items · amount {amount} · paid {paid} · balance {balance}").format(
                count=formatting.number(sums.count),
                amount=formatting.money(sums.amount),
                paid=formatting.money(sums.paid),
                balance=formatting.money(sums.balance),
            )
        )

    @on(PagedList.PageNeeded, "#open-items")
    def page_needed(self, event: PagedList.PageNeeded) -> None:
        """The cursor nears the end of what is loaded: fetch the next page."""
        last = self.item_list.last_row
        if last is not None:
            self.load_page(self.filters, last.key, event.serial, self._token)

    @work(thread=True, group="open-items-page", exit_on_error=False)
    def load_page(
        self, filters: OpenItemFilter, after: OpenItemKey, serial: int, token: int
    ) -> None:
        """Read the page after ``after`` in a thread."""
        with db.connection_context():
            rows = open_items.list_open_items(filters, self.context.today, after, PAGE + 1)
        self.app.call_from_thread(self.add_rows, rows, serial, token)

    def add_rows(self, rows: list[OpenItemRow], serial: int, token: int) -> None:
        """Append a page of the result set shown."""
        if token == self._token:
            self.item_list.extend(rows[:PAGE], more=len(rows) > PAGE, serial=serial)

    @work(thread=True, exclusive=True, group="clerks", exit_on_error=False)
    def load_clerks(self) -> None:
        """Read the clerks for their filter."""
        with db.connection_context():
            clerks = followups.clerks()
        options = [(_("Every clerk"), ANY)] + [(clerk.label, clerk.id) for clerk in clerks]
        self.app.call_from_thread(
            self.query_one("#clerk-filter", CycleField).set_options, options, ANY
        )

    # Filters ------------------------------------------------------------------------------

    @on(Input.Changed, "#party-filter")
    def party_typed(self) -> None:
        """Apply the customer filter once typing pauses."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(FILTER_DELAY, self.apply_party)

    @on(Input.Submitted, "#party-filter")
    def party_submitted(self) -> None:
        """Enter applies the customer filter at once and goes to the list."""
        if self._timer is not None:
            self._timer.stop()
        self.apply_party()
        self.item_list.focus()

    def apply_party(self) -> None:
        """Look the customer number up in a thread, then filter by it."""
        self.resolve_party(self.query_one("#party-filter", Input).value.strip())

    @work(thread=True, exclusive=True, group="open-items-party", exit_on_error=False)
    def resolve_party(self, text: str) -> None:
        """Find the customer typed."""
        party_id: int | None = None
        if text:
            with db.connection_context():
                party_id = documents.party_id_by_number(text)
        self.app.call_from_thread(self.party_found, text, party_id)

    def party_found(self, text: str, party_id: int | None) -> None:
        """Filter by the customer (an unknown number shows nothing and says so)."""
        if text and party_id is None:
            self.notify(_("No customer {number}.").format(number=text), severity="warning")
            party_id = 0
        self.party_number = text
        if party_id != self.filters.party_id:
            self.filters = replace(self.filters, party_id=party_id)
            self.reload()

    @on(CycleField.Changed)
    def choice_changed(self, event: CycleField.Changed) -> None:
        """Overdue, level or clerk chosen."""
        value = event.value
        if event.cycle_field.id == "overdue-filter":
            self.filters = replace(self.filters, overdue=bool(value))
        elif event.cycle_field.id == "level-filter":
            self.filters = replace(self.filters, dunning_level=None if value == ANY else value)
        else:
            self.filters = replace(self.filters, clerk_id=None if value == ANY else value)
        self.reload()

    def action_toggle_overdue(self) -> None:
        """F7: overdue items only, or all again."""
        self.query_one("#overdue-filter", CycleField).action_next_choice()

    def action_find(self) -> None:
        """Cursor into the customer filter."""
        self.query_one("#party-filter", Input).focus()

    def action_to_results(self) -> None:
        """Down from the filter field moves into the list."""
        self.item_list.focus()

    # The selected item --------------------------------------------------------------------

    def context_party(self) -> tuple[int, str] | None:
        """The customer of the selected item (F11, F12)."""
        row = self.item_list.current if self.is_mounted else None
        return None if row is None else (row.party_id, row.party_number)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out the item actions while no item is selected; hide payments, dunning and
        the credit block from roles without accounting."""
        if not self.may_run(action):
            return False
        if action in ("pay", "toggle_block", "open_customer"):
            return True if self.is_mounted and self.item_list.current is not None else None
        return True

    @on(PagedList.Opened, "#open-items")
    def open_invoice(self, event: PagedList.Opened) -> None:
        """Enter opens the invoice."""
        from tui_crm.screens.document import DocumentScreen

        row = cast(OpenItemRow, event.row)
        self.app.push_screen(DocumentScreen(row.document_id))

    def action_open_customer(self) -> None:
        """Alt+C: the inquiry of the selected item's customer."""
        row = self.item_list.current
        if row is not None:
            from tui_crm.screens.inquiry import InquiryScreen

            self.app.push_screen(InquiryScreen(row.party_number))

    def action_toggle_block(self) -> None:
        """Alt+X: block the selected item's customer for credit, or lift the block."""
        row = self.item_list.current
        if row is not None:
            ask_block(self, row.party_id, row.party_number, row.party_name, row.blocked)

    def action_pay(self) -> None:
        """F8: record a payment against the selected item."""
        row = self.item_list.current
        if row is not None:
            self.app.push_screen(PaymentModal(row), self.paid)

    def paid(self, result: PaymentResult | None) -> None:
        """Show the new balance at once; every screen below (the inquiry) reads it again."""
        if result is None:
            return
        item = result.item
        message = _("Payment recorded: {number}, balance {balance}").format(
            number=item.document_number, balance=formatting.money(item.balance)
        )
        if result.settled:
            message = _("Payment recorded: {number} is settled").format(number=item.document_number)
        self.notify(message, title=_("Payment"), markup=False)
        self.item_list.replace_row(item)
        refresh_everywhere(self)

    def action_dunning_run(self) -> None:
        """F6: the dunning run's proposal."""
        from tui_crm.screens.dunning import DunningRunScreen

        self.app.push_screen(DunningRunScreen())


class PaymentModal(CrmModal[PaymentResult | None]):
    """Record a payment (full or partial) against an open item; more than the balance asks.

    Args:
        row: The open item.
    """

    CSS_PATH = STYLES / "open_items.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(self, row: OpenItemRow) -> None:
        super().__init__()
        self.row = row
        """The item paid."""
        self.saving = False
        """Whether a save is running."""

    def compose(self) -> ComposeResult:
        """Item, amount, date, method, note, buttons."""
        row = self.row
        balance = abs(row.balance)
        with Vertical(id="dialog-box"):
            yield Label(
                _("Payment · {number} · {customer} {name}").format(
                    number=row.document_number, customer=row.party_number, name=row.party_name
                ),
                id="dialog-title",
                markup=False,
            )
            yield Label(
                _("Amount {amount} · paid {paid} · balance {balance}").format(
                    amount=formatting.money(row.amount),
                    paid=formatting.money(row.paid),
                    balance=formatting.money(row.balance),
                )
                + ("  " + _("(a credit note: the payment is paid out)") if row.amount < 0 else ""),
                id="payment-item",
                markup=False,
            )
            yield LiveField(
                "amount",
                _("Amount"),
                f"{balance:.2f}" if balance else "",
                parse=validation.amount,
                describe=self.describe_amount,
                required=True,
                required_message=_("How much was paid?"),
                max_length=20,
            )
            yield LiveField(
                "date",
                _("Date"),
                date_text(self.context.today),
                parse=lambda text: validation.day(text, self.context.today),
                describe=formatting.day,
                required=True,
                max_length=12,
            )
            yield FormRow(
                _("Method"),
                CycleField(
                    [(self.method_label(method), method) for method in open_items.PAYMENT_METHODS],
                    "transfer",
                    id="method",
                ),
            )
            yield FormRow(_("Note"), Input("", id="note", compact=True, max_length=200))
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), id="save", variant="primary")
                yield Button(_("Cancel"), id="cancel")
            yield Label("", id="dialog-error", markup=False)
            yield Label(
                _("{save} or Enter saves · Esc cancels").format(save=keys.SAVE.key_display),
                id="dialog-hint",
                markup=False,
            )

    @staticmethod
    def method_label(method: str) -> str:
        """The name of a payment method."""
        return {
            "transfer": _("Bank transfer"),
            "cash": _("Cash"),
            "card": _("Card"),
            "direct_debit": _("Direct debit"),
        }.get(method, method)

    def describe_amount(self, amount: Decimal) -> str:
        """The amount and what it leaves open."""
        balance = abs(self.row.balance)
        if amount > balance:
            return _("{over} more than the balance").format(over=formatting.money(amount - balance))
        if amount == balance:
            return _("settles the item")
        return _("leaves {rest} open").format(rest=formatting.money(balance - amount))

    def on_mount(self) -> None:
        """The amount is ready to be typed over."""
        self.query_one("#field-amount", LiveField).input.focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """Save or cancel."""
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter in a field saves."""
        event.stop()
        self.action_save()

    def action_back(self) -> None:
        """Esc: cancel."""
        self.dismiss(None)

    def action_save(self, allow_overpayment: bool = False) -> None:
        """Check the fields, then record the payment in a thread."""
        if self.saving:
            return
        try:
            amount = self.query_one("#field-amount", LiveField).value()
            day = self.query_one("#field-date", LiveField).value()
            amount = open_items.check_amount(amount)
        except ValidationError as error:
            self.query_one("#dialog-error", Label).update(error.msg)
            return
        self.saving = True
        self.save(
            amount,
            day,
            str(self.query_one("#method", CycleField).value),
            self.query_one("#note", Input).value,
            allow_overpayment,
        )

    @work(thread=True, exclusive=True, group="payment", exit_on_error=False)
    def save(
        self, amount: Decimal, day: date, method: str, note: str, allow_overpayment: bool
    ) -> None:
        """Record the payment; more than the balance asks first."""
        try:
            with db.connection_context():
                result = open_items.record_payment(
                    self.row.id,
                    amount,
                    day,
                    self.context.settings.clerk,
                    expected_version=self.row.version,
                    method=method,
                    note=note,
                    allow_overpayment=allow_overpayment,
                )
        except open_items.OverPayment as over:
            self.app.call_from_thread(self.ask_overpayment, over)
            return
        except CrmError as error:
            self.app.call_from_thread(self.failed, error)
            return
        self.app.call_from_thread(self.dismiss, result)

    def ask_overpayment(self, over: open_items.OverPayment) -> None:
        """Ask whether the customer really paid more than the balance."""
        self.saving = False
        question = _("{amount} is more than the balance of {balance}. Record it anyway?").format(
            amount=formatting.money(over.amount), balance=formatting.money(over.balance)
        )

        def answer(confirmed: bool | None) -> None:
            if confirmed:
                self.action_save(allow_overpayment=True)

        self.app.push_screen(ConfirmModal(question), answer)

    def failed(self, error: CrmError) -> None:
        """Say why nothing was saved."""
        self.saving = False
        self.query_one("#dialog-error", Label).update(error.msg)
