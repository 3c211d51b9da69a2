"""Gettext for every UI string: ``_()`` translates through the catalogue chosen at start-up."""

from __future__ import annotations

import gettext
import locale
import os

from tui_crm.paths import LOCALE_DIR

DOMAIN = "tui_crm"
"""The gettext domain of the shipped catalogues."""

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def system_language() -> str:
    """The UI language from the environment's locale: ``de`` for any German locale, else ``en``."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        if value:
            return "de" if value.lower().startswith("de") else "en"
    code = locale.getlocale()[0] or ""
    return "de" if code.lower().startswith("de") else "en"


def setup(language: str = "") -> str:
    """Choose the catalogue; call before the UI modules are imported.

    Args:
        language: ``de`` or ``en``; empty means :func:`system_language`.

    Returns:
        The language now in use.
    """
    global _translations, _language
    _language = language or system_language()
    _translations = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[_language], fallback=True
    )
    return _language


def language() -> str:
    """The language chosen by :func:`setup` (``en`` before it is called)."""
    return _language


def locale_name() -> str:
    """The Babel locale for formatting dates and money in the chosen language."""
    return "de_DE" if _language == "de" else "en_GB"


def _(message: str) -> str:
    """Translate ``message`` into the chosen language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message with a count."""
    return _translations.ngettext(singular, plural, count)
