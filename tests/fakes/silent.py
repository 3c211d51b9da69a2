"""Servers that misbehave: one that accepts and never answers, and a closed port."""

from __future__ import annotations

import socket

from tests.fakes.tcp import TcpFake


class SilentServer(TcpFake):
    """Accepts connections and then says nothing (a hung PBX or phone)."""


class Greeter(TcpFake):
    """Sends one line on connect and then nothing (a port that speaks another protocol)."""

    def __init__(self, greeting: str) -> None:
        self.greeting = greeting
        super().__init__()

    def serve(self, client: socket.socket) -> None:
        """Greet, then idle."""
        client.sendall(self.greeting.encode() + b"\r\n")
        super().serve(client)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port
