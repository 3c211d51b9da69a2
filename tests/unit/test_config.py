"""The config file: defaults, values, and one clear message for every mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui_crm.config import Settings, load_settings, with_overrides
from tui_crm.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "nope.toml")
    assert settings.region == "DE"
    assert settings.theme == "tui-crm"
    assert settings.mouse is True
    assert settings.clerk
    assert settings.database_url.endswith("crm.sqlite")


def test_every_setting_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
database = "/srv/crm.sqlite"
clerk = "alice"
region = "AT"
language = "de"
theme = "tui-crm-16"
color_system = "256"
mouse = false
templates_dir = "~/tpl"
documents_dir = "/srv/docs"

[keymap]
"app.help" = "f1,alt+h"
""",
    )
    settings = load_settings(path)
    assert settings == Settings(
        database="/srv/crm.sqlite",
        clerk="alice",
        region="AT",
        language="de",
        theme="tui-crm-16",
        color_system="256",
        mouse=False,
        templates_dir="~/tpl",
        documents_dir="/srv/docs",
        keymap={"app.help": "f1,alt+h"},
        source=str(path),
    )
    assert settings.documents_path == Path("/srv/docs")
    assert settings.templates_path == Path("~/tpl").expanduser()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('region = "DE"\ntheme = "pink"\n', ":2: theme: must be one of"),
        ('\n\nmouse = "yes"\n', ":3: mouse: must be true or false"),
        ('colour = "x"\n', ":1: colour: unknown setting"),
        ('region = "Germany"\n', ":1: region: must be a two-letter country code"),
        ("clerk = 5\n", ":1: clerk: must be a string"),
        ('[keymap]\n"app.help" = ""\n', ":2: app.help: keys must be a non-empty string"),
        ('language = "fr"\n', ":1: language: must be one of de, en"),
    ],
)
def test_bad_values_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert raised.value.msg.startswith(str(path))
    assert expected in raised.value.msg


def test_broken_toml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'region = "DE"\ntheme = \n')
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert str(path) in raised.value.msg
    assert "line 2" in raised.value.msg


def test_overrides_replace_only_given_values() -> None:
    settings = with_overrides(Settings(clerk="bob"), database=None, clerk="alice")
    assert settings.clerk == "alice"
    assert settings.database == ""


def run_cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "TUI_CRM_CONFIG_DIR": str(env_dir / "config"),
        "TUI_CRM_DATA_DIR": str(env_dir / "data"),
        "HOME": str(env_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "tui_crm", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_cli_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('theme = "pink"\n')
    result = run_cli("config", "show", env_dir=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "config.toml:1: theme:" in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_config_path_and_show(tmp_path: Path) -> None:
    result = run_cli("config", "path", env_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == str(tmp_path / "config" / "config.toml")
    result = run_cli("--clerk", "alice", "config", "show", env_dir=tmp_path)
    assert result.returncode == 0
    assert 'clerk = "alice"' in result.stdout
    assert f'database = "{tmp_path / "data" / "crm.sqlite"}"' in result.stdout
    assert "[keymap]" in result.stdout
