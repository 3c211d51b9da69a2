"""Bandwidth and keystroke latency of tui-crm through a loopback SSH connection.

Usage::

    python bench/bench_ssh.py [--db FILE] [--clerk LOGIN] [--queries N] [--moves N]
                              [--sizes 80x24,120x40] [--no-baseline]

Starts ``tui-crm serve-ssh`` on a loopback port with a fresh host key and one client key
(mapped to ``--clerk``, default ``mkoch``, a demo clerk with follow-ups) and runs the OpenSSH
client in a pseudo-terminal this script reads itself, ``TERM=xterm-256color``, once per
terminal size. The client connects through a relay in this process that counts the bytes
on the wire (encrypted SSH packets, both directions). For each size it measures:

* the first screen: bytes the server sent from the TCP connect (key exchange included) and
  terminal bytes the client wrote, until the start screen is painted and output is quiet;
* each keystroke in the search field (names of random parties, one key at a time, Esc
  between queries): time from writing the key to the frame with the result count ("N found"
  / "No match"), and the bytes of everything it causes until output is quiet;
* each keystroke in the follow-up list (F3, then Down): time to the repaint (first output)
  and the bytes until quiet;
* the idle traffic of the start screen (the search field's cursor blinks).

Unless ``--no-baseline``, the same keys are then typed into the app started directly in a
pty with the same options (``direct_…`` figures), so the cost of SSH shows on the same
machine in the same minute.

It also reports whether the app asked the terminal for mouse events (it must not over SSH).
The app writes to the database (the clerk's login, recently opened customers): give it a
copy, never a database others use. Figures are JSON lines (bench/common.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import ESCAPES, app_environment, painted, read_some, tui_crm_command
from common import emit, percentile

LATENCY_GOAL_MS = 60
"""Keystroke to repaint through SSH, p95."""

RESULT_MARKERS = (b"found", b"No match")
"""A search frame with the result count."""

FOLLOW_UP_LIST = "Follow-ups —".encode()
"""The follow-up list's title: the list is on screen."""

F3 = b"\x1bOR"
DOWN = b"\x1b[B"
ESC = b"\x1b"
CTRL_Q = b"\x11"

QUIET_S = 0.08
"""Output silence that ends a keystroke's frames (above SSH's and the app's batching; below
the cursor's blink of 0.5 s)."""

FIRST_SCREEN_QUIET_S = 0.45
"""Output silence that ends the first screen (the cursor's first blink comes later)."""

IDLE_S = 3.0
"""Seconds of idle output measured on the start screen."""

MOUSE_ON = re.compile(rb"\x1b\[\?(1000|1002|1003|1006|1015)h")
"""The sequences that switch mouse reporting on."""


@dataclass(slots=True)
class Relay:
    """A TCP relay from a local port to the SSH server that counts the bytes each way."""

    target: int
    down: int = 0
    """Bytes from the server to the client."""
    up: int = 0
    """Bytes from the client to the server."""
    listener: socket.socket = field(default_factory=socket.socket)

    def start(self) -> int:
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        threading.Thread(target=self._accept, daemon=True).start()
        return int(self.listener.getsockname()[1])

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            for one in (client, server):
                one.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, down: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                for one in (source, sink):
                    with contextlib.suppress(OSError):
                        one.shutdown(socket.SHUT_RDWR)
                return
            if down:
                self.down += len(data)
            else:
                self.up += len(data)
            sink.sendall(data)


def sample_queries(path: Path, count: int, seed: int) -> list[str]:
    """Names of random parties, as a clerk would type them."""
    rng = random.Random(seed)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (top,) = connection.execute("SELECT MAX(id) FROM party").fetchone()
        queries = []
        while len(queries) < count:
            row = connection.execute(
                "SELECT last_name, company FROM party WHERE id = ?", (rng.randint(1, top),)
            ).fetchone()
            if row and (row[0] or row[1]):
                queries.append((row[0] or row[1]).split()[0][:6])
        return queries
    finally:
        connection.close()


def spawn(argv: Sequence[str], env: dict[str, str], columns: int, rows: int) -> tuple[int, int]:
    """Start ``argv`` in a pty of ``columns`` x ``rows``; return (pid, fd)."""
    import fcntl
    import pty
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            os.execve(argv[0], list(argv), env)
        finally:
            os._exit(127)
    return pid, fd


def drain(fd: int, quiet: float = QUIET_S) -> bytes:
    """Read until nothing has arrived for ``quiet`` seconds."""
    output = bytearray()
    while True:
        chunk = read_some(fd, time.monotonic() + quiet)
        if not chunk:
            return bytes(output)
        output += chunk


def read_for(fd: int, seconds: float) -> bytes:
    """Everything written in the next ``seconds``."""
    output = bytearray()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        output += read_some(fd, end) or b""
    return bytes(output)


def press(fd: int, key: bytes, done: Sequence[bytes], timeout: float = 10.0) -> tuple[float, int]:
    """Write ``key``; return (seconds to the frame holding one of ``done`` — any output when
    ``done`` is empty —, terminal bytes until output is quiet)."""
    started = time.perf_counter()
    os.write(fd, key)
    seen = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = read_some(fd, deadline)
        if chunk is None:
            raise RuntimeError("the ssh client ended")
        seen += chunk
        text = ESCAPES.sub(b"", bytes(seen))
        if seen and (not done or any(marker in text for marker in done)):
            elapsed = time.perf_counter() - started
            seen += drain(fd)
            return elapsed, len(seen)
    raise RuntimeError(f"no repaint after {key!r} within {timeout} s")


@dataclass(slots=True)
class Keystrokes:
    """Latencies and bytes of a series of keys."""

    ms: list[float] = field(default_factory=list)
    terminal_bytes: list[int] = field(default_factory=list)
    wire_bytes: list[int] = field(default_factory=list)

    def add(self, relay: Relay, fd: int, key: bytes, done: Sequence[bytes]) -> None:
        before = relay.down
        seconds, size = press(fd, key, done)
        self.ms.append(seconds * 1000)
        self.terminal_bytes.append(size)
        self.wire_bytes.append(relay.down - before)


def mean(values: Sequence[int]) -> int:
    return round(sum(values) / len(values))


def session(
    argv: list[str],
    env: dict[str, str],
    relay: Relay | None,
    size: tuple[int, int],
    queries: list[str],
    moves: int,
) -> None:
    """One run at ``size``: first screen, idle, search keys, follow-up list keys; emit figures.

    With a relay the run goes through SSH (``argv`` is the ssh client) and the figures are
    named ``ssh_…``; without one ``argv`` is the app itself in the pty (``direct_…``, the
    baseline measured in the same run).
    """
    columns, rows = size
    label = f"{columns}x{rows}"
    way = "ssh" if relay is not None else "direct"
    counter = relay or Relay(0)
    before = counter.down
    pid, fd = spawn(argv, env, columns, rows)
    try:
        output = bytearray()
        deadline = time.monotonic() + 30
        while not painted(bytes(output)) and time.monotonic() < deadline:
            chunk = read_some(fd, deadline)
            if chunk is None:
                raise RuntimeError(f"the {way} run ended: {bytes(output)[-500:]!r}")
            output += chunk
        if not painted(bytes(output)):
            raise RuntimeError(f"no start screen within 30 s: {bytes(output)[-500:]!r}")
        # The recent customers and the follow-up line arrive from workers a little later.
        output += drain(fd, FIRST_SCREEN_QUIET_S)
        if relay is not None:
            emit(
                f"ssh_first_screen_bytes_{label}",
                relay.down - before,
                "bytes",
                None,
                terminal_bytes=len(output),
                note="wire: from the TCP connect, key exchange and login included",
            )
            emit(f"ssh_mouse_reporting_{label}", int(bool(MOUSE_ON.search(output))), "on", 0)
            before = relay.down
            idle = read_for(fd, IDLE_S)
            emit(
                f"ssh_idle_bytes_per_s_{label}",
                round((relay.down - before) / IDLE_S),
                "bytes/s",
                None,
                terminal_bytes_per_s=round(len(idle) / IDLE_S),
                note="on the start screen, nothing typed",
            )

        search = Keystrokes()
        firsts: list[int] = []
        for query in queries:
            firsts.append(len(search.ms))
            for char in query:
                search.add(counter, fd, char.encode(), RESULT_MARKERS)
            os.write(fd, ESC)
            drain(fd, 0.2)
        if relay is not None:
            emit(
                f"ssh_search_keystroke_bytes_{label}",
                mean(search.wire_bytes),
                "bytes",
                None,
                terminal_bytes_mean=mean(search.terminal_bytes),
                wire_bytes_p95=percentile(search.wire_bytes, 0.95),
                keystrokes=len(search.ms),
                first_key_mean=mean([search.wire_bytes[i] for i in firsts]),
                later_keys_mean=mean(
                    [size for i, size in enumerate(search.wire_bytes) if i not in firsts]
                ),
            )
        emit(
            f"{way}_search_keystroke_to_results_ms_{label}",
            round(percentile(search.ms, 0.95), 1),
            "ms",
            LATENCY_GOAL_MS if relay is not None else None,
            p50=round(percentile(search.ms, 0.5), 1),
            p95=round(percentile(search.ms, 0.95), 1),
            max=round(max(search.ms), 1),
            keystrokes=len(search.ms),
            # The first key of a query turns the start screen into the result list.
            first_key_p50=round(percentile([search.ms[i] for i in firsts], 0.5), 1),
            later_keys_p95=round(
                percentile([ms for i, ms in enumerate(search.ms) if i not in firsts], 0.95), 1
            ),
        )

        os.write(fd, F3)
        shown = bytearray()
        deadline = time.monotonic() + 15
        while FOLLOW_UP_LIST not in ESCAPES.sub(b"", bytes(shown)):
            chunk = read_some(fd, deadline)
            if chunk is None or time.monotonic() > deadline:
                raise RuntimeError("the follow-up list did not open")
            shown += chunk
        drain(fd, 0.3)
        listing = Keystrokes()
        for _ in range(moves):
            listing.add(counter, fd, DOWN, ())
        if relay is not None:
            emit(
                f"ssh_follow_up_keystroke_bytes_{label}",
                mean(listing.wire_bytes),
                "bytes",
                None,
                terminal_bytes_mean=mean(listing.terminal_bytes),
                wire_bytes_p95=percentile(listing.wire_bytes, 0.95),
                keystrokes=len(listing.ms),
            )
        emit(
            f"{way}_follow_up_keystroke_to_repaint_ms_{label}",
            round(percentile(listing.ms, 0.95), 1),
            "ms",
            LATENCY_GOAL_MS if relay is not None else None,
            p50=round(percentile(listing.ms, 0.5), 1),
            p95=round(percentile(listing.ms, 0.95), 1),
            max=round(max(listing.ms), 1),
            keystrokes=len(listing.ms),
        )
        os.write(fd, CTRL_Q)
        drain(fd, 0.3)
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server, log in once per size, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=Path("bench/out/demo-1000000-seed1.sqlite"),
        help="a demo database of the benchmarks' own (bench_startup.py builds the default)",
    )
    parser.add_argument("--clerk", default="mkoch", metavar="LOGIN")
    parser.add_argument("--queries", type=int, default=12, metavar="N")
    parser.add_argument("--moves", type=int, default=30, metavar="N")
    parser.add_argument("--sizes", default="80x24,120x40", metavar="WxH,…")
    parser.add_argument("--seed", type=int, default=11, metavar="S")
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the same keys typed into the app without SSH",
    )
    args = parser.parse_args(argv)
    ssh = shutil.which("ssh")
    if ssh is None or shutil.which("ssh-keygen") is None:
        print("the OpenSSH client is not installed", file=sys.stderr)
        return 1
    if not args.db.exists():
        print(f"no database at {args.db}; run bench/bench_startup.py first", file=sys.stderr)
        return 1
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    queries = sample_queries(args.db, args.queries, args.seed)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = app_environment(folder)
        key = folder / "client_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        public = key.with_suffix(".pub").read_text().strip()
        (folder / "authorized_keys").write_text(f'tui-crm-clerk="{args.clerk}" {public}\n')
        log = folder / "serve-ssh.log"
        server = subprocess.Popen(
            [
                str(tui_crm_command()),
                "--db",
                str(args.db),
                "serve-ssh",
                "--address",
                "127.0.0.1",
                "--port",
                "0",
                "--host-key",
                str(folder / "host_key"),
                "--authorized-keys",
                str(folder / "authorized_keys"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
            env=env,
        )
        try:
            deadline = time.monotonic() + 30
            found = None
            while found is None and time.monotonic() < deadline and server.poll() is None:
                time.sleep(0.05)
                found = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read_text())
            if found is None:
                print(f"serve-ssh did not start: {log.read_text()}", file=sys.stderr)
                return 1
            relay = Relay(int(found.group(1)))
            port = relay.start()
            client = [ssh, "-F", "/dev/null", "-tt", "-i", str(key), "-p", str(port)]
            for option in (
                "IdentitiesOnly=yes",
                "StrictHostKeyChecking=no",
                "UserKnownHostsFile=/dev/null",
                "BatchMode=yes",
                "LogLevel=ERROR",
            ):
                client += ["-o", option]
            client.append("clerk@127.0.0.1")
            direct = [str(tui_crm_command()), "--db", str(args.db), "--clerk", args.clerk]
            # The baseline: the app with the same options (SSH_CONNECTION set), no SSH between.
            direct_env = {**env, "SSH_CONNECTION": "127.0.0.1 1 127.0.0.1 2"}
            for size in sizes:
                session(client, env, relay, (size[0], size[1]), queries, args.moves)
                if args.baseline:
                    session(direct, direct_env, None, (size[0], size[1]), queries, args.moves)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
