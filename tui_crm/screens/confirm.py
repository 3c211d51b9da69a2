"""ConfirmModal: a yes/no question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui_crm import keys
from tui_crm.i18n import _
from tui_crm.paths import STYLES


class ConfirmModal(ModalScreen[bool]):
    """Ask a question; dismiss with True for yes.

    Args:
        question: The question, shown literally (no markup).
    """

    CSS_PATH = STYLES / "dialogs.tcss"
    BINDINGS = [keys.CONFIRM_YES, keys.CONFIRM_NO]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question
        """The question asked."""

    def compose(self) -> ComposeResult:
        """A question and two buttons."""
        with Vertical(id="confirm-box"):
            yield Label(self.question, id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(_("Yes"), id="confirm-yes", variant="error")
                yield Button(_("No"), id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        """Focus the safe answer."""
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the pressed button."""
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, value: bool) -> None:
        """Answer from a key."""
        self.dismiss(value)
