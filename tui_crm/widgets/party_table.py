"""PartyTable: a list of customers and prospects (number, name, city, phone, kind, blocked)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from tui_crm import formatting
from tui_crm.i18n import _
from tui_crm.services.customers import PartyRow


class PartyTable(DataTable[Text]):
    """A bounded list of :class:`PartyRow`; the row key is the party number.

    Cells are :class:`rich.text.Text`, so names like ``[bold]x[/]`` show literally.
    """

    def on_mount(self) -> None:
        """Set up the columns."""
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column(_("No."), key="number", width=8)
        self.add_column(_("Name"), key="name", width=34)
        self.add_column(_("City"), key="city", width=18)
        self.add_column(_("Phone"), key="phone", width=18)
        self.add_column(_("Kind"), key="kind", width=10)
        self.add_column(_("Balance"), key="balance", width=12)
        self.add_column("", key="blocked", width=8)

    def show(self, rows: list[PartyRow]) -> None:
        """Replace the shown rows."""
        self.clear()
        kinds = {"customer": _("Customer"), "prospect": _("Prospect")}
        for row in rows:
            self.add_row(
                Text(row.number),
                Text(row.name),
                Text(row.city),
                Text(row.phone),
                Text(kinds.get(row.kind, row.kind)),
                Text(formatting.money(row.balance) if row.balance else "", justify="right"),
                Text(_("BLOCKED"), style="bold red") if row.blocked else Text(""),
                key=row.number,
            )

    @property
    def selected_number(self) -> str | None:
        """The number of the highlighted party, or None when the list is empty."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None
