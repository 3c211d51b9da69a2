"""The serve-ssh key file, its host key, and what an SSH session changes in the app."""

from __future__ import annotations

import stat
from pathlib import Path

import asyncssh
import pytest

from tui_crm.cli import remote_options
from tui_crm.config import Settings, load_settings
from tui_crm.errors import ConfigError
from tui_crm.services.ssh_server import load_host_key, parse_authorized_keys


@pytest.fixture(scope="module")
def public_keys() -> list[str]:
    """Two public key lines without comments (``ssh-ed25519 AAAA…``)."""
    return [
        asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
        for _ in range(2)
    ]


def test_the_clerk_comes_from_the_option_else_from_the_comment(public_keys: list[str]) -> None:
    first, second = public_keys
    text = f'# counter 1\ntui-crm-clerk="alice" {first} someone@laptop\n\n{second} bob@desk-3\n'
    keys = parse_authorized_keys(text)
    assert [(key.clerk, key.line, key.key_type) for key in keys] == [
        ("alice", 2, "ssh-ed25519"),
        ("bob", 4, "ssh-ed25519"),
    ]
    assert keys[0].blob == asyncssh.import_public_key(first).public_data


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{key}", ":2: names no clerk"),
        ("{key} -bad", ":2: names no clerk: put tui-crm-clerk=\"LOGIN\" before the key ('-bad'"),
        ('from="10.0.0.0/8",tui-crm-clerk="eve" {key}', ":2: only the option"),
        ('command="sh" {key} eve', ":2: only the option tui-crm-clerk"),
        ("ssh-ed25519 not-base64! eve", ":2: the key is not valid base64"),
        ("ssh-rsa {blob} eve", ":2: the key data is not a ssh-rsa key"),
        ("hello world", ":2: not a public key line"),
    ],
)
def test_bad_lines_are_refused_with_file_and_line(
    public_keys: list[str], line: str, problem: str
) -> None:
    key = public_keys[0]
    text = f'tui-crm-clerk="ok" {key}\n' + line.format(key=key, blob=key.split()[1]) + "\n"
    with pytest.raises(ConfigError) as failure:
        parse_authorized_keys(text, "keys.txt")
    assert failure.value.msg.startswith("keys.txt" + problem), failure.value.msg


def test_a_missing_host_key_is_generated_once_and_private(tmp_path: Path) -> None:
    said: list[str] = []
    path = tmp_path / "host_key"
    made = load_host_key(path, said.append)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert said == [f"generated a new host key {path} ({made.get_fingerprint()})"]
    again = load_host_key(path, said.append)
    assert again.public_data == made.public_data
    assert len(said) == 1


def test_a_broken_host_key_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "host_key"
    path.write_text("not a key\n")
    with pytest.raises(ConfigError, match="not a usable SSH host key"):
        load_host_key(path, print)


def test_over_ssh_the_mouse_and_animations_are_off_unless_asked_for(tmp_path: Path) -> None:
    local = Settings()
    assert remote_options(local, {}) == (True, "")
    over_ssh = {"SSH_CONNECTION": "10.0.0.5 50000 10.0.0.1 22"}
    assert remote_options(local, over_ssh) == (False, "none")
    config = tmp_path / "config.toml"
    config.write_text("mouse_over_ssh = true\n")
    assert remote_options(load_settings(config), over_ssh) == (
        True,
        "none",
    )
    config.write_text("mouse = false\nmouse_over_ssh = true\n")
    assert remote_options(load_settings(config), over_ssh)[0] is False
    config.write_text('mouse_over_ssh = "yes"\n')
    with pytest.raises(ConfigError, match=":1: mouse_over_ssh: must be true or false"):
        load_settings(config)


def test_serve_ssh_refuses_bad_options_and_files_before_listening(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui_crm import cli

    keys = tmp_path / "authorized_keys"
    keys.write_text("ssh-ed25519 AAAA\n")
    host_key = tmp_path / "host_key"
    base = ["serve-ssh", "--port", "0", "--host-key", str(host_key), "--authorized-keys"]
    assert cli.main(["--db", str(people), *base, str(keys)]) == 2
    assert capsys.readouterr().err == (
        f"tui-crm: {keys}:1: the key data is not a ssh-ed25519 key\n"
    )
    assert not host_key.exists()
    assert cli.main(["--db", str(people), *base, str(tmp_path / "none")]) == 2
    assert "cannot read the authorized keys" in capsys.readouterr().err
    assert cli.main(["--db", str(tmp_path / "no.sqlite"), *base, str(keys)]) == 1
    assert "no.sqlite" in capsys.readouterr().err
    assert cli.main(["--db", str(people), *base, str(keys), "--max-sessions", "0"]) == 1
    assert capsys.readouterr().err == "tui-crm: --max-sessions must be at least 1, not 0\n"


def test_under_sshd_the_app_runs_without_mouse_and_animations(
    people: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui_crm import cli
    from tui_crm.app import CrmApp

    seen: dict[str, object] = {}

    def run(self: CrmApp, **options: object) -> None:
        seen.update(options, animations=self.animation_level)

    monkeypatch.setattr(CrmApp, "run", run)
    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.7 52100 192.0.2.1 22")
    assert cli.main(["--db", str(people)]) == 0
    assert seen == {"mouse": False, "animations": "none"}
