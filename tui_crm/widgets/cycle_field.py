"""CycleField: a one-line choice; Left and Right (or Space, or a click) step through it.

Much lighter than a drop-down: a dialog with several of them still opens within a frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from tui_crm import keys

Option = tuple[str, Any]
"""``(label, value)``: the label is plain text, never markup."""


class CycleField(Static, can_focus=True):
    """``< label >``: one option of a list shown at a time.

    Args:
        options: ``(label, value)`` pairs, at least one.
        value: The value chosen at the start (the first option if it is not listed).
        id: The widget id.
    """

    BINDINGS: ClassVar = list(keys.CHOICE_BINDINGS)
    DEFAULT_CSS = """
    CycleField {
        height: 1;
        width: 1fr;
    }
    """

    @dataclass
    class Changed(Message):
        """Another option was chosen."""

        cycle_field: CycleField
        """The field."""
        value: Any
        """The value chosen."""

        @property
        def control(self) -> CycleField:
            """The field (``@on`` selectors match it)."""
            return self.cycle_field

    def __init__(
        self,
        options: Sequence[Option],
        value: Any = None,
        *,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.options: list[Option] = list(options) or [("-", None)]
        """The options in order."""
        self.index = self._index_of(value)
        """The option shown."""

    def _index_of(self, value: Any) -> int:
        return next(
            (index for index, (_label, option) in enumerate(self.options) if option == value), 0
        )

    @property
    def value(self) -> Any:
        """The value chosen."""
        return self.options[self.index][1]

    @value.setter
    def value(self, value: Any) -> None:
        self.choose(self._index_of(value))

    @property
    def label(self) -> str:
        """The label shown."""
        return self.options[self.index][0]

    def set_options(self, options: Sequence[Option], value: Any = None) -> None:
        """Replace the options and choose ``value`` (else the first), without a message."""
        self.options = list(options) or [("-", None)]
        self.index = self._index_of(value)
        self.refresh()

    def render(self) -> Content:
        """``< label >``, the arrows dim when there is nothing to step to."""
        arrows = "$text-muted" if len(self.options) < 2 else "$accent"
        return Content.assemble(("< ", arrows), self.label, (" >", arrows))

    def choose(self, index: int) -> None:
        """Show the option at ``index`` (wrapping around) and say so."""
        index %= len(self.options)
        if index != self.index:
            self.index = index
            self.refresh()
            self.post_message(self.Changed(self, self.value))

    def action_next_choice(self) -> None:
        """The next option."""
        self.choose(self.index + 1)

    def action_previous_choice(self) -> None:
        """The previous option."""
        self.choose(self.index - 1)

    def on_click(self, event: events.Click) -> None:
        """A click on the left half steps back, anywhere else forward."""
        self.focus()
        if event.x < 2:
            self.action_previous_choice()
        else:
            self.action_next_choice()
