"""SummaryStrip: the inquiry's figures above every tab (open items, dunning, credit, revenue)."""

from __future__ import annotations

from datetime import date

from textual.content import Content
from textual.widgets import Static

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.inquiry import Summary

COLUMNS = 4
"""Figures per line."""

GAP = 3
"""Spaces between two columns."""

ALERT = "bold $text-error"
"""Style of a figure that needs attention (overdue, dunning, blocked, over the limit)."""

LABEL = "$text-muted"
"""Style of the figure names."""


def _cell(label: str, value: str, width: int, alert: bool) -> Content:
    """``label value`` cut and padded to ``width`` cells; plain text, never markup."""
    if len(label) + 1 + len(value) > width:
        value = value[: max(0, width - len(label) - 2)] + "…"
    cell = Content.assemble((f"{label} ", LABEL), (value, ALERT if alert else "bold"))
    return cell.pad_right(max(0, width - cell.cell_length))


class SummaryStrip(Static):
    """Two lines of figures about one party, the same whatever tab is shown."""

    DEFAULT_CSS = """
    SummaryStrip {
        height: 2;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id)
        self.summary: Summary | None = None
        """The figures shown (None until loaded)."""
        self.today = date.today()
        """The day follow-ups count as overdue from."""

    def show(self, summary: Summary, today: date | None = None) -> None:
        """Show ``summary``."""
        self.summary = summary
        self.today = today or date.today()
        self.refresh()

    def cells(self) -> list[tuple[str, str, bool]]:
        """The figures as ``(label, value, alert)``, in reading order."""
        summary = self.summary
        if summary is None:
            return []
        over_limit = summary.credit_limit > 0 and summary.open_balance > summary.credit_limit
        credit = formatting.money(summary.credit_limit)
        if summary.blocked:
            credit = f"{credit} {_('BLOCKED')}"
        follow_up = _("none")
        follow_up_due = False
        if summary.next_follow_up is not None:
            follow_up = f"{formatting.day(summary.next_follow_up)} {summary.next_follow_up_subject}"
            follow_up_due = summary.next_follow_up <= self.today
        open_items = formatting.money(summary.open_balance)
        if summary.open_items:
            open_items = f"{open_items} ({summary.open_items})"
        return [
            (_("Open items:"), open_items, over_limit),
            (_("Overdue:"), formatting.money(summary.overdue), summary.overdue > 0),
            (
                _("Dunning level:"),
                str(summary.dunning_level) if summary.dunning_level else "-",
                summary.dunning_level > 0,
            ),
            (_("Credit limit:"), credit, summary.blocked or over_limit),
            (_("Revenue this year:"), formatting.money(summary.revenue_this_year), False),
            (_("Revenue last year:"), formatting.money(summary.revenue_last_year), False),
            (
                _("Last contact:"),
                formatting.day(summary.last_contact.date()) if summary.last_contact else "-",
                False,
            ),
            (_("Next follow-up:"), follow_up, follow_up_due),
        ]

    def render(self) -> Content:
        """Lay the figures out in :data:`COLUMNS` columns; the last one takes what is left."""
        cells = self.cells()
        if not cells:
            return Content("")
        widths = [
            max(len(label) + 1 + len(value) for label, value, _alert in cells[column::COLUMNS])
            + GAP
            for column in range(COLUMNS - 1)
        ]
        widths.append(max(10, self.size.width - sum(widths)))
        lines = [
            Content("").join(
                _cell(label, value, widths[index % COLUMNS], alert)
                for index, (label, value, alert) in enumerate(cells[start : start + COLUMNS])
            )
            for start in range(0, len(cells), COLUMNS)
        ]
        return Content("\n").join(lines)
