"""The house rules as tests: ruff, mypy, import-linter layers, styles and no stubs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui_crm.paths import STYLES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["tui_crm", "tests", "scripts", "bench"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; pip install -e '.[test]'")
    return found


def test_ruff_check() -> None:
    result = run(tool("ruff"), "check", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run(tool("ruff"), "format", "--check", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers() -> None:
    result = run(tool("lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_css_path_exists() -> None:
    declared = set()
    for source in (ROOT / "tui_crm").rglob("*.py"):
        declared.update(re.findall(r'STYLES / "([\w-]+\.tcss)"', source.read_text()))
    assert declared
    missing = sorted(name for name in declared if not (STYLES / name).is_file())
    assert not missing


def test_no_stubs_in_the_package() -> None:
    pattern = re.compile(r"^\s*(pass|\.\.\.)\s*(#.*)?$|TODO|NotImplementedError")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "tui_crm").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not offenders
