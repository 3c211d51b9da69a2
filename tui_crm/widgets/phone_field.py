"""PhoneField: a phone number with its kind (phone, mobile, fax, other) and its check."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Select

from tui_crm.widgets.form_field import FormField, Parser


class PhoneField(FormField):
    """A form line whose caption is the kind of number, chosen from a list.

    Args:
        field: The name of the value (``phone-0`` …).
        kinds: ``(label, kind)`` choices.
        kind: The kind to start with.
        value: The number as shown (national format).
        parse: Checks the number and returns it in E.164.
    """

    DEFAULT_CSS = """
    PhoneField > Select {
        width: 26;
    }
    """

    def __init__(
        self,
        field: str,
        kinds: list[tuple[str, str]],
        kind: str,
        value: str = "",
        *,
        parse: Parser | None = None,
    ) -> None:
        super().__init__(field, "", value, parse=parse)
        self.kinds = kinds
        """The choices of kind."""
        self.initial_kind = kind
        """The kind the field started with."""

    def compose_caption(self) -> Iterable[Widget]:
        """The kind of number."""
        yield Select(self.kinds, value=self.initial_kind, allow_blank=False, compact=True)

    @property
    def kind(self) -> str:
        """The kind chosen."""
        value = self.query_one(Select).value
        return value if isinstance(value, str) else self.initial_kind

    @property
    def changed(self) -> bool:
        """Whether the number or its kind differs from the start."""
        return self.input.value.strip() != self.initial.strip() or self.kind != self.initial_kind
