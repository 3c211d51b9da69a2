"""PartyTabs: the tabs of the inquiry and the edit form, switched by name or in turn."""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane

TAB_NAMES = (
    "main",
    "other",
    "personal",
    "contacts",
    "bank",
    "log",
    "follow_ups",
    "history",
    "account",
    "sales",
    "notes",
    "documents",
    "correspondence",
)
"""The tabs in order; pane ids are ``tab-<name>`` (Alt+1 … Alt+9). The edit form has only
some of them; in the edit form the notes are last, so Ctrl+PgUp from its first tab lands on
them (the inquiry's further tabs follow the notes)."""


class PartyTabs(TabbedContent):
    """TabbedContent with the party tabs' names and wrap-around switching."""

    def show_tab(self, name: str) -> None:
        """Show the tab ``name`` (one of :data:`TAB_NAMES`)."""
        if name in self.names:
            self.active = f"tab-{name}"

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the tabs this instance has, in order."""
        present = {pane.id for pane in self.query(TabPane)}
        return tuple(name for name in TAB_NAMES if f"tab-{name}" in present)

    def step(self, offset: int) -> None:
        """Show the tab ``offset`` places on, wrapping around."""
        names = self.names or TAB_NAMES
        current = self.active.removeprefix("tab-")
        index = names.index(current) if current in names else 0
        self.active = f"tab-{names[(index + offset) % len(names)]}"

    @property
    def active_name(self) -> str:
        """The name of the tab shown."""
        return self.active.removeprefix("tab-")
