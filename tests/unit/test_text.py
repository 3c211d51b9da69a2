"""Folding for search keys: German spellings meet, case and accents are ignored."""

from __future__ import annotations

import pytest

from tui_crm.db.text import fold, search_key, words


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Müller", "Mueller"),
        ("Müller", "muller"),
        ("MÜLLER", "mueller"),
        ("Straße", "Strasse"),
        ("Café", "cafe"),
        ("Göbel", "Goebel"),
        ("Bräuer", "Braeuer"),
        ("Renée", "renee"),
    ],
)
def test_spellings_fold_together(left: str, right: str) -> None:
    assert fold(left) == fold(right)


def test_prefix_of_folded_query_matches_folded_word() -> None:
    assert fold("Mueller").startswith(fold("mül"))
    assert fold("Köln").startswith(fold("koe"))


def test_words_and_key() -> None:
    assert words("Müller-Lüdenscheidt GmbH & Co. KG") == [
        "muller",
        "ludenscheidt",
        "gmbh",
        "co.",
        "kg",
    ]
    assert (
        search_key("Hans Müller", "Köln", "hans@example.de", "Hans")
        == "hans muller koln hans@example.de"
    )
