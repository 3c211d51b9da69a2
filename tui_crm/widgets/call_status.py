"""CallStatus: one line saying how the caller-ID listener's connection stands."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_crm.services.telephony.events import ListenerState, status_line


class CallStatus(Static):
    """``FRITZ!Box: connected``, ``Asterisk: reconnecting in 4 s (…)``; empty without a
    listener.

    The app's call controller calls :meth:`show` on every CallStatus of the screen stack
    when the state changes; a CallStatus mounted later asks the controller
    (``app.calls.listener_state``) for the state in force.
    """

    DEFAULT_CSS = """
    CallStatus {
        height: 1;
        width: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id)
        self.state: ListenerState | None = None
        """The state shown (None: no listener)."""

    def on_mount(self) -> None:
        """Show the state in force when mounted after the listener started."""
        self.display = False
        controller = getattr(self.app, "calls", None)
        state = getattr(controller, "listener_state", None)
        if isinstance(state, ListenerState):
            self.show(state)

    def show(self, state: ListenerState | None) -> None:
        """Show ``state`` (None clears the line); ``-down`` marks a lost connection and
        ``-failed`` one that needs the user (a refused password)."""
        self.state = state
        self.update(Content(status_line(state)) if state is not None else Content(""))
        down = state is not None and state.status in ("reconnecting", "failed")
        self.set_class(down, "-down")
        self.set_class(state is not None and state.status == "failed", "-failed")
        # Without a listener the line takes no room.
        self.display = state is not None
