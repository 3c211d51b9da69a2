"""The German and English catalogues are complete, compiled and used."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tui_crm import i18n
from tui_crm.paths import LOCALE_DIR, PACKAGE_DIR

PLACEHOLDER = re.compile(r"\{\w*\}")


def code_messages() -> set[str]:
    keywords = {"_": None, "ngettext": (1, 2)}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE_DIR, keywords=keywords
    ):
        found.update([message] if isinstance(message, str) else message)
    return found


@pytest.fixture(scope="module")
def messages() -> set[str]:
    return code_messages()


@pytest.mark.parametrize("language", ["de", "en"])
def test_catalogue_is_complete_and_compiled(language: str, messages: set[str]) -> None:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "tui_crm.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translations = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
    missing = sorted(m for m in messages if not translations.get(m))
    assert not missing, f"untranslated in {language} (run scripts/catalogues.py): {missing}"
    compiled = gettext.GNUTranslations(po.with_suffix(".mo").open("rb"))
    for message in messages:
        assert compiled.gettext(message) == translations[message], (
            f"{language}: .mo is stale for {message!r}; run scripts/catalogues.py"
        )
        assert sorted(PLACEHOLDER.findall(message)) == sorted(
            PLACEHOLDER.findall(translations[message])
        ), message


@pytest.fixture
def german() -> Iterator[None]:
    yield i18n.setup("de")
    i18n.setup("en")


def test_setup_uses_the_catalogue(german: None) -> None:
    assert i18n.language() == "de"
    assert i18n._("Help") == "Hilfe"
    assert i18n._("not in any catalogue") == "not in any catalogue"


def test_language_comes_from_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "de_AT.UTF-8")
    assert i18n.system_language() == "de"
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert i18n.system_language() == "en"
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    assert i18n.system_language() == "de"


def test_catalogues_live_inside_the_package() -> None:
    assert Path(LOCALE_DIR).is_relative_to(PACKAGE_DIR)
