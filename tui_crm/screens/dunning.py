"""DunningRunScreen: the items due for their next level; the clerk leaves some out, confirms."""

from __future__ import annotations

from decimal import Decimal

from textual import work
from textual.app import ComposeResult
from textual.widgets import Footer, Header, Label
from textual.worker import get_current_worker

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.open_items import refresh_everywhere
from tui_crm.services import dunning
from tui_crm.services.dunning import LettersResult, Proposal, RunResult
from tui_crm.widgets.open_item_list import DunningList

SKIPPED_SHOWN = 5
"""Invoice numbers of skipped items named in the notice (the rest are counted)."""


class DunningRunScreen(CrmScreen):
    """The proposal of a dunning run: every item due for its next level, all kept at first."""

    CSS_PATH = STYLES / "open_items.tcss"
    BINDINGS = [keys.DUNNING_TOGGLE, keys.DUNNING_ALL, keys.DUNNING_CONFIRM]
    PALETTE = (keys.DUNNING_ALL, keys.DUNNING_CONFIRM)
    """Actions the command palette offers while this screen is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.proposals: list[Proposal] = []
        """The items proposed."""
        self.running = False
        """Whether the confirmed run is being written."""

    def compose(self) -> ComposeResult:
        """Summary, the proposal and the key bar."""
        yield Header(icon=HEADER_ICON)
        yield Label(_("Looking for items due…"), id="dunning-summary", markup=False)
        yield DunningList(id="dunning-items")
        yield Footer()

    @property
    def items(self) -> DunningList:
        """The proposal list."""
        return self.query_one(DunningList)

    def on_mount(self) -> None:
        """Propose."""
        self.title = _("Dunning run")
        levels = self.context.settings.dunning.levels
        self.items.names = {
            level: dunning.level_name(levels, level) for level in range(1, len(levels) + 1)
        }
        self.items.focus()
        self.reload()

    def reload(self) -> None:
        """Propose again (F5); what was left out stays out."""
        self.propose()

    @work(thread=True, exclusive=True, group="dunning", exit_on_error=False)
    def propose(self) -> None:
        """Find the items due in a thread."""
        with db.connection_context():
            proposals = dunning.propose(self.context.settings.dunning.levels, self.context.today)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, proposals)

    def show(self, proposals: list[Proposal]) -> None:
        """Show the proposal, every item kept."""
        self.proposals = proposals
        self.items.show(proposals, keep=True)
        self.summarise()
        self.context_may_have_changed()

    def summarise(self) -> None:
        """How many items are kept, their balance and fees."""
        kept = self.items.kept
        self.query_one("#dunning-summary", Label).update(
            _(
                "{kept} of {count} items kept · balance {balance} · fees {fees} · {key} raises"
            ).format(
                kept=formatting.number(len(kept)),
                count=formatting.number(len(self.proposals)),
                balance=formatting.money(sum((p.balance for p in kept), start=Decimal("0.00"))),
                fees=formatting.money(sum((p.fee for p in kept), start=Decimal("0.00"))),
                key=keys.DUNNING_CONFIRM.key_display,
            )
        )

    def context_party(self) -> tuple[int, str] | None:
        """The customer of the highlighted item (F11, F12)."""
        row = self.items.current if self.is_mounted else None
        return None if row is None else (row.party_id, row.party_number)

    def action_toggle_item(self) -> None:
        """Space: keep the highlighted item, or leave it out."""
        row = self.items.current
        if row is not None:
            self.items.toggle(row)
            self.summarise()

    def action_toggle_all(self) -> None:
        """A: leave every item out, or keep every one."""
        self.items.toggle_all()
        self.summarise()

    def action_confirm(self) -> None:
        """F10: raise the kept items, after asking."""
        kept = self.items.kept
        if self.running or not kept:
            if not kept:
                self.notify(_("No item is kept."), severity="warning")
            return

        def answer(confirmed: bool | None) -> None:
            if confirmed:
                self.running = True
                self.run_dunning(kept)

        question = _("Raise {count} items to their next dunning level?").format(
            count=formatting.number(len(kept))
        )
        self.app.push_screen(ConfirmModal(question), answer)

    @work(thread=True, exclusive=True, group="dunning-run", exit_on_error=False)
    def run_dunning(self, kept: list[Proposal]) -> None:
        """Check the templates, write the run in one transaction, then the dunning letters
        (in a thread)."""
        settings = self.context.settings
        try:
            with db.connection_context():
                dunning.check_templates(settings)  # a broken template stops it before
                result = dunning.run(
                    kept, settings.dunning.levels, self.context.today, settings.clerk
                )
                written = dunning.write_letters(self.context.today, settings.clerk, settings)
        finally:
            self.running = False
        self.app.call_from_thread(self.done, result, written)

    def done(self, result: RunResult, written: LettersResult) -> None:
        """Say what was raised, which letters were written and what was skipped; propose
        again."""
        message = _("{count} items raised, fees {fees}.").format(
            count=formatting.number(result.raised), fees=formatting.money(result.fees)
        )
        if written.written:
            message += " " + _("{count} dunning letters in {folder}.").format(
                count=formatting.number(len(written.written)),
                folder=self.context.settings.documents_path,
            )
        for failure in written.failed[:SKIPPED_SHOWN]:
            message += " " + _("No letter for {customer}: {reason}").format(
                customer=failure.party_number, reason=failure.message
            )
        if result.skipped:
            names = ", ".join(s.document_number for s in result.skipped[:SKIPPED_SHOWN])
            if len(result.skipped) > SKIPPED_SHOWN:
                names += " …"
            message += " " + _("{count} skipped (paid or changed meanwhile): {names}").format(
                count=len(result.skipped), names=names
            )
        self.notify(
            message,
            title=_("Dunning run"),
            severity="warning" if result.skipped or written.failed else "information",
            markup=False,
            timeout=10,
        )
        refresh_everywhere(self)
        self.reload()
