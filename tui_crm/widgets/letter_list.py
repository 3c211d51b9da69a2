"""LetterList: a customer's letters (single and from mail merges), newest first."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.letters import LetterRow
from tui_crm.widgets.paged_list import Column, PagedList


class LetterList(PagedList[LetterRow]):
    """When, subject, template, contact person, mailing, clerk and file of each letter."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No letters yet."), id=id)

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return (
            (_("When"), 18, "left"),
            (_("Subject"), -20, "left"),
            (_("Template"), 20, "left"),
            (_("Contact person"), 18, "left"),
            (_("Mailing"), -14, "left"),
            (_("Clerk"), 10, "left"),
            (_("File"), -16, "left"),
        )

    def cells(self, row: LetterRow) -> Sequence[str]:
        """The columns of one letter."""
        return (
            formatting.moment(row.created_at),
            row.subject,
            row.template,
            row.contact_person,
            row.mailing,
            row.clerk,
            Path(row.path).name,
        )

    def identity(self, row: LetterRow) -> object:
        """The letter's id."""
        return row.id
