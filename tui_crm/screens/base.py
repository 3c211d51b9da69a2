"""CrmScreen: the base of every screen (worker errors, reload, unsaved-changes flag)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from tui_crm import keys
from tui_crm.config import Settings
from tui_crm.errors import CrmError
from tui_crm.i18n import _

if TYPE_CHECKING:
    from tui_crm.screens.calls import CallController

HEADER_ICON = "≡"
"""The header's icon: a glyph that the Windows console fonts and the Linux console have."""


class AppContext(Protocol):
    """What screens use of the app (the app module sits above the screens)."""

    settings: Settings
    """The effective settings."""
    clerk_id: int
    """Database id of the clerk working in this session."""
    calls: CallController
    """F12 and caller ID."""
    read_only: bool
    """Whether the clerk's role only reads (``inquiry``): write actions are hidden."""

    @property
    def today(self) -> date:
        """The current day (fixed in tests and snapshots)."""


WRITE_ACTIONS = frozenset(
    {
        "edit",
        "new_party",
        "convert",
        "save",
        "done",
        "postpone",
        "delete",
        "snooze",
        "letter",
        "start",
    }
)
"""Screen actions that change data: hidden (and refused by the services) for read-only roles."""

ACCOUNTING_ACTIONS = frozenset(
    {"pay", "toggle_block", "dunning_run", "confirm", "toggle_item", "toggle_all"}
)
"""Payments, the dunning run and the credit block: hidden (and refused by the services) for
roles without accounting."""


class CrmScreen(Screen[None]):
    """A screen of tui-crm."""

    BINDINGS = [keys.BACK]

    def may_run(self, action: str) -> bool:
        """False for an action that writes when the clerk's role only reads, and for the
        accounting actions when the role has no accounting."""
        if action in WRITE_ACTIONS and getattr(self.app, "read_only", False):
            return False
        return not (action in ACCOUNTING_ACTIONS and not getattr(self.app, "accounting", True))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the write actions from a read-only role (screens extend this)."""
        return self.may_run(action)

    _had_context = False

    @property
    def context(self) -> AppContext:
        """The running CrmApp's settings and clerk."""
        return cast(AppContext, self.app)

    @property
    def has_unsaved_changes(self) -> bool:
        """Whether the screen holds edits not yet saved (screens with edit modes override)."""
        return False

    def reload(self) -> object:
        """Load the screen's data again from the database (F5); screens with data override."""
        self.refresh(layout=True)
        return None

    def context_party(self) -> tuple[int, str] | None:
        """The customer in context (id and number) for F11 and log contact, or None.

        Screens with a customer (a highlighted hit, the inquiry, a selected follow-up)
        override this; it must answer without the database.
        """
        return None

    def context_phone(self) -> str:
        """A phone number in context that belongs to no customer (an unknown caller's), for
        F12; screens that show such numbers override this."""
        return ""

    def context_may_have_changed(self) -> None:
        """Grey F11 out or in when a customer came into context or went out of it.

        Only a change refreshes the key bar: rebuilding it on every search result cost more
        than the search itself.
        """
        has = self.context_party() is not None
        if has != self._had_context:
            self._had_context = has
            self.refresh_bindings()

    def data_changed(self) -> None:
        """Another process (or a dialog) wrote to the database: show fresh data.

        The app calls it on the topmost screen about a second after any commit; screens
        showing follow-ups, contacts or suggestions override it with a quiet reload.
        """

    def action_back(self) -> None:
        """Go back to the previous screen."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a worker that failed unexpectedly instead of quitting the app."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, CrmError):
            self.notify(error.msg, title=error.title, severity="error", markup=False)
        else:
            self.log.error(repr(error))
            self.notify(
                f"{type(error).__name__}: {error}",
                title=_("Unexpected error"),
                severity="error",
                markup=False,
            )


ResultT = TypeVar("ResultT")


class CrmModal(ModalScreen[ResultT]):
    """A dialog of tui-crm: reaches the app's settings, clerk and day as :attr:`context`."""

    @property
    def context(self) -> AppContext:
        """The running CrmApp's settings, clerk and day."""
        return cast(AppContext, self.app)
