"""ConflictModal: another clerk saved the same customer; choose per field whose value stays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from tui_crm import keys
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.services.editing import FieldConflict, field_label

Describe = Callable[[str, Any], str]
"""Shows a value of a field the way a clerk reads it."""


class ConflictModal(ModalScreen[frozenset[str] | None]):
    """The fields that differ, with the value before, the other clerk's and mine.

    Dismisses with the names of the fields where *my* value is to be saved, or None to go
    back to the form without saving. Fields only the other clerk changed start on theirs,
    fields both changed start on mine.

    Args:
        conflicts: The differing fields.
        describe: Shows a value for the clerk.
    """

    CSS_PATH = STYLES / "dialogs.tcss"
    BINDINGS = [
        keys.CONFLICT_TOGGLE,
        keys.CONFLICT_MINE,
        keys.CONFLICT_THEIRS,
        keys.SAVE,
        keys.BACK,
    ]

    def __init__(self, conflicts: tuple[FieldConflict, ...], describe: Describe) -> None:
        super().__init__()
        self.conflicts = conflicts
        """The differing fields."""
        self.describe = describe
        """Shows a value for the clerk."""
        self.take_mine = {conflict.field for conflict in conflicts if conflict.both_changed}
        """The fields where my value is to be saved."""

    def compose(self) -> ComposeResult:
        """Explanation, the table of fields, and the keys."""
        with Vertical(id="conflict-box"):
            yield Label(
                _("Another clerk saved this customer while you were editing it."),
                id="conflict-title",
                markup=False,
            )
            yield Label(
                _("Choose for each field which value to keep; nothing is lost until you save."),
                id="conflict-help",
                markup=False,
            )
            yield DataTable(id="conflict-fields", cursor_type="row", zebra_stripes=True)
            yield Label(
                _(
                    "Space: mine / theirs · M: all mine · T: all theirs · "
                    "F10 or Ctrl+S: save · Esc: back to the form"
                ),
                id="conflict-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        """Fill the table."""
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_column(_("Field"), key="field")
        table.add_column(_("Before"), key="old")
        table.add_column(_("Saved by the other clerk"), key="theirs")
        table.add_column(_("Yours"), key="mine")
        table.add_column(_("Keep"), key="keep")
        for conflict in self.conflicts:
            table.add_row(
                Text(field_label(conflict.field)),
                Text(self.describe(conflict.field, conflict.old)),
                Text(self.describe(conflict.field, conflict.theirs)),
                Text(self.describe(conflict.field, conflict.mine)),
                self.keep_text(conflict.field),
                key=conflict.field,
            )
        table.focus()

    def keep_text(self, name: str) -> Text:
        """The choice of a field, as shown in the table."""
        if name in self.take_mine:
            return Text(_("yours"), style="bold")
        return Text(_("theirs"))

    def _show(self, name: str) -> None:
        self.query_one(DataTable).update_cell(name, "keep", self.keep_text(name))

    def action_toggle_choice(self) -> None:
        """Switch the highlighted field between theirs and mine."""
        table: DataTable[Text] = self.query_one(DataTable)
        if not table.row_count:
            return
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.take_mine.symmetric_difference_update({name})
        self._show(name)

    def action_take_all(self, which: str) -> None:
        """Keep my value (``mine``) or theirs in every field."""
        self.take_mine = (
            {conflict.field for conflict in self.conflicts} if which == "mine" else set()
        )
        for conflict in self.conflicts:
            self._show(conflict.field)

    def action_save(self) -> None:
        """Save with the choices made."""
        self.dismiss(frozenset(self.take_mine))

    def action_back(self) -> None:
        """Back to the form without saving."""
        self.dismiss(None)
