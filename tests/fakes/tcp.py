"""A tiny threaded TCP server base: accept on 127.0.0.1, one thread per client, close all."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType


class TcpFake:
    """Accepts clients on 127.0.0.1 and hands each to :meth:`serve` in a thread.

    :meth:`drop` cuts every client (a lost connection); :meth:`pause` also stops listening
    (the box is away) and :meth:`resume` listens again on the same port.
    """

    def __init__(self) -> None:
        self.port = 0
        self.clients: list[socket.socket] = []
        self.connections = 0
        """Clients accepted so far."""
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self._closed = threading.Event()
        self._listen()

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)``."""
        return ("127.0.0.1", self.port)

    def _listen(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(8)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, server: socket.socket) -> None:
        while not self._closed.is_set() and self._server is server:
            try:
                client, _address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(0.1)
            with self._lock:
                self.clients.append(client)
                self.connections += 1
            thread = threading.Thread(target=self._run_client, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()
        with contextlib.suppress(OSError):
            server.close()

    def _run_client(self, client: socket.socket) -> None:
        try:
            self.serve(client)
        except OSError:
            pass
        finally:
            with self._lock:
                if client in self.clients:
                    self.clients.remove(client)
            with contextlib.suppress(OSError):
                client.close()

    def serve(self, client: socket.socket) -> None:
        """Talk to one client until it or the fake closes (override)."""
        while not self._closed.is_set():
            try:
                if not client.recv(4096):
                    return
            except TimeoutError:
                continue

    def broadcast(self, data: bytes) -> int:
        """Send ``data`` to every client; return how many got it."""
        with self._lock:
            clients = list(self.clients)
        sent = 0
        for client in clients:
            with contextlib.suppress(OSError):
                client.sendall(data)
                sent += 1
        return sent

    def wait_for_clients(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until at least ``count`` clients are connected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.clients) >= count:
                    return True
            time.sleep(0.01)
        return False

    def wait_for_connections(self, total: int, timeout: float = 5.0) -> bool:
        """Wait until ``total`` clients were accepted in all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.connections >= total:
                return True
            time.sleep(0.01)
        return False

    def drop(self) -> None:
        """Cut every client connection."""
        with self._lock:
            clients, self.clients = self.clients, []
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                client.close()

    def pause(self) -> None:
        """Cut the clients and stop listening (connections are refused)."""
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.close()
        self.drop()

    def resume(self) -> None:
        """Listen again on the same port."""
        self._listen()

    def close(self) -> None:
        """Stop everything and join the threads."""
        self._closed.set()
        self.pause()
        for thread in self._threads:
            thread.join(2)

    def __enter__(self) -> TcpFake:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
