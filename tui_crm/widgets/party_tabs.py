"""PartyTabs: the tabs of the inquiry and the edit form, switched by name or in turn."""

from __future__ import annotations

from textual.widgets import TabbedContent

TAB_NAMES = ("main", "other", "personal", "contacts", "bank", "notes")
"""The tabs in order; pane ids are ``tab-<name>`` (Alt+1 … Alt+6)."""


class PartyTabs(TabbedContent):
    """TabbedContent with the party tabs' names and wrap-around switching."""

    def show_tab(self, name: str) -> None:
        """Show the tab ``name`` (one of :data:`TAB_NAMES`)."""
        if name in TAB_NAMES:
            self.active = f"tab-{name}"

    def step(self, offset: int) -> None:
        """Show the tab ``offset`` places on, wrapping around."""
        current = self.active.removeprefix("tab-")
        index = TAB_NAMES.index(current) if current in TAB_NAMES else 0
        self.active = f"tab-{TAB_NAMES[(index + offset) % len(TAB_NAMES)]}"

    @property
    def active_name(self) -> str:
        """The name of the tab shown."""
        return self.active.removeprefix("tab-")
