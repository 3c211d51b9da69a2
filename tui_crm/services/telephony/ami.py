"""The Asterisk Manager Interface (AMI): a small client, Originate, and the event listener.

AMI speaks ``Key: Value`` lines in blocks ending with a blank line, after a banner line
``Asterisk Call Manager/<version>``. Actions carry an ``ActionID`` that their ``Response``
repeats; events (``Event: DialBegin``) come in between. Values are checked for line breaks,
so nothing read from the database can add a header of its own.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime

from tui_crm.i18n import _
from tui_crm.services.telephony.errors import (
    DialFailed,
    PbxRefused,
    PbxTimeout,
    PbxUnreachable,
)
from tui_crm.services.telephony.events import CallEvent, TelephonyEvent
from tui_crm.services.telephony.listener import (
    ConnectionLost,
    LineReader,
    Listener,
    LoginRefused,
)

SOURCE = "asterisk"
"""The :attr:`~.events.CallEvent.source` of AMI events."""

BANNER = "Asterisk Call Manager/"
"""How an AMI greeting starts."""


def originate_reason(code: str) -> str:
    """The ``Reason`` of an ``OriginateResponse`` (Asterisk's ``AST_CONTROL_*``) in words."""
    reasons = {
        "0": _("not reachable"),
        "1": _("hung up"),
        "3": _("no answer"),
        "4": _("answered"),
        "5": _("busy"),
        "8": _("congestion"),
    }
    return reasons.get(code, code)


Message = dict[str, str]
"""One AMI block, keys lower-cased."""


def _check_value(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise DialFailed(
            _("The AMI field {name} contains a line break; refused.").format(name=name),
            title=_("Call"),
        )
    return value


class AmiConnection:
    """One AMI session on a connected socket (blocking, for one thread).

    Args:
        sock: A connected socket.
        stop: Set to abandon blocking reads.
        address: ``host:port`` for messages.
    """

    _ids = itertools.count(1)

    def __init__(self, sock: socket.socket, stop: threading.Event, address: str) -> None:
        self.sock = sock
        self.address = address
        self.reader = LineReader(sock, stop)
        self.events: list[Message] = []
        """Events read while waiting for a response, oldest first (if :attr:`keep_events`)."""
        self.keep_events = True
        """Whether :meth:`wait_for` keeps the events it passes over."""

    def read_banner(self, wait: float) -> str:
        """Read the greeting.

        Raises:
            PbxUnreachable: The port is no AMI.
            PbxTimeout: No greeting within ``wait`` seconds.
        """
        try:
            line = self.reader.read_line(wait)
        except ConnectionLost:
            raise PbxUnreachable(
                _("{address} closed the connection at once.").format(address=self.address),
                title=_("Asterisk"),
            ) from None
        if line is None:
            raise PbxTimeout(
                _("{address} did not greet as Asterisk does.").format(address=self.address),
                title=_("Asterisk"),
            )
        if not line.startswith(BANNER):
            raise PbxUnreachable(
                _("{address} is not an Asterisk manager interface.").format(address=self.address),
                title=_("Asterisk"),
            )
        return line

    def send(self, action: str, fields: dict[str, str] | None = None) -> str:
        """Send an action; return its ActionID."""
        action_id = f"tui-crm-{next(self._ids)}"
        lines = [f"Action: {_check_value('Action', action)}", f"ActionID: {action_id}"]
        for name, value in (fields or {}).items():
            lines.append(f"{name}: {_check_value(name, value)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        return action_id

    def read_message(self, wait: float | None = None) -> Message | None:
        """The next block; None when ``wait`` passed (or the reader is stopping) first.

        Raises:
            ConnectionLost: The connection ended.
        """
        message: Message = {}
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            line = self.reader.read_line(left)
            if line is None:
                return None
            if not line.strip():
                if message:
                    return message
                continue
            name, _colon, value = line.partition(":")
            message[name.strip().lower()] = value.strip()

    def wait_for(self, match: Callable[[Message], bool], wait: float) -> Message | None:
        """The first block ``match`` accepts within ``wait`` seconds; others are kept in
        :attr:`events`."""
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            message = self.read_message(left)
            if message is None:
                return None
            if match(message):
                return message
            if "event" in message and self.keep_events:
                self.events.append(message)

    def request(self, action: str, fields: dict[str, str], wait: float) -> Message | None:
        """Send an action and wait for its ``Response`` (None on timeout)."""
        action_id = self.send(action, fields)
        return self.wait_for(
            lambda message: "response" in message and message.get("actionid") == action_id, wait
        )

    def login(self, user: str, secret: str, wait: float, *, events: str = "off") -> None:
        """Log in.

        Raises:
            LoginRefused: The user or secret is wrong.
            PbxTimeout: No answer in time.
        """
        answer = self.request("Login", {"Username": user, "Secret": secret, "Events": events}, wait)
        if answer is None:
            raise PbxTimeout(
                _("Asterisk did not answer the login within {seconds} s.").format(
                    seconds=round(wait)
                ),
                title=_("Asterisk"),
            )
        if answer.get("response", "").lower() != "success":
            raise LoginRefused(
                _("Asterisk refused the AMI user {user} or its secret ({message}).").format(
                    user=user, message=answer.get("message", "")
                )
            )

    def logoff(self) -> None:
        """Say goodbye (errors ignored: the socket is closed next anyway)."""
        with contextlib.suppress(OSError):
            self.send("Logoff")


def originate(
    host: str,
    port: int,
    user: str,
    secret: str,
    *,
    channel: str,
    exten: str,
    context: str,
    caller_id: str,
    variables: dict[str, str],
    connect_timeout: float,
    dial_timeout: float,
    ring_timeout: float,
) -> Message:
    """Ring ``channel`` (the clerk's phone) and, once answered, dial ``exten`` in ``context``.

    Waits for the ``OriginateResponse``: the clerk's phone was answered (the number is being
    dialled) or not.

    Returns:
        The ``OriginateResponse`` block (``uniqueid``, ``channel`` …).

    Raises:
        PbxUnreachable: No connection, or the port is no AMI.
        PbxRefused: Wrong user or secret.
        PbxTimeout: Asterisk did not answer in time.
        DialFailed: Asterisk refused the originate, or the phone did not answer.
    """
    address = f"{host}:{port}"
    title = _("Asterisk")
    try:
        sock = socket.create_connection((host, port), connect_timeout)
    except TimeoutError:
        raise PbxTimeout(
            _("Asterisk at {address} does not answer.").format(address=address), title=title
        ) from None
    except OSError as error:
        raise PbxUnreachable(
            _("Cannot reach Asterisk at {address}: {error}").format(
                address=address, error=error.strerror or error
            ),
            title=title,
        ) from None
    connection = AmiConnection(sock, threading.Event(), address)
    connection.keep_events = False
    try:
        connection.read_banner(dial_timeout)
        try:
            # OriginateResponse is a "call" event: a session with events off never sees it.
            connection.login(user, secret, dial_timeout, events="call")
        except LoginRefused as refused:
            raise PbxRefused(str(refused), title=title) from None
        fields = {
            "Channel": channel,
            "Exten": exten,
            "Context": context,
            "Priority": "1",
            "Timeout": str(int(ring_timeout * 1000)),
            "Async": "true",
        }
        if caller_id:
            fields["CallerID"] = caller_id
        if variables:
            fields["Variable"] = ",".join(f"{name}={value}" for name, value in variables.items())
        action_id = connection.send("Originate", fields)
        answer = connection.wait_for(
            lambda message: "response" in message and message.get("actionid") == action_id,
            dial_timeout,
        )
        if answer is None:
            raise PbxTimeout(
                _("Asterisk did not answer the call request within {seconds} s.").format(
                    seconds=round(dial_timeout)
                ),
                title=title,
            )
        if answer.get("response", "").lower() != "success":
            raise DialFailed(
                _("Asterisk refused the call: {message}").format(message=answer.get("message", "")),
                title=title,
            )
        result = connection.wait_for(
            lambda message: (
                message.get("event", "").lower() == "originateresponse"
                and message.get("actionid") == action_id
            ),
            ring_timeout + dial_timeout,
        )
        if result is None:
            raise PbxTimeout(
                _("Asterisk did not report within {seconds} s whether your phone answered.").format(
                    seconds=round(ring_timeout + dial_timeout)
                ),
                title=title,
            )
        if result.get("response", "").lower() != "success":
            reason = originate_reason(result.get("reason", ""))
            raise DialFailed(
                _("Your phone {channel} did not take the call ({reason}).").format(
                    channel=channel, reason=reason
                ),
                title=title,
            )
        connection.logoff()
        return result
    except ConnectionLost:
        raise PbxUnreachable(
            _("Asterisk at {address} closed the connection.").format(address=address),
            title=title,
        ) from None
    except OSError as error:
        raise PbxUnreachable(
            _("Cannot reach Asterisk at {address}: {error}").format(
                address=address, error=error.strerror or error
            ),
            title=title,
        ) from None
    finally:
        sock.close()


class AmiListener(Listener):
    """Listens to Asterisk call events (``DialBegin``, ``DialEnd``, ``Hangup``).

    A call is identified by its ``Linkedid``. ``DialBegin`` towards a phone is a ring (the
    caller is ``CallerIDNum``), from the clerk's own extension an outgoing call;
    ``DialEnd`` with ``DialStatus: ANSWER`` connects it; the ``Hangup`` of its first channel
    ends it. The listener pings every :attr:`ping_every` seconds and reconnects when no
    answer comes.

    Args:
        user: AMI user.
        secret: Its secret.
        extension: Report only calls ringing at or dialled from this extension (empty: all).
        ping_every: Seconds of silence before a ``Ping``.
    """

    source = SOURCE

    def __init__(
        self,
        host: str,
        port: int,
        on_event: Callable[[TelephonyEvent], None],
        *,
        user: str,
        secret: str,
        extension: str = "",
        ping_every: float = 20.0,
        **options: float,
    ) -> None:
        super().__init__(host, port, on_event, **options)
        self.user = user
        self.secret = secret
        self.extension = extension
        self.ping_every = ping_every

    def session(self, sock: socket.socket, ready: Callable[[], None]) -> None:
        """Greeting, login with call events, then events until stopped."""
        connection = AmiConnection(sock, self._stop, self.address)
        try:
            connection.read_banner(self.connect_timeout)
            connection.login(self.user, self.secret, self.connect_timeout, events="call")
        except (PbxUnreachable, PbxTimeout) as failure:
            raise ConnectionLost(failure.msg) from None
        ready()
        for queued in connection.events:
            self._event(queued)
        connection.events.clear()
        pinged: float | None = None
        while not self.stopping:
            message = connection.read_message(self.ping_every)
            if message is None:
                if self.stopping:
                    break
                if pinged is not None:
                    raise ConnectionLost(_("Asterisk stopped answering"))
                connection.send("Ping")
                pinged = time.monotonic()
                continue
            pinged = None
            if "event" in message:
                self._event(message)
        connection.logoff()

    def _ours(self, *values: str) -> bool:
        if not self.extension:
            return False
        return any(
            value == self.extension or f"/{self.extension}-" in value for value in values if value
        )

    def _event(self, message: Message) -> None:
        name = message.get("event", "").lower()
        call_id = message.get("linkedid") or message.get("uniqueid", "")
        at = datetime.now().replace(microsecond=0)
        if name == "dialbegin":
            caller = message.get("calleridnum", "")
            target = message.get("destexten") or message.get("destcalleridnum", "")
            if self._ours(message.get("channel", ""), caller):
                self.handle(CallEvent("call", call_id, at, target, caller, source=SOURCE))
                return
            if self.extension and not self._ours(
                message.get("destchannel", ""),
                message.get("destcalleridnum", ""),
                message.get("destexten", ""),
            ):
                return
            remote = "" if caller.lower() in ("", "<unknown>", "anonymous") else caller
            self.handle(CallEvent("ring", call_id, at, remote, target, source=SOURCE))
        elif name == "dialend" and message.get("dialstatus", "").upper() == "ANSWER":
            local = message.get("destcalleridnum", "")
            self.handle(CallEvent("connect", call_id, at, local=local, source=SOURCE))
        elif name == "hangup" and message.get("uniqueid") == call_id:
            self.handle(CallEvent("disconnect", call_id, at, source=SOURCE))
