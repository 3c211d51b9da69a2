"""Dates, numbers and money for display, formatted with Babel in the UI language's locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from tui_crm import i18n

CURRENCY = "EUR"
"""The currency of every amount."""


def money(amount: Decimal | None) -> str:
    """``1.234,56 €`` in German, ``€1,234.56`` in English; empty for None."""
    if amount is None:
        return ""
    from babel.numbers import format_currency

    return str(format_currency(amount, CURRENCY, locale=i18n.locale_name()))


def number(value: Decimal | int) -> str:
    """A number with the locale's grouping and decimal separators."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=i18n.locale_name()))


def day(value: date | None) -> str:
    """``24.11.2026`` in German, ``24/11/2026`` in English; empty for None."""
    if value is None:
        return ""
    from babel.dates import format_date

    return str(format_date(value, format=_date_pattern(), locale=i18n.locale_name()))


def moment(value: datetime | None) -> str:
    """Date and time, ``24.11.2026, 14:05``; empty for None."""
    if value is None:
        return ""
    from babel.dates import format_datetime

    pattern = f"{_date_pattern()} HH:mm"
    return str(format_datetime(value, format=pattern, locale=i18n.locale_name()))


def _date_pattern() -> str:
    """Four-digit years in every language: a counter clerk reads 24.11.2026, not 24.11.26."""
    return "dd.MM.yyyy" if i18n.language() == "de" else "dd/MM/yyyy"
