"""The FRITZ!Box call monitor: TCP port 1012, one ``;``-separated line per call event.

Switched on by dialling ``#96*5*`` on a phone of the box. The lines::

    28.11.25 15:17:43;RING;0;07755883334;883300;SIP0;            incoming: caller, called
    28.11.25 15:18:01;CALL;1;10;883300;07755883334;SIP0;         outgoing: extension, own, called
    28.11.25 15:17:50;CONNECT;0;10;07755883334;                  answered: extension, number
    28.11.25 15:19:12;DISCONNECT;0;82;                           ended: seconds connected
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import datetime

from tui_crm.i18n import _
from tui_crm.services.telephony.events import CallEvent
from tui_crm.services.telephony.listener import LineReader, Listener

log = logging.getLogger(__name__)

SOURCE = "fritzbox"
"""The :attr:`~.events.CallEvent.source` of this monitor."""


def parse_line(line: str) -> CallEvent | None:
    """The event of one call-monitor line; None for a line that is not one (logged)."""
    parts = line.strip().split(";")
    if len(parts) < 4:
        if line.strip():
            log.warning("FRITZ!Box call monitor: unreadable line %r", line)
        return None
    try:
        at = datetime.strptime(parts[0].strip(), "%d.%m.%y %H:%M:%S")
    except ValueError:
        log.warning("FRITZ!Box call monitor: unreadable time in %r", line)
        return None
    kind, call_id = parts[1].strip().upper(), parts[2].strip()

    def part(index: int) -> str:
        return parts[index].strip() if index < len(parts) else ""

    if kind == "RING":
        return CallEvent("ring", call_id, at, part(3), part(4), part(5), source=SOURCE)
    if kind == "CALL":
        return CallEvent("call", call_id, at, part(5), part(3), part(6), source=SOURCE)
    if kind == "CONNECT":
        return CallEvent("connect", call_id, at, part(4), part(3), source=SOURCE)
    if kind == "DISCONNECT":
        seconds = part(3)
        duration = int(seconds) if seconds.isdigit() else None
        return CallEvent("disconnect", call_id, at, duration_seconds=duration, source=SOURCE)
    log.warning("FRITZ!Box call monitor: unknown event in %r", line)
    return None


class FritzMonitor(Listener):
    """Listens to the FRITZ!Box call monitor (see the module docstring for the lines)."""

    source = SOURCE

    def refused_reason(self) -> str:
        """Refused: the call monitor is off."""
        return _(
            "{address} refused the connection: switch the call monitor on by dialling #96*5*"
        ).format(address=self.address)

    def session(self, sock: socket.socket, ready: Callable[[], None]) -> None:
        """Read lines until stopped; the monitor sends no greeting, so it is ready at once."""
        reader = LineReader(sock, self._stop, encoding="latin-1")
        ready()
        while not self.stopping:
            line = reader.read_line()
            if line is None:
                continue
            event = parse_line(line)
            if event is not None:
                self.handle(event)
