"""No character a Windows console font lacks in the strings of the code, the styles and the
translations (docstrings and comments may say what they like)."""

from __future__ import annotations

import ast
from pathlib import Path

from tui_crm.terminal import SAFE_GLYPHS

ROOT = Path(__file__).resolve().parents[2]
"""The checkout."""


def docstrings(tree: ast.AST) -> set[int]:
    """Ids of the string constants that are docstrings (of modules, classes, functions, or
    attributes: a string statement on its own)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            found.add(id(node.value))
    return found


def unsafe(text: str) -> str:
    """The characters of ``text`` that are glyphs (not control characters) and not safe."""
    return "".join(
        sorted({char for char in text if char not in SAFE_GLYPHS and char.isprintable()})
    )


def test_string_literals_of_the_code_are_safe() -> None:
    found = []
    for path in sorted((ROOT / "tui_crm").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and (bad := unsafe(node.value))
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {bad!r}")
    assert not found, "\n".join(found)


def test_styles_are_safe() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {bad!r}"
        for path in sorted((ROOT / "styles").glob("*.tcss"))
        if (bad := unsafe(path.read_text(encoding="utf-8")))
    ]
    assert not found, found


def test_translations_are_safe() -> None:
    found = []
    for path in sorted((ROOT / "tui_crm" / "locale").rglob("*.po")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith(("msgid", "msgstr", '"')) and (bad := unsafe(line)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {bad!r}")
    assert not found, "\n".join(found)


def test_the_check_knows_what_lucida_console_lacks() -> None:
    assert unsafe("Müller · 1.234,56 € … → ─│┌┐ █▀▄▌▐ ≡") == ""
    assert unsafe("\u258a\u2594\u2581\u2501\u256d\U0001f50e\u2713") == (
        "\u2501\u256d\u2581\u258a\u2594\u2713\U0001f50e"
    )
