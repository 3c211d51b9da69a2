"""A fake desk phone answering its action URL (``http.server`` on 127.0.0.1, port 0)."""

from __future__ import annotations

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from tests.fakes.digest import DigestCheck


class FakeHttpPhone:
    """Records every request path; authenticates with ``auth`` = ``none``, ``basic`` or
    ``digest``; answers ``status``, after ``delay`` seconds."""

    def __init__(
        self,
        *,
        auth: str = "none",
        user: str = "admin",
        password: str = "pw",
        status: int = 200,
        delay: float = 0.0,
    ) -> None:
        self.auth = auth
        self.user = user
        self.password = password
        self.status = status
        self.delay = delay
        self.requests: list[str] = []
        """Paths (with query) of the authenticated requests."""
        self.digest = DigestCheck("Snom Phone", user, password)
        self._release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, text: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if not fake._authorised(self.headers.get("Authorization")):
                    self.send_response(401)
                    if fake.auth == "basic":
                        self.send_header("WWW-Authenticate", 'Basic realm="phone"')
                    else:
                        self.send_header("WWW-Authenticate", fake.digest.challenge())
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                fake.requests.append(self.path)
                if fake.delay:
                    fake._release.wait(fake.delay)
                body = b"<html><body>OK</body></html>"
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def _authorised(self, header: str | None) -> bool:
        if self.auth == "none":
            return True
        if self.auth == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return header == f"Basic {token}"
        return self.digest.accepts(header, "GET")

    def url(self, path: str) -> str:
        """``http://127.0.0.1:<port><path>``."""
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        """Stop the server and join its thread."""
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)
        time.sleep(0)

    def __enter__(self) -> FakeHttpPhone:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
