"""A fake Asterisk Manager Interface: banner, Login, Ping, Originate, Logoff, and events."""

from __future__ import annotations

import socket
import threading
import time

from tests.fakes.tcp import TcpFake

BANNER = "Asterisk Call Manager/9.0.0"


def block(fields: dict[str, str]) -> bytes:
    """One AMI block: ``Key: Value`` lines and a blank line."""
    return ("".join(f"{key}: {value}\r\n" for key, value in fields.items()) + "\r\n").encode()


class FakeAmi(TcpFake):
    """An AMI server for one user.

    Args:
        user: The user that may log in.
        secret: Its secret.
        originate: What an Originate does: ``answer`` (OriginateResponse Success),
            ``busy`` / ``no answer`` (Failure with reason 5 / 3), ``refuse`` (Response
            Error), ``silent`` (queued, then never an OriginateResponse).
        answer_pings: Whether Ping gets its Pong.
    """

    def __init__(
        self,
        user: str = "crm",
        secret: str = "s3cret",
        *,
        originate: str = "answer",
        answer_pings: bool = True,
    ) -> None:
        self.user = user
        self.secret = secret
        self.originate = originate
        self.answer_pings = answer_pings
        self.actions: list[dict[str, str]] = []
        """Every action received, keys as sent."""
        self.logins = 0
        """Successful logins."""
        self._listeners: list[socket.socket] = []
        self._listeners_lock = threading.Lock()
        super().__init__()

    def serve(self, client: socket.socket) -> None:
        """Greet, then answer actions until the client logs off or goes."""
        client.sendall((BANNER + "\r\n").encode())
        buffer = b""
        logged_in = False
        while not self._closed.is_set():
            try:
                chunk = client.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return
            buffer += chunk
            while b"\r\n\r\n" in buffer:
                raw, buffer = buffer.split(b"\r\n\r\n", 1)
                fields: dict[str, str] = {}
                for line in raw.decode().split("\r\n"):
                    key, _colon, value = line.partition(":")
                    fields[key.strip()] = value.strip()
                self.actions.append(fields)
                logged_in = self._answer(client, fields, logged_in)
                if logged_in is None:
                    return

    def _answer(
        self, client: socket.socket, fields: dict[str, str], logged_in: bool
    ) -> bool | None:
        action = fields.get("Action", "").lower()
        action_id = fields.get("ActionID", "")
        if action == "login":
            if fields.get("Username") == self.user and fields.get("Secret") == self.secret:
                self.logins += 1
                client.sendall(
                    block(
                        {
                            "Response": "Success",
                            "ActionID": action_id,
                            "Message": "Authentication accepted",
                        }
                    )
                )
                client.sendall(block({"Event": "FullyBooted", "Status": "Fully Booted"}))
                if fields.get("Events", "off").lower() != "off":
                    with self._listeners_lock:
                        self._listeners.append(client)
                return True
            client.sendall(
                block(
                    {"Response": "Error", "ActionID": action_id, "Message": "Authentication failed"}
                )
            )
            return None
        if not logged_in:
            client.sendall(
                block({"Response": "Error", "ActionID": action_id, "Message": "Permission denied"})
            )
            return False
        if action == "ping":
            if self.answer_pings:
                client.sendall(
                    block(
                        {
                            "Response": "Success",
                            "ActionID": action_id,
                            "Ping": "Pong",
                            "Timestamp": f"{time.time():.6f}",
                        }
                    )
                )
            return True
        if action == "logoff":
            client.sendall(
                block({"Response": "Goodbye", "ActionID": action_id, "Message": "Thanks"})
            )
            return None
        if action == "originate":
            self._originate(client, fields, action_id)
            return True
        client.sendall(
            block(
                {"Response": "Error", "ActionID": action_id, "Message": "Invalid/unknown command"}
            )
        )
        return True

    def _originate(self, client: socket.socket, fields: dict[str, str], action_id: str) -> None:
        if self.originate == "refuse":
            client.sendall(
                block(
                    {
                        "Response": "Error",
                        "ActionID": action_id,
                        "Message": "Extension does not exist.",
                    }
                )
            )
            return
        client.sendall(
            block(
                {
                    "Response": "Success",
                    "ActionID": action_id,
                    "Message": "Originate successfully queued",
                }
            )
        )
        # Unrelated traffic in between, as a real PBX sends it.
        client.sendall(block({"Event": "Newchannel", "Channel": fields.get("Channel", "") + "-1"}))
        if self.originate == "silent":
            return
        reasons = {"answer": "4", "busy": "5", "no answer": "3"}
        client.sendall(
            block(
                {
                    "Event": "OriginateResponse",
                    "ActionID": action_id,
                    "Response": "Success" if self.originate == "answer" else "Failure",
                    "Channel": fields.get("Channel", ""),
                    "Context": fields.get("Context", ""),
                    "Exten": fields.get("Exten", ""),
                    "Reason": reasons.get(self.originate, "0"),
                    "Uniqueid": "1700000000.42",
                    "CallerIDNum": "<unknown>",
                }
            )
        )

    def event(self, **fields: str) -> int:
        """Send an event to every client logged in with events on."""
        with self._listeners_lock:
            listeners = [client for client in self._listeners if client in self.clients]
            self._listeners = listeners
        data = block(fields)
        sent = 0
        for client in listeners:
            try:
                client.sendall(data)
                sent += 1
            except OSError:
                pass
        return sent

    def wait_for_listeners(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until ``count`` clients have logged in with events on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._listeners_lock:
                live = [client for client in self._listeners if client in self.clients]
            if len(live) >= count:
                return True
            time.sleep(0.01)
        return False

    def drop(self) -> None:
        """Cut every client connection (and forget the event listeners)."""
        with self._listeners_lock:
            self._listeners = []
        super().drop()
