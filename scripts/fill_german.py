"""Fill empty German ``msgstr`` entries from a JSON file of ``{msgid: German}``.

For merging branches or adding many strings at once: ``python scripts/fill_german.py FILE``,
then ``python scripts/catalogues.py`` to compile. Entries already translated are kept.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = (
    Path(__file__).resolve().parents[1] / "tui_crm" / "locale" / "de" / "LC_MESSAGES" / "tui_crm.po"
)


def main(path: str) -> int:
    """Fill, write, and list what is still missing."""
    german = json.loads(Path(path).read_text(encoding="utf-8"))
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and not message.string and message.id in german:
            message.string = german[message.id]
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=100)
    missing = [message.id for message in catalog if message.id and not message.string]
    for msgid in missing:
        print(f"missing: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
