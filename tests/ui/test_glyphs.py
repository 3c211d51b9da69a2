"""Only characters that Windows console fonts have: every screen and dialog, as drawn."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import make_app
from tui_crm.terminal import SAFE_GLYPHS

STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("start screen", ()),
    ("command palette", ("ctrl+p",)),
    ("help", ("escape", "f1")),
    ("results", ("escape", *"1000")),
    ("follow-up dialog", ("f11",)),
    ("log contact", ("escape", "alt+k")),
    ("call", ("escape", "f12")),
    ("inquiry", ("escape", "enter")),
    ("bookmarked toast", ("f8",)),
    *((f"tab {digit}", (f"alt+{digit}",)) for digit in "123456789"),
    ("edit mode", ("f4",)),
    ("new customer", ("escape", "alt+n")),
    ("follow-up list", ("escape", "f3", "f7")),
    ("postpone", ("f6",)),
    ("call suggestions", ("escape", "escape", "alt+a")),
)
"""Where to look, and the keys that lead there from the step before."""


async def test_every_screen_draws_only_safe_glyphs(people: Path) -> None:
    app = make_app(people)
    found: dict[str, set[str]] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        for name, keys in STEPS:
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            if name == "call":
                assert "Dial on your phone" in "".join(
                    strip.text for strip in app.screen._compositor.render_strips()
                )
            for strip in app.screen._compositor.render_strips():
                for char in strip.text:
                    if char not in SAFE_GLYPHS:
                        found.setdefault(f"U+{ord(char):04X} {char}", set()).add(name)
    assert not found, "\n".join(f"{char}: {sorted(where)}" for char, where in found.items())
