"""Over SSH (animations off) the cursor of a text field does not blink."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.ui.conftest import make_app


@pytest.mark.parametrize(("level", "blinks"), [("none", False), ("full", True)])
async def test_the_cursor_blinks_only_with_animations(
    people: Path, level: str, blinks: bool
) -> None:
    app = make_app(people)
    app.animation_level = level  # type: ignore[assignment]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        search = app.screen.query_one("#search", Input)
        assert search.has_focus
        assert search.cursor_blink is blinks
        search.blur()
        await pilot.pause()
        search.focus()  # focused again: still as before
        await pilot.pause()
        assert search.cursor_blink is blinks
