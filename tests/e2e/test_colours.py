"""Colours as the terminal gets them: 16 for ``TERM=xterm``, more when the config says so,
and greys only with ``NO_COLOR``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import StartApp, Terminal

pytestmark = pytest.mark.e2e

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
"""A Select Graphic Rendition sequence in ``tmux capture-pane -e`` output."""


def colours(screen: str) -> set[str]:
    """The colour codes of a captured screen: ``31``, ``38;5;236``, ``48;2;27;31;36`` …"""
    found: set[str] = set()
    for match in SGR.finditer(screen):
        parts = match.group(1).split(";")
        index = 0
        while index < len(parts):
            part = parts[index]
            if part in ("38", "48") and index + 1 < len(parts):
                width = 3 if parts[index + 1] == "5" else 5
                found.add(";".join(parts[index : index + width]))
                index += width
                continue
            if part and (30 <= int(part) <= 37 or 40 <= int(part) <= 47 or 90 <= int(part) <= 107):
                found.add(part)
            index += 1
    return found


def captured(pane: object) -> str:
    return pane.tmux_run("capture-pane", "-p", "-e", "-t", "e2e").stdout  # type: ignore[attr-defined]


@pytest.mark.parametrize("terminal", ["putty"], indirect=True)
def test_term_xterm_gets_the_16_colour_theme(start_app: StartApp, terminal: Terminal) -> None:
    pane = start_app(terminal, (80, 24))
    used = colours(captured(pane))
    assert used, "no colours at all"
    assert all(";" not in code for code in used), f"more than 16 colours: {sorted(used)}"
    # F9 names the next theme: after the 16-colour one comes the default again.
    pane.send_hex(["1b", "5b", "32", "30", "7e"])
    screen = pane.wait_for_text("Theme")
    assert "tui-crm-contrast" not in screen
    assert "tui-crm-16" not in screen
    assert pane.quit() == 0


@pytest.mark.parametrize("terminal", ["putty"], indirect=True)
def test_color_system_in_the_config_sets_textual_color_system(
    start_app: StartApp, terminal: Terminal, app_env: dict[str, str]
) -> None:
    config = Path(app_env["TUI_CRM_CONFIG_DIR"]) / "config.toml"
    config.write_text('color_system = "truecolor"\n', encoding="utf-8")
    pane = start_app(terminal, (80, 24))
    used = colours(captured(pane))
    assert any(code.startswith("48;2;") for code in used), sorted(used)
    assert pane.quit() == 0


def test_no_color_draws_greys_only(
    start_app: StartApp, terminal: Terminal, app_env: dict[str, str]
) -> None:
    app_env["NO_COLOR"] = "1"
    pane = start_app(terminal, (80, 24))
    used = colours(captured(pane))
    assert used, "no greys either"
    for code in used:
        parts = code.split(";")
        assert len(parts) > 1, f"a named colour with NO_COLOR: {code}"
        mode, values = parts[1], parts[2:]
        if mode == "5":
            number = int(values[0])
            assert number in (0, 7, 8, 15, 16, 231) or number >= 232, code
        else:
            assert len(set(values)) == 1, code
    assert pane.quit() == 0
