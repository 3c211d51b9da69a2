"""FormField: a caption, an input and, next to it, what is wrong with the value typed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

from tui_crm.errors import ValidationError

Parser = Callable[[str], Any]
"""Turns the text typed into the value to store, or raises ValidationError."""


class FormField(Horizontal):
    """One line of a form: caption, input, and the validation message beside it.

    The value is checked when the field loses focus and when the form is saved; once a
    message shows, every keystroke checks again, so it goes away as soon as the value is right.

    Args:
        field: The name of the value (``postcode``, ``phone-0`` …).
        caption: The caption left of the input.
        value: The text to start with.
        parse: Checks and converts the text; empty text is not parsed.
        required: Whether empty text is an error.
        required_message: The message for empty text when ``required``.
        placeholder: A hint shown in the empty input.
        max_length: The most characters (0: no limit).
    """

    DEFAULT_CSS = """
    FormField {
        height: auto;
    }
    FormField > .form-caption {
        width: 26;
    }
    FormField > Input {
        width: 42;
    }
    FormField > .form-error {
        width: 1fr;
        padding: 0 1;
    }
    """

    @dataclass
    class Changed(Message):
        """The text of a field changed (for checks across fields, such as duplicates)."""

        form_field: FormField
        """The field."""

    def __init__(
        self,
        field: str,
        caption: str,
        value: str = "",
        *,
        parse: Parser | None = None,
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
        self.required = required
        """Whether empty text is an error."""
        self.required_message = required_message
        """The message for empty text."""
        self.placeholder = placeholder
        """Hint in the empty input."""
        self.max_length = max_length
        """The most characters."""
        self.error = ""
        """The message shown now (empty when the value is fine or not checked yet)."""

    def compose(self) -> ComposeResult:
        """Caption, input, message."""
        yield from self.compose_caption()
        yield Input(
            self.initial,
            placeholder=self.placeholder,
            max_length=self.max_length,
            compact=True,
            select_on_focus=False,
        )
        yield Label("", classes="form-error", markup=False)

    def compose_caption(self) -> Iterable[Widget]:
        """The caption (a subclass may put a choice there instead)."""
        yield Label(self.caption, classes="form-caption", markup=False)

    @property
    def input(self) -> Input:
        """The input widget."""
        return self.query_one(Input)

    @property
    def text(self) -> str:
        """The text typed, without surrounding spaces."""
        return self.input.value.strip()

    @property
    def changed(self) -> bool:
        """Whether the text differs from what the field started with."""
        return self.input.value.strip() != self.initial.strip()

    def value(self, *, show: bool = True) -> Any:
        """The checked value (None for empty optional text).

        Args:
            show: Whether to show (or clear) the message beside the input.

        Raises:
            ValidationError: The text is not acceptable.
        """
        text = self.text
        try:
            if not text:
                if self.required:
                    raise ValidationError(self.required_message or self.caption)
                result: Any = None
            else:
                result = self.parse(text) if self.parse else text
        except ValidationError as error:
            if show:
                self.show_error(error.msg)
            raise
        if show:
            self.show_error("")
        return result

    def check(self) -> bool:
        """Check the text and show or clear the message; return whether it is fine."""
        try:
            self.value()
        except ValidationError:
            return False
        return True

    def show_error(self, message: str) -> None:
        """Show ``message`` beside the input (empty: clear it)."""
        self.error = message
        self.set_class(bool(message), "-invalid")
        self.query_one(".form-error", Label).update(message)

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        event.stop()
        self.check()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.error:
            self.check()
        self.post_message(self.Changed(self))
