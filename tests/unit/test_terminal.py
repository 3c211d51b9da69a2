"""The parser fixes of tui_crm.terminal: every key of terminal-keys.tsv, and the Esc rules."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from textual import constants, events

from tui_crm import terminal

TABLE = Path(__file__).resolve().parents[1] / "e2e" / "terminal-keys.tsv"
"""What each terminal sends for each key, and what Textual 8.2.8 alone makes of it."""

FIXED = {
    ("putty-tilde", "shift+f3"): "f13",
    ("putty-tilde", "shift+f4"): "f14",
    ("putty-tilde", "shift+f5"): "f15",
    ("putty-tilde", "shift+f6"): "f16",
    ("putty-tilde", "shift+f7"): "f17",
    ("putty-tilde", "shift+f8"): "f18",
    ("putty-tilde", "shift+f9"): "f19",
    ("putty-tilde", "shift+f10"): "f20",
    ("xterm", "shift+f3"): "shift+f3",
    ("xterm", "alt+f3"): "alt+f3",
    ("xterm", "alt+shift+f3"): "alt+shift+f3",
    ("xterm", "ctrl+f3"): "ctrl+f3",
    ("xterm", "ctrl+shift+f3"): "ctrl+shift+f3",
    ("xterm", "ctrl+alt+f3"): "alt+ctrl+f3",
}
"""What the rows marked BROKEN arrive as now."""


def rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def keys_of(data: str) -> list[str]:
    """Feed ``data`` in one piece and return the keys reported, a lone Esc's timeout included."""
    parser = terminal.TerminalKeyParser()
    tokens = list(parser.feed(data))
    deadline = time.monotonic() + 1.0
    # Wait only while an Esc is pending: in the parser (a timeout) or held back by the fix.
    while parser._timeout_time is not None or parser._held_escape is not None:
        assert time.monotonic() < deadline, "the Esc never arrived"
        time.sleep(constants.ESCAPE_DELAY / 4)
        tokens += parser.tick()
    assert all(isinstance(token, events.Key) for token in tokens), tokens
    return [token.key for token in tokens if isinstance(token, events.Key)]


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    terminal.install()


@pytest.mark.parametrize("row", rows(), ids=lambda row: f"{row['terminal']}-{row['physical_key']}")
def test_every_key_of_the_table_arrives_as_the_key_pressed(row: dict[str, str]) -> None:
    data = bytes.fromhex(row["tmux_send_keys_-H"].replace(" ", "")).decode()
    textual = row["textual_8.2.8_key"]
    if row["status"] == "BROKEN":
        expected = [FIXED[(row["terminal"], row["physical_key"])]]
    elif textual.startswith("escape,"):
        expected = [textual.removeprefix("escape,")]  # PuTTY's Alt+Fn runs Fn
    else:
        expected = [textual]
    assert keys_of(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("\x1b", ["escape"]),
        ("\x1b\x1b", ["escape", "escape"]),
        ("\x1b\x1b[B", ["alt+down"]),
        ("\x1b\x1b[5~", ["alt+pageup"]),
        ("\x1b\x1b[1;2P", ["shift+f1"]),
        ("\x1b\x1bOP", ["f1"]),
        ("\x1b\x1b[[A", ["f1"]),
        ("x\x1b\x1b[24~y", ["x", "f12", "y"]),
        ("\x1b\x1b\r", ["escape", "enter"]),
        ("\x1bOb", ["ctrl+down"]),
        ("\x1bOa", ["ctrl+up"]),
        ("\x1b[25;2~", ["shift+f13"]),
        ("\x1b[34;5~", ["ctrl+f20"]),
        ("\x1b[1;8R", ["alt+ctrl+shift+f3"]),
        ("\x1b1", ["alt+1"]),
        ("\x1b0", ["alt+0"]),
        ("\x1bf", ["alt+f"]),
        ("\x1bb", ["alt+b"]),
        ("\x1bk", ["alt+k"]),
        ("\x1bA", ["alt+shift+a"]),
    ],
    ids=repr,
)
def test_esc_before_a_key_and_other_sequences(data: str, expected: list[str]) -> None:
    assert keys_of(data) == expected


@pytest.mark.parametrize("number", [9, 10, 16, 22, 27, 30, 35, 99])
def test_a_tilde_sequence_that_names_no_key_is_ignored(number: int) -> None:
    assert keys_of(f"a\x1b[{number}~b") == ["a", "b"]
    assert keys_of(f"\x1b[{number};5~") == []


def test_alt_letters_type_nothing() -> None:
    parser = terminal.TerminalKeyParser()
    (token,) = parser.feed("\x1bt")
    assert isinstance(token, events.Key)
    assert (token.key, token.character, token.is_printable) == ("alt+t", None, False)


def test_esc_then_f_key_split_across_reads() -> None:
    parser = terminal.TerminalKeyParser()
    tokens = [*parser.feed("\x1b\x1b"), *parser.tick(), *parser.feed("[23~")]
    assert [token.key for token in tokens if isinstance(token, events.Key)] == ["f11"]


def test_a_held_esc_with_nothing_after_it_arrives_after_the_delay() -> None:
    parser = terminal.TerminalKeyParser()
    # ESC ESC then a sequence Textual ignores: the first Esc must not be lost.
    tokens = list(parser.feed("\x1b\x1b[16~"))
    assert tokens == []
    time.sleep(2 * constants.ESCAPE_DELAY + 0.02)
    assert [token.key for token in parser.tick() if isinstance(token, events.Key)] == ["escape"]


def test_a_real_cursor_position_report_is_left_alone() -> None:
    parser = terminal.TerminalKeyParser()
    (token,) = parser.feed("\x1b[12;40R")
    assert isinstance(token, events.CursorPosition)
    assert (token.x, token.y) == (39, 11)


def test_install_gives_the_linux_driver_the_parser() -> None:
    from textual.drivers import linux_driver

    assert linux_driver.XTermParser is terminal.TerminalKeyParser  # type: ignore[attr-defined]


def test_esc_pressed_before_an_f_key_is_the_esc_key() -> None:
    """Esc, then F1 50 ms later (within the Esc delay): both keys, not PuTTY's Alt+F1."""
    parser = terminal.TerminalKeyParser()
    tokens = list(parser.feed("\x1b"))
    time.sleep(0.05)
    tokens += parser.feed("\x1b[11~")
    assert [token.key for token in tokens if isinstance(token, events.Key)] == ["escape", "f1"]


def test_esc_and_f_key_in_two_reads_at_once_are_alt_f_key() -> None:
    parser = terminal.TerminalKeyParser()
    tokens = [*parser.feed("\x1b"), *parser.feed("\x1b[11~")]
    assert [token.key for token in tokens if isinstance(token, events.Key)] == ["f1"]
