"""ContactList: a party's contact log, newest first, fetched page by page."""

from __future__ import annotations

from collections.abc import Sequence

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.contacts import ContactRow, kind_label
from tui_crm.widgets.paged_list import Column, PagedList


def duration_text(seconds: int | None) -> str:
    """``12 min`` (rounded up), empty when unknown."""
    if seconds is None:
        return ""
    return _("{minutes} min").format(minutes=(seconds + 59) // 60)


class ContactList(PagedList[ContactRow]):
    """When, kind, topic, contact person, agreements, duration and clerk of each contact."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(empty_text=_("No contacts logged."), id=id)

    def columns(self) -> Sequence[Column]:
        """The columns."""
        return (
            (_("When"), 18, "left"),
            (_("Kind"), 13, "left"),
            (_("Topic"), -20, "left"),
            (_("Contact person"), 18, "left"),
            (_("Agreements"), -20, "left"),
            (_("Duration"), 9, "right"),
            (_("Clerk"), 10, "left"),
        )

    def cells(self, row: ContactRow) -> Sequence[str]:
        """The columns of one contact."""
        return (
            formatting.moment(row.at),
            kind_label(row.kind),
            row.topic,
            row.contact_person,
            row.agreements,
            duration_text(row.duration_seconds),
            row.clerk,
        )

    def identity(self, row: ContactRow) -> object:
        """The contact's id."""
        return row.id
