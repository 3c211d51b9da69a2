"""The base of the caller-ID listeners: connect, read, report state, reconnect with backoff.

A listener runs in a thread of its own (:meth:`Listener.start`, or :meth:`Listener.run` in a
thread or ``asyncio.to_thread`` the UI owns) and hands every
:class:`~.events.CallUpdate` and :class:`~.events.ListenerState` to one callback, from that
thread. After a lost connection it waits 1, 2, 4 … up to 60 seconds between attempts (reset
once connected); a refused login is reported as ``failed`` and retried at the longest wait.
:meth:`Listener.stop` ends it within a fraction of a second.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from tui_crm.i18n import _
from tui_crm.services.telephony.events import (
    CallEvent,
    CallTracker,
    ListenerState,
    TelephonyEvent,
)

if TYPE_CHECKING:
    from tui_crm.config import Settings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
"""How often a blocked read wakes up to see whether the listener should stop."""


class ConnectionLost(Exception):
    """The connection ended or stopped answering; the listener reconnects."""


class LoginRefused(Exception):
    """The PBX refused the credentials; reported as ``failed``."""


class LineReader:
    """Reads CRLF- or LF-terminated lines from a socket, waking up to check ``stop``."""

    def __init__(self, sock: socket.socket, stop: threading.Event, encoding: str = "utf-8") -> None:
        self.sock = sock
        self.stop = stop
        self.encoding = encoding
        self._buffer = b""
        sock.settimeout(POLL_SECONDS)

    def read_line(self, wait: float | None = None) -> str | None:
        """The next line without its end; None when ``wait`` seconds passed without one, or
        the listener is stopping.

        Raises:
            ConnectionLost: The peer closed the connection or it broke.
        """
        deadline = None if wait is None else time.monotonic() + wait
        while b"\n" not in self._buffer:
            if self.stop.is_set():
                return None
            if deadline is not None and time.monotonic() >= deadline:
                return None
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as error:
                if self.stop.is_set():
                    return None
                raise ConnectionLost(
                    _("the connection broke: {error}").format(error=error.strerror or error)
                ) from None
            if not chunk:
                if self.stop.is_set():
                    return None
                raise ConnectionLost(_("the connection was closed by the other side"))
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.rstrip(b"\r").decode(self.encoding, errors="replace")


def keep_alive(sock: socket.socket) -> None:
    """Let TCP notice a peer that vanished without closing (a rebooted router)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        option = getattr(socket, name, None)
        if option is not None:
            sock.setsockopt(socket.IPPROTO_TCP, option, value)


class Listener(ABC):
    """Connects to a PBX's event stream and reports calls; subclasses speak the protocol.

    Args:
        host: Host of the PBX.
        port: Its port.
        on_event: Called (from the listener's thread) with each
            :class:`~.events.CallUpdate` and :class:`~.events.ListenerState`.
        connect_timeout: Seconds to wait for a connection.
        first_retry: Seconds before the first reconnect attempt (doubling each time).
        longest_retry: The longest wait between attempts.
    """

    source: ClassVar[str] = ""
    """``fritzbox`` or ``asterisk``."""

    def __init__(
        self,
        host: str,
        port: int,
        on_event: Callable[[TelephonyEvent], None],
        *,
        connect_timeout: float = 5.0,
        first_retry: float = 1.0,
        longest_retry: float = 60.0,
    ) -> None:
        self.host = host
        self.port = port
        self.on_event = on_event
        self.connect_timeout = connect_timeout
        self.first_retry = first_retry
        self.longest_retry = longest_retry
        self.tracker = CallTracker()
        self.state = ListenerState(self.source, "stopped", self.address)
        """The last state reported."""
        self._stop = threading.Event()
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        """``host:port``."""
        return f"{self.host}:{self.port}"

    def start(self) -> threading.Thread:
        """Run the listener in a daemon thread of its own; return the thread."""
        self._thread = threading.Thread(
            target=self.run, name=f"tui-crm {self.source} listener", daemon=True
        )
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening: close the connection and wait for the thread (if :meth:`start`ed)."""
        self._stop.set()
        with self._lock:
            if self._socket is not None:
                with contextlib.suppress(OSError):
                    self._socket.shutdown(socket.SHUT_RDWR)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def run(self) -> None:
        """Listen until :meth:`stop`: connect, read, and reconnect after every loss."""
        delay = self.first_retry
        self._report("connecting")
        while not self._stop.is_set():
            failed = False
            try:
                sock = socket.create_connection((self.host, self.port), self.connect_timeout)
            except TimeoutError:
                reason = _("no answer from {address}").format(address=self.address)
            except ConnectionRefusedError:
                reason = self.refused_reason()
            except OSError as error:
                reason = _("cannot reach {address}: {error}").format(
                    address=self.address, error=error.strerror or error
                )
            else:
                reason, failed, was_connected = self._serve(sock)
                if was_connected:
                    delay = self.first_retry
            if self._stop.is_set():
                break
            wait = self.longest_retry if failed else delay
            self._report("failed" if failed else "reconnecting", reason, wait)
            if self._stop.wait(wait):
                break
            delay = min(delay * 2, self.longest_retry)
        self._report("stopped")

    def _serve(self, sock: socket.socket) -> tuple[str, bool, bool]:
        """Run one connection; return ``(reason it ended, login refused, was connected)``."""
        with self._lock:
            self._socket = sock
        connected = False

        def ready() -> None:
            nonlocal connected
            connected = True
            self._report("connected")

        try:
            keep_alive(sock)
            self.session(sock, ready)
        except LoginRefused as refused:
            return str(refused), True, connected
        except ConnectionLost as lost:
            return str(lost) or _("the connection was lost"), False, connected
        except OSError as error:
            return str(error.strerror or error), False, connected
        finally:
            with self._lock:
                self._socket = None
            sock.close()
            self.tracker.clear()
        return _("the connection was lost"), False, connected

    def refused_reason(self) -> str:
        """What to say when the port refuses connections (subclasses add a hint)."""
        return _("{address} refused the connection").format(address=self.address)

    @abstractmethod
    def session(self, sock: socket.socket, ready: Callable[[], None]) -> None:
        """Speak the protocol on ``sock`` until the listener stops; call ``ready`` once
        connected (after a login).

        Raises:
            ConnectionLost: The connection ended.
            LoginRefused: The credentials were refused.
        """

    def handle(self, event: CallEvent) -> None:
        """Feed ``event`` to the tracker and report the updates it causes."""
        for update in self.tracker.feed(event):
            self._emit(update)

    def _report(self, status: str, reason: str = "", retry_in: float | None = None) -> None:
        self.state = ListenerState(self.source, status, self.address, reason, retry_in)
        self._emit(self.state)

    def _emit(self, event: TelephonyEvent) -> None:
        try:
            self.on_event(event)
        except Exception:
            # A failing handler must not end the listener: the next call still pops up.
            log.exception("telephony event handler failed on %r", event)


def make_listener(
    settings: Settings,
    on_event: Callable[[TelephonyEvent], None],
    *,
    extension: str = "",
) -> Listener | None:
    """The caller-ID listener ``[telephony] monitor`` names, not started; None for ``none``.

    Args:
        settings: The settings.
        on_event: Receives every call update and state change, from the listener's thread.
        extension: The clerk's extension (Asterisk: only calls to or from it are reported;
            empty: every call).
    """
    telephony = settings.telephony
    if telephony.monitor == "fritzbox":
        from tui_crm.services.telephony.fritz_monitor import FritzMonitor

        return FritzMonitor(
            telephony.fritzbox.host,
            telephony.fritzbox.monitor_port,
            on_event,
            connect_timeout=telephony.connect_timeout,
        )
    if telephony.monitor == "asterisk":
        from tui_crm.services.telephony.ami import AmiListener

        asterisk = telephony.asterisk
        return AmiListener(
            asterisk.host,
            asterisk.port,
            on_event,
            user=asterisk.user,
            secret=asterisk.secret,
            extension=extension or telephony.extension,
            connect_timeout=telephony.connect_timeout,
        )
    return None
