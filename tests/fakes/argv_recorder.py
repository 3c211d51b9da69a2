"""A dial command for tests: a script that writes its argv as JSON and exits with a status."""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = """\
#!{python}
import json, sys, time
with open({out!r}, "w", encoding="utf-8") as handle:
    json.dump(sys.argv[1:], handle)
time.sleep({sleep})
if {status}:
    print("line busy", file=sys.stderr)
sys.exit({status})
"""


def recorder(folder: Path, *, status: int = 0, sleep: float = 0.0) -> tuple[Path, Path]:
    """Write the script into ``folder``; return ``(script, file its argv lands in)``."""
    out = folder / "argv.json"
    script = folder / "dial-recorder"
    script.write_text(
        SCRIPT.format(python=sys.executable, out=str(out), status=status, sleep=sleep),
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script, out
