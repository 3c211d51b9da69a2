"""A fake FRITZ!Box call monitor: clients connect, the test sends the box's lines."""

from __future__ import annotations

from datetime import datetime

from tests.fakes.tcp import TcpFake


def stamp(moment: datetime) -> str:
    """The box's time format, ``28.11.25 15:17:43``."""
    return moment.strftime("%d.%m.%y %H:%M:%S")


class FakeCallMonitor(TcpFake):
    """Sends call-monitor lines (``\\r\\n``-terminated, as the box does) to every client."""

    def line(self, text: str) -> int:
        """Send one raw line; return how many clients got it."""
        return self.broadcast(text.encode("latin-1") + b"\r\n")

    def ring(self, at: datetime, call_id: int, caller: str, called: str = "883300") -> int:
        """``RING``: an incoming call."""
        return self.line(f"{stamp(at)};RING;{call_id};{caller};{called};SIP0;")

    def call(self, at: datetime, call_id: int, extension: str, called: str) -> int:
        """``CALL``: an outgoing call."""
        return self.line(f"{stamp(at)};CALL;{call_id};{extension};883300;{called};SIP0;")

    def connect(self, at: datetime, call_id: int, extension: str, number: str) -> int:
        """``CONNECT``: the call was answered."""
        return self.line(f"{stamp(at)};CONNECT;{call_id};{extension};{number};")

    def disconnect(self, at: datetime, call_id: int, seconds: int) -> int:
        """``DISCONNECT``: the call ended after ``seconds`` connected."""
        return self.line(f"{stamp(at)};DISCONNECT;{call_id};{seconds};")
