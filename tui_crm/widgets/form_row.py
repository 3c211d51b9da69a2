"""FormRow: a caption and one widget beside it, a line of a dialog."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label


class FormRow(Horizontal):
    """One line of a dialog: a caption, then ``widget``.

    Args:
        caption: The caption (plain text).
        widget: The input, choice or checkbox.
        id: The row's id.
    """

    DEFAULT_CSS = """
    FormRow {
        height: auto;
    }
    FormRow > .form-caption {
        width: 18;
    }
    """

    def __init__(self, caption: str, widget: Widget, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.caption = caption
        """The caption."""
        self.widget = widget
        """The widget beside it."""

    def compose(self) -> ComposeResult:
        """Caption and widget."""
        yield Label(self.caption, classes="form-caption", markup=False)
        yield self.widget
