"""Readable in every colour system: no text drawn in its own background colour.

The screens are rendered with each theme, and every segment of text is looked at as a
16-colour terminal (``TERM=xterm``, ``screen``), the Linux console (bright backgrounds shown
dark), a 256-colour and a 24-bit terminal would show it, and with ``NO_COLOR``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem, ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from textual.pilot import Pilot

from tests.ui.conftest import make_app
from tui_crm.app import CrmApp
from tui_crm.config import THEMES
from tui_crm.terminal import theme_for

STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("start", ()),
    ("results", tuple("1000")),
    ("inquiry", ("enter",)),
    ("edit", ("f4",)),
    ("follow-ups", ("escape", "escape", "escape", "f3")),
)
"""Screens to look at and the keys that lead from one to the next."""

MIN_CONTRAST = 2.0
"""Lowest contrast ratio (WCAG) of text in 256 and 24-bit colour: muted text passes."""


def luminance(triplet: ColorTriplet) -> float:
    def channel(value: int) -> float:
        value_ = value / 255
        return value_ / 12.92 if value_ <= 0.03928 else ((value_ + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in triplet)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: ColorTriplet, other: ColorTriplet) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colours(segments: Iterator[Segment]) -> Iterator[tuple[str, Color, Color]]:
    """Text with letters or digits, with its foreground and background colour."""
    for text, style, _control in segments:
        if style is None or not any(char.isalnum() for char in text):
            continue
        fg, bg = style.color, style.bgcolor
        if style.reverse:
            fg, bg = bg, fg
        if fg is None or bg is None or ColorType.DEFAULT in (fg.type, bg.type):
            continue  # the terminal's own colours: readable by definition
        yield text, fg, bg


def unreadable(app: CrmApp, system: str) -> list[str]:
    """Text that ``system`` would draw unreadably, with its colours."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for text, fg, bg in text_colours(iter(strip)):
            if system in ("standard", "linux"):
                fore = fg.downgrade(ColorSystem.STANDARD).number
                back = bg.downgrade(ColorSystem.STANDARD).number
                if system == "linux" and back is not None:
                    back %= 8  # the console shows bright backgrounds as their dark colour
                bad = fore == back
            else:
                depth = ColorSystem.EIGHT_BIT if system == "256" else ColorSystem.TRUECOLOR
                bad = (
                    contrast(
                        fg.downgrade(depth).get_truecolor(), bg.downgrade(depth).get_truecolor()
                    )
                    < MIN_CONTRAST
                )
            if bad:
                found.append(f"{text.strip()!r} {fg.name} on {bg.name}")
    return found


async def walk(app: CrmApp, pilot: Pilot[None], systems: tuple[str, ...]) -> list[str]:
    problems = []
    for name, keys in STEPS:
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for system in systems:
            problems += [f"{name}, {system}: {text}" for text in unreadable(app, system)]
    return problems


def check(problems: list[str]) -> None:
    assert not problems, "unreadable text:\n" + "\n".join(problems)


@pytest.mark.parametrize("theme", THEMES)
async def test_every_theme_is_readable_in_16_256_and_24_bit_colour(
    people: Path, theme: str
) -> None:
    """Each theme in 256 and 24-bit colour, and with 16 colours the one chosen for them."""
    for term in ("xterm", "linux", "screen"):
        assert theme_for(theme, {"TERM": term}) == ("tui-crm-16" if theme == "tui-crm" else theme)
    systems = ("256", "truecolor") + (() if theme == "tui-crm" else ("standard", "linux"))
    app = make_app(people, theme=theme)
    async with app.run_test(size=(120, 36)) as pilot:
        check(await walk(app, pilot, systems))


@pytest.mark.parametrize(("term", "system"), [("xterm", "standard"), ("xterm-256color", "256")])
async def test_no_color_is_readable_and_grey(
    people: Path, monkeypatch: pytest.MonkeyPatch, term: str, system: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    theme = theme_for("tui-crm", {"TERM": term, "NO_COLOR": "1"})
    assert theme == "tui-crm", "greys of the 24-bit theme: the ANSI theme would go black"
    app = make_app(people, theme=theme)
    async with app.run_test(size=(120, 36)) as pilot:
        check(await walk(app, pilot, (system,)))
        # Textual draws in greys only: no colour is left.
        for strip in app.screen._compositor.render_strips():
            for _text, fg, bg in text_colours(iter(strip)):
                for colour in (fg, bg):
                    red, green, blue = colour.get_truecolor()
                    assert red == green == blue, colour
