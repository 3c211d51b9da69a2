"""CrmApp: app-wide bindings, keymap, themes and the screen stack."""

from __future__ import annotations

import gc
from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui_crm import keys, themes
from tui_crm.config import Settings
from tui_crm.db.connection import describe
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import CrmScreen
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.help import HelpModal
from tui_crm.screens.start import StartScreen


class CrmApp(App[None]):
    """The tui-crm application.

    Args:
        settings: The effective settings (config file and command line).
        clerk_id: Database id of the clerk working in this session.
    """

    CSS_PATH = STYLES / "app.tcss"
    TITLE = "tui-crm"
    BINDINGS = list(keys.APP_BINDINGS)
    COMMAND_PALETTE_BINDING = "ctrl+p"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, settings: Settings, clerk_id: int) -> None:
        super().__init__()
        self.settings = settings
        """The effective settings."""
        self.clerk_id = clerk_id
        """Database id of the clerk working in this session."""
        self.sub_title = f"{settings.clerk} · {describe(settings.database_url)}"
        for theme in themes.ALL:
            self.register_theme(theme)
        self.theme = settings.theme

    def on_mount(self) -> None:
        """Apply the keymap and show the start screen."""
        unknown = sorted(set(self.settings.keymap) - set(keys.BY_ID))
        if unknown:
            self.notify(
                _("Unknown key binding ids in the config: {ids}").format(ids=", ".join(unknown)),
                title=_("Config"),
                severity="warning",
                markup=False,
            )
        self.set_keymap({k: v for k, v in self.settings.keymap.items() if k in keys.BY_ID})
        self.push_screen(StartScreen())
        self.call_after_refresh(self._freeze_startup_objects)

    def _freeze_startup_objects(self) -> None:
        """Keep the start-up heap out of the garbage collector's full passes.

        Textual and the libraries leave hundreds of thousands of long-lived objects; scanning
        them made a full collection pause the UI for 50-110 ms at random keystrokes.
        """
        gc.collect()
        gc.freeze()

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: object) -> None:
        """Tell the clerk when a remapped key is already taken by another action."""
        names = ", ".join(sorted(binding.id or binding.action for binding in clashed_bindings))
        self.notify(
            _("Key remap clashes with existing keys: {names}").format(names=names),
            title=_("Config"),
            severity="warning",
            markup=False,
        )

    def effective_keys(self, binding: Binding) -> str:
        """The key string in force for ``binding`` (the keymap's, else the default)."""
        return self._keymap.get(binding.id or "", binding.key)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action by name with its keys, for the command palette."""
        actions = {
            "app.help": self.action_help,
            "app.search": self.action_search,
            "app.refresh": self.action_refresh,
            "app.theme": self.action_cycle_theme,
            "app.quit": self.action_quit_app,
        }
        for binding_id, callback in actions.items():
            binding = keys.BY_ID[binding_id]
            shown = ", ".join(
                keys.display(key) for key in keys.split_keys(self.effective_keys(binding))
            )
            yield SystemCommand(binding.description, shown, callback)
        from collections.abc import Callable
        from functools import partial

        from tui_crm.screens.new_party import NewPartyScreen

        def new_party(kind: str) -> None:
            self.push_screen(NewPartyScreen(kind))

        # The current screen's own actions (inquiry, edit mode), then new records anywhere.
        palette: tuple[Binding, ...] = getattr(screen, "PALETTE", ())
        commands: list[tuple[Binding, Callable[[], object]]] = [
            (binding, partial(screen.run_action, binding.action)) for binding in palette
        ]
        if keys.NEW_CUSTOMER not in palette:
            commands.append((keys.NEW_CUSTOMER, partial(new_party, "customer")))
            commands.append((keys.NEW_PROSPECT, partial(new_party, "prospect")))
        for binding, run in commands:
            if screen.check_action(binding.action.partition("(")[0], ()) is False:
                continue
            shown = ", ".join(
                keys.display(key) for key in keys.split_keys(self.effective_keys(binding))
            )
            yield SystemCommand(binding.description, shown, run)

    def action_help(self) -> None:
        """Show every key and its alternate."""
        if not isinstance(self.screen, HelpModal):
            self.push_screen(HelpModal())

    def action_search(self) -> None:
        """Go back to the start screen and focus the search field."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, StartScreen):
            self.pop_screen()
        if isinstance(self.screen, StartScreen):
            self.screen.focus_search()

    def action_refresh(self) -> None:
        """Reload the current screen's data."""
        screen = self.screen
        if isinstance(screen, CrmScreen):
            screen.reload()

    def action_cycle_theme(self) -> None:
        """Switch to the next of the three tui-crm themes."""
        names = [theme.name for theme in themes.ALL]
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(self.theme, title=_("Theme"), markup=False)

    def unsaved_screens(self) -> list[CrmScreen]:
        """Screens on the stack with edits not yet saved."""
        return [s for s in self.screen_stack if isinstance(s, CrmScreen) and s.has_unsaved_changes]

    def action_quit_app(self) -> None:
        """Quit, asking first when there are unsaved edits."""
        if not self.unsaved_screens():
            self.exit()
            return

        def answer(confirmed: bool | None) -> None:
            if confirmed:
                self.exit()

        self.push_screen(ConfirmModal(_("There are unsaved changes. Quit and lose them?")), answer)
