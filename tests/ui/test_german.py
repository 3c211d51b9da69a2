"""The app in German: every label from the catalogue (a fresh process, as at start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio, sys
from tui_crm import i18n
i18n.setup("de")
from tests.ui.conftest import make_app
from pathlib import Path

async def main():
    app = make_app(Path(sys.argv[1]), language="de")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        print(app.export_screenshot())

asyncio.run(main())
"""


def test_the_app_speaks_german(people: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(people)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    screen = result.stdout
    for word in ("Hilfe", "Suche", "Aktualisieren", "Beenden", "Tasten", "Aktion"):
        assert word in screen, word
