"""ChoiceField: a caption and a list to choose from (customer group, price list …)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Select


class ChoiceField(Horizontal):
    """One line of a form: caption and a compact choice list; blank means none.

    Args:
        field: The name of the value (``group_id`` …).
        caption: The caption.
        value: The id chosen at the start, or None.
    """

    DEFAULT_CSS = """
    ChoiceField {
        height: auto;
    }
    ChoiceField > .form-caption {
        width: 26;
    }
    ChoiceField > Select {
        width: 42;
    }
    """

    def __init__(self, field: str, caption: str, value: int | None) -> None:
        super().__init__(id=f"field-{field}")
        self.field = field
        """The name of the value."""
        self.caption = caption
        """The caption."""
        self.initial = value
        """The id the field started with."""
        self.loaded = False
        """Whether the choices are there (before that the value is :attr:`initial`)."""

    def compose(self) -> ComposeResult:
        """Caption and list."""
        yield Label(self.caption, classes="form-caption", markup=False)
        yield Select[int]([], prompt="-", allow_blank=True, compact=True)

    def set_choices(self, options: list[tuple[str, int]]) -> None:
        """Fill the list and select the starting value."""
        select: Select[int] = self.query_one(Select)
        select.set_options(options)
        if self.initial is not None and any(value == self.initial for _, value in options):
            select.value = self.initial
        self.loaded = True

    @property
    def value(self) -> int | None:
        """The id chosen, or None."""
        if not self.loaded:
            return self.initial
        value = self.query_one(Select).value
        return value if isinstance(value, int) else None
