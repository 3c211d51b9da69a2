"""Every binding: an id, valid key names in Textual's modifier order, an alternate for F-keys."""

from __future__ import annotations

import re

import pytest
from textual.keys import Keys

from tui_crm import keys

VALID_NAMES = {key.value for key in Keys} | {
    "question_mark",
    "enter",
    "escape",
    "down",
    *(chr(code) for code in range(ord("a"), ord("z") + 1)),
    *(str(digit) for digit in range(10)),
}
F_KEY = re.compile(r"^f([1-9]|1[0-9]|2[0-4])$")


@pytest.mark.parametrize("binding", keys.ALL, ids=lambda binding: binding.id)
def test_binding_keys_are_written_as_textual_reports_them(binding: object) -> None:
    for key in keys.split_keys(binding.key):  # type: ignore[attr-defined]
        *modifiers, name = key.split("+")
        assert modifiers == sorted(modifiers), f"{key}: modifiers must be alphabetical"
        assert all(modifier in keys.MODIFIERS for modifier in modifiers), key
        assert name in VALID_NAMES or F_KEY.match(name), f"{key}: unknown key name {name!r}"


def test_ids_are_unique_and_dotted() -> None:
    ids = [binding.id for binding in keys.ALL]
    assert all(binding_id and re.match(r"^[a-z_]+\.[a-z_]+$", binding_id) for binding_id in ids)
    assert len(ids) == len(set(ids))
    assert set(keys.BY_ID) == set(ids)


@pytest.mark.parametrize(
    "binding", [b for b in keys.ALL if F_KEY.match(keys.split_keys(b.key)[0])], ids=str
)
def test_every_f_key_has_a_chord_alternate(binding: object) -> None:
    all_keys = keys.split_keys(binding.key)  # type: ignore[attr-defined]
    chords = [key for key in all_keys[1:] if "+" in key and not F_KEY.match(key.split("+")[-1])]
    assert chords, f"{binding.id} needs a ctrl/alt alternate"  # type: ignore[attr-defined]


def test_display_names() -> None:
    assert keys.display("ctrl+n") == "Ctrl+N"
    assert keys.display("f11") == "F11"
    assert keys.display("alt+ctrl+f1") == "Alt+Ctrl+F1"
    assert keys.display("question_mark") == "?"


def test_readme_lists_every_binding() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [binding.id for binding in keys.ALL if f"`{binding.id}`" not in readme]
    assert not missing, f"add these to the README's key table: {missing}"


def readme_row(binding: object) -> str:
    """The README key table's row of ``binding``: its description, first key, alternates, id."""
    first, *alternates = keys.split_keys(binding.key)  # type: ignore[attr-defined]
    shown = ", ".join(f"`{keys.display(key)}`" for key in alternates)
    return (
        f"| {binding.description} | `{keys.display(first)}` | {shown} | "  # type: ignore[attr-defined]
        f"`{binding.id}` |"  # type: ignore[attr-defined]
    )


def test_readme_key_table_shows_the_keys_of_keys_py() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| ") and "` |" in line]
    rows = {line.rsplit("|", 2)[-2].strip(): line for line in table}
    wrong = [
        readme_row(binding)
        for binding in keys.ALL
        if rows.get(f"`{binding.id}`") != readme_row(binding)
    ]
    assert not wrong, "README key table rows should read:\n" + "\n".join(wrong)
