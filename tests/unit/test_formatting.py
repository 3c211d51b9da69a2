"""Dates, numbers and money formatted with Babel in the UI language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest

from tui_crm import formatting, i18n


@pytest.fixture
def german() -> Iterator[None]:
    i18n.setup("de")
    yield
    i18n.setup("en")


def test_german_formats(german: None) -> None:
    assert formatting.day(date(2026, 11, 24)) == "24.11.2026"
    assert formatting.money(Decimal("1234.56")) == "1.234,56\xa0€"
    assert formatting.number(Decimal("1234.5")) == "1.234,5"
    assert formatting.moment(datetime(2026, 11, 24, 14, 5)) == "24.11.2026 14:05"


def test_english_formats() -> None:
    assert formatting.day(date(2026, 11, 24)) == "24/11/2026"
    assert formatting.money(Decimal("-1234.56")) == "-€1,234.56"
    assert formatting.money(None) == ""
    assert formatting.day(None) == ""
