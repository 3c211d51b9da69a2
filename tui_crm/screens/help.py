"""HelpModal: every key, its alternate chord and any remap from the config."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from tui_crm import keys
from tui_crm.i18n import _
from tui_crm.paths import STYLES


class HelpModal(ModalScreen[None]):
    """A table of every action with its keys."""

    CSS_PATH = STYLES / "dialogs.tcss"
    BINDINGS = [keys.CLOSE]

    def compose(self) -> ComposeResult:
        """Title, key table and a hint."""
        with Vertical(id="help-box"):
            yield Label(_("Keys"), id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Label(
                _("Remap keys in the [keymap] section of the config file, by id."),
                id="help-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        """Fill the table from :data:`tui_crm.keys.ALL` and the app's keymap."""
        table: DataTable[Text] = self.query_one("#help-keys", DataTable)
        table.add_columns(_("Action"), _("Keys"), _("Id"))
        remapped = _("remapped, default: {keys}")
        for binding in keys.ALL:
            effective = self.app._keymap.get(binding.id or "", binding.key)
            shown = ", ".join(keys.display(key) for key in keys.split_keys(effective))
            if effective != binding.key:
                default = ", ".join(keys.display(key) for key in keys.split_keys(binding.key))
                shown += "  (" + remapped.format(keys=default) + ")"
            table.add_row(Text(binding.description), Text(shown), Text(binding.id or ""))
        table.focus()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
