"""FollowUpList: open follow-ups in due order under section headings with their counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.followups import FollowUpRow, SectionCounts, section_of
from tui_crm.widgets.paged_list import Column, Heading, PagedList


def section_title(section: str) -> str:
    """The heading of a section, translated."""
    titles = {
        "overdue": _("Overdue"),
        "today": _("Today"),
        "upcoming": _("Upcoming"),
        "later": _("Later"),
        "done": _("Done"),
    }
    return titles.get(section, section)


def priority_label(priority: int) -> str:
    """``high`` / empty / ``low``."""
    return {1: _("high"), 3: _("low")}.get(priority, "")


class FollowUpList(PagedList[FollowUpRow]):
    """Follow-ups with a heading per section (overdue, today, upcoming, later, done).

    Args:
        compact: Only due, time, number, name and subject (the start screen's pane).
        empty_text: What the list shows without rows.
        id: The widget id.
    """

    def __init__(
        self,
        *,
        compact: bool = False,
        empty_text: str = "",
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(empty_text=empty_text or _("No open follow-ups."), id=id)
        self.compact = compact
        """Whether only the first five columns show."""
        self.today = date.today()
        """The day the sections are relative to."""
        self.counts: SectionCounts | None = None
        """Open follow-ups per section, for the headings (None: not counted)."""

    def columns(self) -> Sequence[Column]:
        """Due, time, number, name, subject, owner, main phone, priority."""
        if self.compact:
            return [
                (_("Due"), 11, "left"),
                (_("Time"), 8, "left"),
                (_("No."), 9, "left"),
                (_("Name"), -16, "left"),
                (_("Subject"), -12, "left"),
            ]
        return [
            (_("Due"), 11, "left"),
            (_("Time"), 8, "left"),
            (_("No."), 9, "left"),
            (_("Name"), -22, "left"),
            (_("Subject"), -24, "left"),
            (_("Owner"), 11, "left"),
            (_("Phone"), 17, "left"),
            (_("Priority"), 10, "left"),
        ]

    def cells(self, row: FollowUpRow) -> Sequence[str]:
        """The columns of one follow-up."""
        return (
            formatting.day(row.due_date),
            row.due_time.strftime("%H:%M") if row.due_time else "",
            row.number,
            row.name,
            row.subject,
            row.owner,
            row.phone,
            priority_label(row.priority),
        )

    def row_style(self, row: FollowUpRow) -> str:
        """Overdue in the alert colour, done ones muted, high priority bold."""
        if row.done:
            return "paged-list--muted"
        if row.due_date < self.today:
            return "paged-list--alert"
        return "paged-list--strong" if row.priority == 1 else ""

    def identity(self, row: FollowUpRow) -> object:
        """The follow-up's id."""
        return row.id

    def section(self, row: FollowUpRow) -> str:
        """The section a row is listed under."""
        return "done" if row.done else section_of(row.due_date, self.today)

    def heading(self, section: str) -> Heading:
        """The heading of ``section``, with its count when known."""
        count = None
        if self.counts is not None and section in ("overdue", "today", "upcoming", "later"):
            count = getattr(self.counts, section)
        title = section_title(section)
        if count is not None:
            title = f"{title} · {formatting.number(count)}"
        return Heading(section, f"── {title} ")

    def headings(
        self, rows: Sequence[FollowUpRow], before: FollowUpRow | None
    ) -> list[FollowUpRow | Heading]:
        """A heading before the first row of each section."""
        lines: list[FollowUpRow | Heading] = []
        current = self.section(before) if before is not None else None
        for row in rows:
            section = self.section(row)
            if section != current:
                lines.append(self.heading(section))
                current = section
            lines.append(row)
        return lines

    def set_counts(self, counts: SectionCounts | None) -> None:
        """Put the section counts into the headings shown."""
        self.counts = counts
        self.lines = [
            self.heading(line.key) if isinstance(line, Heading) else line for line in self.lines
        ]
        self.forget_texts()
        self.refresh()
