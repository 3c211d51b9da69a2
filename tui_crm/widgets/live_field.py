"""LiveField: a caption, an input and, beside it, what the text means as it is typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label

from tui_crm.errors import ValidationError

Describe = Callable[[Any], str]
"""Turns the parsed value into the text shown beside the input."""


class LiveField(Horizontal):
    """One line of a dialog: caption, input, and the resolved value or the problem.

    Every keystroke parses the text again: ``+3`` shows ``Sun 29/11/2026 (in 3 days)``
    beside the input, ``+3x`` shows what to type instead. Nothing raises into the app.

    Args:
        field: The name of the value (``due``, ``time`` …); the widget id is ``field-<name>``.
        caption: The caption left of the input.
        value: The text to start with.
        parse: Checks and converts the text (raises ValidationError); empty text is not parsed.
        describe: Shows the parsed value.
        hint: What shows beside an empty input.
        required: Whether empty text is an error.
        required_message: The message for empty text when ``required``.
        placeholder: A hint inside the empty input.
        max_length: The most characters (0: no limit).
    """

    DEFAULT_CSS = """
    LiveField {
        height: auto;
    }
    LiveField > .form-caption {
        width: 18;
    }
    LiveField > Input {
        width: 24;
    }
    LiveField > .live-preview {
        width: 1fr;
        padding: 0 1;
    }
    """

    @dataclass
    class Changed(Message):
        """The text changed (the dialog may update other fields)."""

        live_field: LiveField
        """The field."""

        @property
        def control(self) -> LiveField:
            """The field (``@on`` selectors match it)."""
            return self.live_field

    def __init__(
        self,
        field: str,
        caption: str,
        value: str = "",
        *,
        parse: Callable[[str], Any],
        describe: Describe = str,
        hint: str = "",
        required: bool = False,
        required_message: str = "",
        placeholder: str = "",
        max_length: int = 0,
    ) -> None:
        super().__init__(id=f"field-{field}")
        self.field = field
        """The name of the value."""
        self.caption = caption
        """The caption."""
        self.initial = value
        """The text the field started with."""
        self.parse = parse
        """Checks and converts the text."""
        self.describe = describe
        """Shows the parsed value."""
        self.hint = hint
        """Beside an empty input."""
        self.required = required
        """Whether empty text is an error."""
        self.required_message = required_message
        """The message for empty text."""
        self.placeholder = placeholder
        """Hint inside the empty input."""
        self.max_length = max_length
        """The most characters."""
        self.error = ""
        """The problem shown now (empty when the text is fine)."""

    def compose(self) -> ComposeResult:
        """Caption, input, preview."""
        yield Label(self.caption, classes="form-caption", markup=False)
        yield Input(
            self.initial,
            placeholder=self.placeholder,
            max_length=self.max_length,
            compact=True,
            select_on_focus=True,
        )
        yield Label("", classes="live-preview", markup=False)

    def on_mount(self) -> None:
        """Show what the starting text means."""
        self.update_preview()

    @property
    def input(self) -> Input:
        """The input widget."""
        return self.query_one(Input)

    @property
    def text(self) -> str:
        """The text typed, without surrounding spaces."""
        return self.input.value.strip()

    def value(self) -> Any:
        """The parsed value (None for empty optional text).

        Raises:
            ValidationError: The text is not acceptable.
        """
        text = self.text
        if not text:
            if self.required:
                raise ValidationError(self.required_message or self.caption)
            return None
        return self.parse(text)

    def update_preview(self) -> None:
        """Parse the text and show the value or the problem beside the input."""
        try:
            value = self.value()
        except ValidationError as error:
            self.error = error.msg
            shown = error.msg
        else:
            self.error = ""
            shown = self.hint if value is None else self.describe(value)
        self.set_class(bool(self.error), "-invalid")
        self.query_one(".live-preview", Label).update(shown)

    def set_text(self, text: str) -> None:
        """Replace the text (the preview follows)."""
        self.input.value = text
        self.update_preview()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.update_preview()
        self.post_message(self.Changed(self))
