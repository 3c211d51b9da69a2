"""The ``[dunning]`` section of the config: levels with days, what they count from, and fees."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tui_crm.config import DEFAULT_DUNNING_LEVELS, DunningLevel, load_settings
from tui_crm.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_four_levels_fourteen_days_apart() -> None:
    levels = load_settings(Path("/nonexistent/config.toml")).dunning.levels
    assert levels == DEFAULT_DUNNING_LEVELS
    assert [(level.days, level.after, level.fee) for level in levels] == [
        (14, "due", Decimal("0.00")),
        (14, "previous", Decimal("0.00")),
        (14, "previous", Decimal("5.00")),
        (14, "previous", Decimal("10.00")),
    ]


def test_levels_are_read_with_exact_fees_and_shown_again(tmp_path: Path) -> None:
    text = """
[[dunning.levels]]
name = "Zahlungserinnerung"
days = 7

[[dunning.levels]]
days = 30
after = "due"
fee = "2.50"

[[dunning.levels]]
days = 10
fee = 5
"""
    settings = load_settings(write(tmp_path, text))
    assert settings.dunning.levels == (
        DunningLevel(name="Zahlungserinnerung", days=7, after="due", fee=Decimal("0.00")),
        DunningLevel(days=30, after="due", fee=Decimal("2.50")),
        DunningLevel(days=10, after="previous", fee=Decimal("5.00")),
    )
    shown = settings.as_toml()
    assert '[[dunning.levels]]\nname = "Zahlungserinnerung"\ndays = 7' in shown
    assert 'fee = "2.50"' in shown
    levels_only = shown[shown.index("[[dunning.levels]]") :]
    assert load_settings(write(tmp_path, levels_only)).dunning == settings.dunning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[dunning]\nlevels = []\n", "dunning.levels: must be a non-empty list"),
        ("[dunning]\nstep = 1\n", ":2: dunning.step: unknown setting"),
        ("[[dunning.levels]]\ndays = -1\n", ":2: dunning.levels.days: level 1: must be a whole"),
        (
            "[[dunning.levels]]\nfee = '1.234'\n",
            ":2: dunning.levels.fee: level 1: must be an amount",
        ),
        ("[[dunning.levels]]\nfee = 'x'\n", "dunning.levels.fee: level 1: must be an amount"),
        ("[[dunning.levels]]\nafter = 'invoice'\n", "dunning.levels.after: must be one of"),
        ("[[dunning.levels]]\nlevel = 1\n", "dunning.levels.level: unknown setting"),
    ],
)
def test_bad_levels_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert raised.value.msg.startswith(str(path))
    assert expected in raised.value.msg
