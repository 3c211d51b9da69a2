"""An SSH server that gives every login its own tui-crm in its own pty (``tui-crm serve-ssh``).

No shell accounts: the clerk is named by the authorised key (see
:func:`parse_authorized_keys`). Each session runs ``python -m tui_crm --clerk CLERK …`` in a
fresh pseudo-terminal with the client's ``TERM`` and window size; window changes follow
(``TIOCSWINSZ``, the kernel sends ``SIGWINCH``), a closed channel or an idle timeout hangs up
the app's process group, and at most ``max_sessions`` apps run at once. Only public-key
logins are offered; passwords and keyboard-interactive are off. Plain asyncio and asyncssh.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import fcntl
import os
import re
import signal
import struct
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from tui_crm.errors import ConfigError
from tui_crm.i18n import _

CLERK_OPTION = "tui-crm-clerk"
"""The authorized_keys option naming the clerk: ``tui-crm-clerk="alice" ssh-ed25519 AAAA…``."""

LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""What a clerk login may look like."""

KEY_TYPES = re.compile(r"^(ssh-|ecdsa-sha2-|sk-ssh-|sk-ecdsa-sha2-|rsa-sha2-)[A-Za-z0-9@._+-]+$")
"""The key type word of an OpenSSH public key line."""

HANGUP_GRACE_S = 3.0
"""Seconds an app has to end after SIGHUP before it gets SIGKILL."""

READ_SIZE = 65536
"""Bytes read from a pty at once."""

RESTORE_TERMINAL = (
    b"\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
    b"\x1b[?1004l\x1b[?2004l\x1b[?25h\x1b[?1049l\r\n"
)
"""Written to the client after an app was hung up: attributes reset, mouse and paste modes
off, cursor shown, main screen back (what the app would have undone had it ended itself)."""

PASSED_ENVIRONMENT = re.compile(r"^(LANG|LANGUAGE|LC_[A-Z]+|COLORTERM|NO_COLOR)$")
"""Variables a client may set for its app (what OpenSSH clients send with ``SendEnv``)."""


@dataclass(frozen=True, slots=True)
class AuthorizedKey:
    """One line of the authorized-keys file."""

    clerk: str
    """The clerk a login with this key works as."""
    key_type: str
    """``ssh-ed25519``, ``ssh-rsa`` …"""
    blob: bytes
    """The public key in SSH wire format (the base64 part decoded)."""
    line: int
    """1-based line in the file."""


def _split_options(line: str) -> tuple[str, str]:
    """Split ``options rest`` where the options may hold quoted spaces; ``("", line)`` if none."""
    first = line.split(None, 1)[0]
    if KEY_TYPES.match(first):
        return "", line
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char in " \t" and not quoted:
            return line[:index], line[index:].strip()
    return line, ""


def _options(text: str) -> dict[str, str]:
    """``a="x,y",b`` → ``{"a": "x,y", "b": ""}``."""
    found: dict[str, str] = {}
    for match in re.finditer(r'([A-Za-z0-9_-]+)(?:="((?:[^"\\]|\\.)*)")?(?:,|$)', text):
        if match.group(0):
            found[match.group(1).lower()] = match.group(2) or ""
    return found


def parse_authorized_keys(text: str, source: str = "authorized_keys") -> list[AuthorizedKey]:
    """Read an authorized-keys file of ``serve-ssh``.

    The format is OpenSSH's, one key a line, ``#`` comments. The clerk is the option
    ``tui-crm-clerk="LOGIN"`` before the key, else the key's comment up to an ``@``
    (``ssh-ed25519 AAAA… alice@desk-3`` is alice). OpenSSH's own options (``from=``,
    ``command=`` …) mean nothing here and are refused rather than silently ignored.

    Raises:
        ConfigError: A line is not a key, names no valid clerk or has other options; the
            message names the file and the line.
    """
    keys: list[AuthorizedKey] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def fail(problem: str, number: int = number) -> ConfigError:
            return ConfigError(f"{source}:{number}: {problem}", title="SSH")

        option_text, rest = _split_options(line)
        parts = rest.split(None, 2)
        if len(parts) < 2 or not KEY_TYPES.match(parts[0]):
            raise fail("not a public key line (type, base64 key, comment)")
        options = _options(option_text)
        unknown = sorted(set(options) - {CLERK_OPTION})
        if unknown:
            raise fail(f'only the option {CLERK_OPTION}="LOGIN" is understood, not {unknown[0]}')
        key_type, encoded = parts[0], parts[1]
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise fail("the key is not valid base64") from None
        (length,) = struct.unpack(">I", blob[:4]) if len(blob) >= 4 else (0,)
        if blob[4 : 4 + length] != key_type.encode("ascii"):
            raise fail(f"the key data is not a {key_type} key")
        comment = parts[2].strip() if len(parts) > 2 else ""
        clerk = options.get(CLERK_OPTION, comment.split("@", 1)[0])
        if not LOGIN.match(clerk):
            raise fail(
                f'names no clerk: put {CLERK_OPTION}="LOGIN" before the key'
                + (f" ({clerk!r} is not a login)" if clerk else "")
            )
        keys.append(AuthorizedKey(clerk, key_type, blob, number))
    return keys


def read_authorized_keys(path: Path) -> dict[bytes, str]:
    """The clerk of each key blob in the file at ``path``.

    Raises:
        ConfigError: The file cannot be read or has a bad line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as failure:
        raise ConfigError(f"{path}: cannot read the authorized keys: {failure}", "SSH") from None
    return {key.blob: key.clerk for key in parse_authorized_keys(text, str(path))}


def load_host_key(path: Path, log: Callable[[str], None]) -> asyncssh.SSHKey:
    """Read the host key at ``path``; generate an Ed25519 key there first if there is none."""
    if not path.exists():
        key = asyncssh.generate_private_key("ssh-ed25519", comment="tui-crm serve-ssh")
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as failure:
            raise ConfigError(f"{path}: cannot write a new host key: {failure}", "SSH") from None
        with os.fdopen(handle, "wb") as out:
            out.write(key.export_private_key())
        log(f"generated a new host key {path} ({key.get_fingerprint()})")
        return key
    try:
        return asyncssh.read_private_key(str(path))
    except (OSError, asyncssh.KeyImportError) as failure:
        raise ConfigError(f"{path}: not a usable SSH host key: {failure}", "SSH") from None


@dataclass(slots=True)
class ServerState:
    """What every connection of one server shares."""

    authorized_keys: Path
    """The authorized-keys file, read again at every login (edits apply to the next)."""
    app_argv: Callable[[str], Sequence[str]]
    """The command line of the app for a clerk."""
    max_sessions: int
    """Apps that may run at once."""
    idle_timeout: float
    """Seconds without a key from the client after which a session ends (0: never)."""
    log: Callable[[str], None]
    """Where events are reported (one line each)."""
    sessions: set[AppSession] = field(default_factory=set)
    """The sessions whose app runs."""
    keys: dict[bytes, str] = field(default_factory=dict)
    """The last good reading of the authorized-keys file."""

    def reload_keys(self) -> None:
        """Read the authorized-keys file again; on failure keep the last good reading."""
        try:
            self.keys = read_authorized_keys(self.authorized_keys)
        except ConfigError as failure:
            self.log(f"{failure.msg} (the last good reading stays in force)")


class ClerkServer(asyncssh.SSHServer):
    """One client connection: public-key login only, the key naming the clerk."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.clerk = ""
        self.peer = ("", 0)
        self.local = ("", 0)

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.peer = conn.get_extra_info("peername", ("", 0))[:2]
        self.local = conn.get_extra_info("sockname", ("", 0))[:2]

    def begin_auth(self, username: str) -> bool:
        self.state.reload_keys()
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for the key's offer and again with its signature: the last call before a
        # successful login is the key that logged in.
        clerk = self.state.keys.get(key.public_data)
        if clerk is None:
            return False
        self.clerk = clerk
        return True

    def session_requested(self) -> AppSession:
        return AppSession(self.state, self.clerk, self.peer, self.local)


class AppSession(asyncssh.SSHServerSession[bytes]):
    """One SSH session channel running one app in its own pty."""

    def __init__(
        self, state: ServerState, clerk: str, peer: tuple[str, int], local: tuple[str, int]
    ) -> None:
        self.state = state
        self.clerk = clerk
        self.peer = peer
        self.local = local
        self.channel: asyncssh.SSHServerChannel[bytes] | None = None
        self.term_type = ""
        self.size = (80, 24, 0, 0)
        self.has_pty = False
        self.master = -1
        self.process: asyncio.subprocess.Process | None = None
        self.pending = bytearray()
        self.last_input = time.monotonic()
        self.reason = ""
        self.closed = False
        self.reading = False
        self.paused = False
        self.idle_watch: asyncio.Task[None] | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    # asyncssh callbacks ---------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:  # type: ignore[override]
        self.channel = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any
    ) -> bool:
        self.has_pty = True
        self.term_type = term_type or "xterm"
        self.size = term_size
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False

    def session_started(self) -> None:
        self._start(self._run())

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.last_input = time.monotonic()
        self.pending += data
        self._flush_input()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = (width, height, pixwidth, pixheight)
        if self.master >= 0:
            _set_size(self.master, self.size)

    def eof_received(self) -> bool:
        self.hang_up("")
        return True

    def pause_writing(self) -> None:
        # The client reads slower than the app writes: stop reading the pty (the app blocks).
        self.paused = True
        self._read(False)

    def resume_writing(self) -> None:
        self.paused = False
        self._read(True)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.hang_up("")

    # the app ----------------------------------------------------------------------------

    def _start(self, coroutine: Any) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _say(self, text: str) -> None:
        if self.channel is not None and not self.closed:
            self.channel.write(text.replace("\n", "\r\n").encode("utf-8"))

    def _exit(self, status: int) -> None:
        if self.channel is not None and not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                self.channel.exit(status)

    async def _run(self) -> None:
        who = f"{self.clerk} from {self.peer[0]}:{self.peer[1]}"
        if not self.has_pty:
            self._say(_("tui-crm needs a terminal: connect with ssh -t.") + "\n")
            self._exit(1)
            return
        if len(self.state.sessions) >= self.state.max_sessions:
            self.state.log(f"refused {who}: all {self.state.max_sessions} sessions in use")
            self._say(
                _("tui-crm: all {count} sessions are in use; try again later.").format(
                    count=self.state.max_sessions
                )
                + "\n"
            )
            self._exit(1)
            return
        self.state.sessions.add(self)
        try:
            status = await self._run_app()
        finally:
            self.state.sessions.discard(self)
        self.state.log(f"session of {who} ended ({self.reason or f'exit status {status}'})")
        if self.reason:
            if self.channel is not None and not self.closed:
                self.channel.write(RESTORE_TERMINAL)
            self._say(self.reason + "\n")
        self._exit(status)

    async def _run_app(self) -> int:
        master, slave = os.openpty()
        self.master = master
        _set_size(master, self.size)
        os.set_blocking(master, False)
        argv = list(self.state.app_argv(self.clerk))
        try:
            self.process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=self._environment(),
                start_new_session=True,
                preexec_fn=_take_terminal,
            )
        except OSError as failure:
            os.close(slave)
            self._close_master()
            self.state.log(f"cannot start {argv[0]}: {failure}")
            self._say(_("tui-crm could not be started.") + "\n")
            return 1
        finally:
            if self.process is not None:
                os.close(slave)
        self.state.log(
            f"session of {self.clerk} from {self.peer[0]}:{self.peer[1]} started "
            f"(pid {self.process.pid}, {self.term_type} {self.size[0]}x{self.size[1]})"
        )
        if self.closed:
            self.hang_up("")
        self._read(not self.paused)
        self._flush_input()
        if self.state.idle_timeout > 0:
            self.idle_watch = self._start(self._watch_idle())
        status = await self.process.wait()
        if self.idle_watch is not None:
            self.idle_watch.cancel()
        # Output the app wrote just before it ended is still in the pty.
        self._drain()
        self._close_master()
        return status if status >= 0 else 128 - status

    def _environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SSH_", "TMUX", "TERM", "LINES", "COLUMNS"))
            and key not in ("COLORTERM", "NO_COLOR")
        }
        if self.channel is not None:
            for key, value in self.channel.get_environment().items():
                if PASSED_ENVIRONMENT.match(key):
                    env[key] = value
        env["TERM"] = self.term_type
        # As sshd does: the app knows it runs over SSH (mouse reporting and animations off).
        env["SSH_CONNECTION"] = f"{self.peer[0]} {self.peer[1]} {self.local[0]} {self.local[1]}"
        return env

    def _read(self, on: bool) -> None:
        if self.master < 0 or on == self.reading:
            return
        loop = asyncio.get_running_loop()
        if on:
            loop.add_reader(self.master, self._readable)
        else:
            loop.remove_reader(self.master)
        self.reading = on

    def _readable(self) -> None:
        try:
            data = os.read(self.master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""  # EIO: every process holding the pty has closed it
        if not data:
            self._read(False)
            return
        if self.channel is not None and not self.closed:
            self.channel.write(data)

    def _drain(self) -> None:
        while self.master >= 0:
            try:
                data = os.read(self.master, READ_SIZE)
            except OSError:
                return
            if not data:
                return
            if self.channel is not None and not self.closed:
                self.channel.write(data)

    def _flush_input(self) -> None:
        if self.master < 0 or not self.pending:
            return
        try:
            written = os.write(self.master, self.pending)
        except BlockingIOError:
            written = 0
        except OSError:
            self.pending.clear()
            return
        del self.pending[:written]
        if self.pending:
            asyncio.get_running_loop().call_later(0.01, self._flush_input)

    def _close_master(self) -> None:
        if self.master >= 0:
            self._read(False)
            os.close(self.master)
            self.master = -1

    async def _watch_idle(self) -> None:
        while self.process is not None and self.process.returncode is None:
            left = self.last_input + self.state.idle_timeout - time.monotonic()
            if left <= 0:
                self.hang_up(
                    _("tui-crm: no key for {duration}; the session was closed.").format(
                        duration=_duration(self.state.idle_timeout)
                    )
                )
                return
            await asyncio.sleep(left)

    def hang_up(self, reason: str) -> None:
        """End the app: SIGHUP to its process group, SIGKILL if it is still there later."""
        if reason and not self.reason:
            self.reason = reason
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGHUP)
        asyncio.get_running_loop().call_later(HANGUP_GRACE_S, _kill_group, process)


def _duration(seconds: float) -> str:
    """``90 s``, ``30 min``, ``2 h``: an idle timeout as the clerk reads it."""
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:g} h"


def _kill_group(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _set_size(fd: int, size: tuple[int, int, int, int]) -> None:
    """Give the pty the client's window size (the kernel then sends SIGWINCH to the app)."""
    width, height, pixwidth, pixheight = size
    packed = struct.pack("HHHH", max(height, 1), max(width, 1), pixwidth, pixheight)
    with contextlib.suppress(OSError):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, packed)


def _take_terminal() -> None:
    """In the child, after setsid: make the pty on stdin the controlling terminal, and let
    SIGHUP end the app even when the server runs under ``nohup`` (an ignored signal stays
    ignored across exec)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


async def serve(
    *,
    address: str,
    port: int,
    host_key: Path,
    authorized_keys: Path,
    app_argv: Callable[[str], Sequence[str]],
    max_sessions: int,
    idle_timeout: float,
    log: Callable[[str], None],
    ready: Callable[[int], None] | None = None,
) -> None:
    """Run the SSH server until SIGTERM or SIGINT; then hang up every app and return.

    Args:
        address: Address to listen on (empty: every interface).
        port: TCP port (0: any free one; ``ready`` gets the one chosen).
        host_key: The server's private key file (generated when missing).
        authorized_keys: Keys that may log in and their clerks (:func:`parse_authorized_keys`).
        app_argv: The app's command line for a clerk.
        max_sessions: Apps that may run at once.
        idle_timeout: Seconds without input after which a session ends (0: never).
        log: Where one-line events go.
        ready: Called with the port once the server listens.

    Raises:
        ConfigError: The host key or the authorized keys are unusable, or the port is taken.
    """
    state = ServerState(authorized_keys, app_argv, max_sessions, idle_timeout, log)
    state.keys = read_authorized_keys(authorized_keys)
    key = load_host_key(host_key, log)
    try:
        acceptor = await asyncssh.listen(
            address or None,
            port,
            server_factory=lambda: ClerkServer(state),
            server_host_keys=[key],
            encoding=None,
            line_editor=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            password_auth=False,
            kbdint_auth=False,
            login_timeout=60,
            keepalive_interval=60,
            keepalive_count_max=3,
        )
    except OSError as failure:
        raise ConfigError(f"cannot listen on {address or '*'}:{port}: {failure}", "SSH") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    chosen = acceptor.get_port()
    log(
        f"listening on {address or '*'}:{chosen} for {len(state.keys)} keys, "
        f"at most {max_sessions} sessions"
    )
    if ready is not None:
        ready(chosen)
    try:
        await stop.wait()
    finally:
        acceptor.close()
        for session in list(state.sessions):
            session.hang_up(_("tui-crm: the server is shutting down."))
        deadline = time.monotonic() + HANGUP_GRACE_S + 1
        while state.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await acceptor.wait_closed()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)
        log("stopped")
