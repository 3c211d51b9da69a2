"""tui-crm over SSH: an OpenSSH forced command and ``tui-crm serve-ssh``, with the real client.

The ssh client runs in tmux (the e2e harness); the keys are sent as the bytes xterm writes.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fakes.argv_recorder import recorder

if TYPE_CHECKING:
    from conftest import KeyBytes, Terminal, TmuxPane

pytestmark = pytest.mark.e2e

TAB = ("09",)
ENTER = ("0d",)
DEADLINE_S = 15.0
"""How long a login, a process's end or a database row may take."""


def tui_crm() -> str:
    """The installed command of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "tui-crm"
    found = str(beside) if beside.is_file() else shutil.which("tui-crm")
    if found is None:
        pytest.fail("the tui-crm command is not installed; run: pip install -e '.[test]'")
    return found


@pytest.fixture(scope="session")
def ssh_client() -> str:
    """The OpenSSH client."""
    found = shutil.which("ssh")
    if found is None or shutil.which("ssh-keygen") is None:
        pytest.skip("the OpenSSH client is not installed (apt-get install openssh-client)")
    return found


def keygen(path: Path, comment: str) -> str:
    """Make an Ed25519 key pair at ``path``; return the public key line."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        timeout=DEADLINE_S,
    )
    return path.with_suffix(".pub").read_text(encoding="utf-8").strip()


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], object], what: str, timeout: float = DEADLINE_S) -> object:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.05)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def processes_with(text: str, program: str = "") -> list[int]:
    """Pids of the processes whose command line holds ``text`` (and starts with ``program``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if text in " ".join(argv) and argv[0].startswith(program):
            found.append(int(entry.name))
    return found


def client_argv(ssh: str, key: Path, port: int, user: str = "clerk") -> list[str]:
    """The ssh command line for a loopback login with ``key`` only."""
    return [
        ssh,
        "-F",
        "/dev/null",
        "-tt",
        "-i",
        str(key),
        "-p",
        str(port),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        f"{user}@127.0.0.1",
    ]


def login(
    make_pane: Callable[[int, int], TmuxPane],
    argv: list[str],
    terminal: Terminal,
    key_table: dict[tuple[str, str], KeyBytes],
    env: dict[str, str],
    cwd: Path,
    clerk: str,
    size: tuple[int, int] = (120, 40),
) -> TmuxPane:
    """Run the ssh client in a tmux pane and wait for the app's start screen as ``clerk``."""
    pane = make_pane(*size)
    pane.start(argv, env=env, terminal=terminal, keys=key_table, cwd=cwd)
    screen = pane.wait_for_start_screen()
    assert f"tui-crm — {clerk} (clerk) · " in screen.splitlines()[0], screen
    return pane


def one_phone_party(database: Path) -> tuple[str, str]:
    """``(number, e164)`` of a party with exactly one phone number (F12 dials it at once)."""
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT party.number, MIN(phone.e164) FROM party"
            " JOIN phone ON phone.party_id = party.id"
            " GROUP BY party.id HAVING COUNT(*) = 1 ORDER BY party.id LIMIT 1"
        ).fetchone()
    assert row is not None, "the demo data has no party with one phone number"
    return str(row[0]), str(row[1])


def rows(database: Path, sql: str, *parameters: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(database, timeout=5) as connection:
        return connection.execute(sql, parameters).fetchall()


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Callable[[str], int]]:
    """Start a private OpenSSH server on loopback with one authorized_keys line; give its port."""
    binary = shutil.which("sshd") or next(
        (path for path in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(path, os.X_OK)),
        None,
    )
    if binary is None:
        pytest.skip("sshd is not installed (apt-get install openssh-server)")
    started: list[subprocess.Popen[bytes]] = []

    def start(authorized_line: str) -> int:
        folder = tmp_path / "sshd"
        folder.mkdir()
        keygen(folder / "host_key", "host")
        (folder / "authorized_keys").write_text(authorized_line + "\n", encoding="utf-8")
        (folder / "sshd_config").write_text(
            f"HostKey {folder / 'host_key'}\n"
            f"AuthorizedKeysFile {folder / 'authorized_keys'}\n"
            f"PidFile {folder / 'sshd.pid'}\n"
            "ListenAddress 127.0.0.1\n"
            "StrictModes no\nUsePAM no\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "AllowTcpForwarding no\nX11Forwarding no\nPermitTTY yes\n",
            encoding="utf-8",
        )
        if os.geteuid() == 0:
            # A root sshd needs its privilege separation directory (the service makes it).
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        port = free_port()
        log = (folder / "sshd.log").open("wb")
        process = subprocess.Popen(
            [binary, "-D", "-e", "-f", str(folder / "sshd_config"), "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        wait_until(
            lambda: listening(port) or process.poll() is not None, "sshd to listen", timeout=10
        )
        if process.poll() is not None:
            pytest.fail(f"sshd ended: {(folder / 'sshd.log').read_text(errors='replace')}")
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_openssh_forced_command_logs_in_as_alice_and_survives_a_killed_client(
    sshd: Callable[[str], int],
    ssh_client: str,
    tmux_panes: Callable[[int, int], TmuxPane],
    terminal: Terminal,
    key_table: dict[tuple[str, str], KeyBytes],
    app_env: dict[str, str],
    crm_db: Path,
    tmp_path: Path,
) -> None:
    script, dialled = recorder(tmp_path)
    config = tmp_path / "ssh-config.toml"
    config.write_text(
        f'[telephony]\nbackend = "command"\ncommand = ["{script}", "{{e164}}"]\n', encoding="utf-8"
    )
    public = keygen(tmp_path / "client_key", "alice@desk")
    folders = " ".join(f"{name}={value}" for name, value in app_env.items())
    command = f"{folders} exec {tui_crm()} --config {config} --clerk alice --db {crm_db}"
    port = sshd(f'restrict,pty,command="{command}" {public}')
    argv = client_argv(ssh_client, tmp_path / "client_key", port, getpass.getuser())
    pane = login(tmux_panes, argv, terminal, key_table, app_env, tmp_path, "alice")

    number, e164 = one_phone_party(crm_db)
    pane.send_text(number)
    pane.wait_for_text("1 found")
    pane.send_hex(ENTER)
    pane.wait_for_text(f"{number}: ", "INQUIRY")
    pane.settled()
    pane.press("f12")
    wait_until(dialled.exists, "the dial command")
    assert dialled.read_text(encoding="utf-8") == f'["{e164}"]'
    logged = wait_until(
        lambda: rows(
            crm_db,
            "SELECT contact_log.kind, contact_log.phone_e164, party.number FROM contact_log"
            " JOIN clerk ON clerk.id = contact_log.clerk_id"
            " JOIN party ON party.id = contact_log.party_id WHERE clerk.login = 'alice'",
        ),
        "the call in the contact log",
    )
    assert logged == [("phone_out", e164, number)]

    pane.press("f11")
    pane.wait_for_text("New follow-up")
    pane.settled()
    pane.send_text("+1w")
    pane.wait_for_text("(in 7 days)")
    for _field in range(2):
        pane.send_hex(TAB)
        pane.settled(quiet=0.1)
    pane.send_text("Over SSH")
    pane.wait_for_text("Over SSH")
    pane.send_hex(ENTER)
    pane.wait_for_text("Follow-up saved")
    saved = rows(
        crm_db,
        "SELECT party.number, owner.login, creator.login FROM follow_up"
        " JOIN party ON party.id = follow_up.party_id JOIN clerk owner ON owner.id = owner_id"
        " JOIN clerk creator ON creator.id = created_by_id WHERE subject = 'Over SSH'",
    )
    assert saved == [(number, "alice", "alice")]

    # Mid-edit: a second follow-up half typed, then the client dies without a word.
    pane.press("f11")
    pane.wait_for_text("New follow-up")
    pane.settled()
    pane.send_text("+2")
    pane.wait_for_text("(in 2 days)")
    for _field in range(2):
        pane.send_hex(TAB)
        pane.settled(quiet=0.1)
    pane.send_text("Half typed")
    pane.wait_for_text("Half typed")
    assert processes_with(str(crm_db)), "no server-side tui-crm while logged in"
    clients = processes_with(f"-p {port} -o IdentitiesOnly=yes", ssh_client)
    assert clients, "the ssh client is not running"
    for pid in clients:
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not processes_with(str(crm_db)), "the server-side tui-crm to end")

    assert rows(crm_db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(crm_db, "SELECT COUNT(*) FROM follow_up WHERE subject LIKE 'Half%'") == [(0,)]
    with sqlite3.connect(crm_db, timeout=0.5) as connection:
        connection.execute("BEGIN IMMEDIATE")  # no lock was left behind
        connection.rollback()


SERVER_LINE = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


@pytest.fixture
def serve_ssh(tmp_path: Path, app_env: dict[str, str]) -> Iterator[Callable[..., tuple[int, Path]]]:
    """Start ``tui-crm serve-ssh`` on a free loopback port; give (port, its log file)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(database: Path, authorized: Path, *options: str) -> tuple[int, Path]:
        log_path = tmp_path / "serve-ssh.log"
        argv = [tui_crm(), "--db", str(database), "serve-ssh", "--address", "127.0.0.1"]
        argv += ["--port", "0", "--host-key", str(tmp_path / "host_key")]
        argv += ["--authorized-keys", str(authorized), *options]
        process = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=log_path.open("wb"),
            env={**os.environ, **app_env},
        )
        started.append(process)

        def port() -> int:
            found = SERVER_LINE.search(log_path.read_text(encoding="utf-8", errors="replace"))
            if process.poll() is not None:
                pytest.fail(f"serve-ssh ended: {log_path.read_text()}")
            return int(found.group(1)) if found else 0

        return int(wait_until(port, "serve-ssh to listen")), log_path  # type: ignore[call-overload]

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0


def test_serve_ssh_maps_the_key_to_its_clerk_follows_resizes_and_limits_sessions(
    serve_ssh: Callable[..., tuple[int, Path]],
    ssh_client: str,
    tmux_panes: Callable[[int, int], TmuxPane],
    terminal: Terminal,
    key_table: dict[tuple[str, str], KeyBytes],
    app_env: dict[str, str],
    crm_db: Path,
    tmp_path: Path,
) -> None:
    public = keygen(tmp_path / "bob_key", "someone@laptop")
    keygen(tmp_path / "stranger_key", "stranger")
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(f'# the counter\ntui-crm-clerk="bob" {public}\n', encoding="utf-8")
    idle = 10
    port, log = serve_ssh(crm_db, authorized, "--max-sessions", "1", "--idle-timeout", str(idle))
    assert "generated a new host key" in log.read_text(encoding="utf-8")
    argv = client_argv(ssh_client, tmp_path / "bob_key", port)
    pane = login(tmux_panes, argv, terminal, key_table, app_env, tmp_path, "bob", (100, 30))
    assert "xterm-256color 100x30" in log.read_text(encoding="utf-8")
    pane.send_text("zwack")
    pane.wait_for_text("Zwackelmann")

    # The window grows: the app is told and paints the new rows.
    pane.tmux_run("resize-window", "-t", "e2e", "-x", "130", "-y", "42")
    screen = pane.wait_for(
        lambda screen: len(screen.splitlines()) >= 41 and "F1 Help" in screen.splitlines()[-1],
        "the app to fill 130x42",
    )
    assert max(len(line) for line in screen.splitlines()) > 100, screen

    # A second session while one runs: refused with a clear message.
    second = subprocess.run(
        client_argv(ssh_client, tmp_path / "bob_key", port),
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert second.returncode == 1, second
    assert "all 1 sessions are in use; try again later." in second.stdout, second

    # Passwords and keyboard-interactive are not offered; unknown keys do not get in.
    for extra in (
        ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password"],
        ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=keyboard-interactive"],
        ["-i", str(tmp_path / "stranger_key")],
    ):
        refused = subprocess.run(
            [*client_argv(ssh_client, tmp_path / "stranger_key", port), *extra, "true"],
            capture_output=True,
            text=True,
            timeout=DEADLINE_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert refused.returncode == 255, refused
        assert "Permission denied (publickey)" in refused.stderr, refused

    # No key for the idle timeout: the app is hung up and the client told why.
    pane.send_text("e")
    started = time.monotonic()
    screen = pane.wait_for_text(f"no key for {idle} s; the session was closed", timeout=idle + 8)
    assert time.monotonic() - started >= idle - 1, screen
    assert pane.wait_for_exit() == 128 + signal.SIGHUP
    wait_until(lambda: not processes_with("--clerk bob", sys.executable), "the app to end")
    wait_until(lambda: f"ended (tui-crm: no key for {idle} s" in log.read_text(), "the log line")

    # The session's place is free again; a client killed outright takes its app with it.
    again = login(tmux_panes, argv, terminal, key_table, app_env, tmp_path, "bob", (80, 24))
    assert again.wait_for_text("F1 Help")
    clients = processes_with(f"-p {port} -o IdentitiesOnly=yes", ssh_client)
    assert len(clients) == 1, clients
    os.kill(clients[0], signal.SIGKILL)
    # Well within the idle timeout: the closed connection, not the timer, hung it up.
    wait_until(lambda: not processes_with("--clerk bob", sys.executable), "the app", timeout=5)
    wait_until(lambda: log.read_text().count("ended (exit status 129)") == 1, "the log line")
