"""Extract the UI strings, merge them into the de/en catalogues and compile the .mo files.

Run after changing UI text: ``python scripts/catalogues.py``; then translate the new empty
``msgstr`` entries in ``tui_crm/locale/de/LC_MESSAGES/tui_crm.po`` and run it again.
English entries are filled with the msgid. The test suite fails while an entry is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "tui_crm" / "locale"
POT = LOCALE / "tui_crm.pot"


def pybabel(*args: str) -> None:
    """Run pybabel from the same environment."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


def main() -> int:
    """Extract, update, fill English, compile."""
    pybabel(
        "extract",
        "--no-location",
        "--sort-output",
        "--project=tui-crm",
        "-k",
        "ngettext:1,2",
        "-o",
        str(POT),
        str(ROOT / "tui_crm"),
    )
    for language in ("de", "en"):
        po = LOCALE / language / "LC_MESSAGES" / "tui_crm.po"
        if po.exists():
            pybabel(
                "update",
                "--no-fuzzy-matching",
                "--ignore-obsolete",
                "-l",
                language,
                "-D",
                "tui_crm",
                "-i",
                str(POT),
                "-d",
                str(LOCALE),
            )
        else:
            pybabel("init", "-l", language, "-D", "tui_crm", "-i", str(POT), "-d", str(LOCALE))
    english = LOCALE / "en" / "LC_MESSAGES" / "tui_crm.po"
    with english.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
    with english.open("wb") as handle:
        write_po(handle, catalog, omit_header=False)
    pybabel("compile", "--use-fuzzy", "-D", "tui_crm", "-d", str(LOCALE), "--statistics")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
