"""AccountSheet: the inquiry's account sheet tab: the entries and the totals per year."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.account import AccountEntry, AccountYear
from tui_crm.widgets.account_list import AccountList

YEAR_COLUMNS = (6, 14, 14, 15)
"""Widths of year, debit, credit and balance in the totals."""


def years_text(years: Sequence[AccountYear]) -> Content:
    """The totals per year as a small table (plain text, never markup)."""
    widths = YEAR_COLUMNS
    head = (_("Year"), _("Debit"), _("Credit"), _("Balance"))
    lines = [
        Content.styled(_("Totals per year"), "bold $accent"),
        Content.styled(
            head[0].ljust(widths[0])
            + "".join(t.rjust(w) for t, w in zip(head[1:], widths[1:], strict=True)),
            "$text-muted",
        ),
    ]
    for year in years:
        cells = (
            formatting.money(year.debit),
            formatting.money(year.credit),
            formatting.money(year.balance),
        )
        lines.append(
            Content(
                str(year.year).ljust(widths[0])
                + "".join(text.rjust(width) for text, width in zip(cells, widths[1:], strict=True))
            )
        )
    if not years:
        lines.append(Content(_("No entries.")))
    return Content("\n").join(lines)


class AccountSheet(Vertical):
    """The totals per year (above) and the entries with their running balance."""

    DEFAULT_CSS = """
    AccountSheet {
        height: 1fr;
    }
    AccountSheet #account-years {
        height: auto;
        margin-bottom: 1;
    }
    """

    party_id: int | None = None
    """The party shown (None before the first :meth:`show`)."""

    def compose(self) -> ComposeResult:
        """The totals and the list."""
        yield Static("", id="account-years")
        yield AccountList(id="account-entries")

    def show(
        self,
        party_id: int,
        entries: Sequence[AccountEntry],
        years: Sequence[AccountYear],
        more: bool,
    ) -> int:
        """Show the party's totals and first page of entries; return the list's serial."""
        self.party_id = party_id
        self.query_one("#account-years", Static).update(years_text(years))
        return self.query_one(AccountList).show(entries, more=more, keep=True)
