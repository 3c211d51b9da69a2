"""Text folding for search keys: the same rules in Python for SQLite and PostgreSQL."""

from __future__ import annotations

import re
import unicodedata

_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("ss", "s"))
_NON_WORD = re.compile(r"[^0-9a-z@.+]+")


def fold(text: str) -> str:
    """Fold ``text`` so that German spellings meet: Müller = Mueller = muller, ß = ss, é = e.

    Umlauts and their ``ae/oe/ue`` spellings both fold to the bare vowel, and ``ß``/``ss`` to
    ``s``; accents are dropped and case is ignored. Query and stored key go through the same
    function, so a prefix of the folded query matches a prefix of the folded word.
    """
    text = text.casefold().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    for digraph, vowel in _DIGRAPHS:
        text = text.replace(digraph, vowel)
    return text


def words(text: str) -> list[str]:
    """Split folded ``text`` into search words (letters, digits, ``@ . +``)."""
    return [word for word in _NON_WORD.split(fold(text)) if word]


def search_key(*parts: str) -> str:
    """Build the stored search key of a record: its folded words, space-separated, deduplicated."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in words(part):
            seen.setdefault(word, None)
    return " ".join(seen)
