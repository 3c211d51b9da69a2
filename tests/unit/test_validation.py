"""Every validation rule of the edit mode: a failing and a passing case each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_crm.errors import ValidationError
from tui_crm.services import phones, validation

TODAY = date(2026, 11, 24)


# Phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("0221 123456", "DE", "+49221123456"),
        ("0221 / 12 34 56", "DE", "+49221123456"),
        ("+49 (0)221-123456", "DE", "+49221123456"),
        ("0171 1234567", "DE", "+491711234567"),
        ("+44 20 7946 0958", "DE", "+442079460958"),
        ("01 5123456", "AT", "+4315123456"),
    ],
)
def test_phone_numbers_become_e164(typed: str, region: str, e164: str) -> None:
    assert validation.phone(typed, region) == e164


@pytest.mark.parametrize("typed", ["", "abc", "12", "0221 12345678901234", "+99 123"])
def test_phone_numbers_that_are_no_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        validation.phone(typed, "DE")


def test_parsed_phone_has_national_format_and_kind() -> None:
    parsed = phones.parse("0171 1234567", "DE")
    assert parsed.national == "0171 1234567"
    assert parsed.international == "+49 171 1234567"
    assert parsed.mobile
    assert parsed.reversed_digits == "491711234567"[::-1]
    assert not phones.parse("0221 123456", "DE").mobile
    assert phones.display(parsed.e164, "DE") == "0171 1234567"
    assert phones.display(parsed.e164, "AT") == "+49 171 1234567"


def test_the_default_region_decides_numbers_without_country_code() -> None:
    assert validation.phone("030 123456", "DE") == "+4930123456"
    assert validation.phone("0316 123456", "AT") == "+43316123456"


# Email -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("hans.mueller@example.de", "hans.mueller@example.de"),
        ("  Hans@Example.DE ", "Hans@example.de"),
        ("a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk"),
        ("info@müller.de", "info@müller.de"),
    ],
)
def test_valid_email_addresses_pass(typed: str, stored: str) -> None:
    assert validation.email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "hans.mueller",
        "@example.de",
        "hans@",
        "hans@example",
        "hans mueller@example.de",
        "hans..mueller@example.de",
        "hans@-example.de",
        "hans@example.d",
        "hans@exa mple.de",
        "hans@example.123",
    ],
)
def test_malformed_email_addresses_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match=r"email|Enter"):
        validation.email(typed)


# IBAN and BIC ------------------------------------------------------------------------------


def test_valid_iban_is_stored_compact() -> None:
    assert validation.iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert validation.iban("at611904300234573201") == "AT611904300234573201"


@pytest.mark.parametrize(
    "typed",
    ["", "DE89 3704 0044 0532 0130 01", "DE89 3704 0044 0532 0130", "XX00 1234", "DE89-????"],
)
def test_invalid_iban_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="IBAN"):
        validation.iban(typed)


def test_valid_bic_passes_in_eight_or_eleven_characters() -> None:
    assert validation.bic("COBADEFFXXX") == "COBADEFFXXX"
    assert validation.bic("cobadeff") == "COBADEFF"


@pytest.mark.parametrize("typed", ["", "COBADE", "COBAXX33XXX", "COBADEFFX"])
def test_invalid_bic_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="BIC"):
        validation.bic(typed)


# Postcodes and countries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("50667", "DE", "50667"),
        ("01067", "DE", "01067"),
        ("1010", "AT", "1010"),
        ("8001", "CH", "8001"),
        ("1234ab", "NL", "1234 AB"),
        ("1234 AB", "NL", "1234 AB"),
        ("75001", "FR", "75001"),
        ("sw1a1aa", "GB", "SW1A 1AA"),
        ("M1 1AE", "GB", "M1 1AE"),
        ("12345", "US", "12345"),
        ("12345-6789", "US", "12345-6789"),
        ("Anything 12", "XY", "ANYTHING 12"),
    ],
)
def test_postcodes_of_each_country_pass_normalised(typed: str, country: str, stored: str) -> None:
    assert validation.postcode(typed, country) == stored


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("5066", "DE"),
        ("ABCDE", "DE"),
        ("10100", "AT"),
        ("800", "CH"),
        ("0123 AB", "NL"),
        ("1234 A", "NL"),
        ("7500", "FR"),
        ("12345", "GB"),
        ("1234", "US"),
        ("", "XY"),
        ("  ", "DE"),
    ],
)
def test_postcodes_not_matching_the_country_are_refused(typed: str, country: str) -> None:
    with pytest.raises(ValidationError):
        validation.postcode(typed, country)


def test_country_codes() -> None:
    assert validation.country(" at ") == "AT"
    for typed in ("", "DEU", "1A", "D", "XX"):
        with pytest.raises(ValidationError):
            validation.country(typed)


# Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("24.11.2026", date(2026, 11, 24)),
        ("1.2.2026", date(2026, 2, 1)),
        ("01.02.26", date(2026, 2, 1)),
        ("1.2.36", date(2036, 2, 1)),
        ("1.2.37", date(1937, 2, 1)),
        ("2026-11-24", date(2026, 11, 24)),
        ("29.02.2024", date(2024, 2, 29)),
    ],
)
def test_dates_in_german_and_iso_form(typed: str, day: date) -> None:
    assert validation.day(typed, TODAY) == day


@pytest.mark.parametrize(
    "typed", ["", "24.11", "2026/11/24", "24-11-2026", "31.02.2026", "29.02.2025", "2026-13-01"]
)
def test_other_date_forms_and_impossible_days_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        validation.day(typed, TODAY)


def test_birthdays_are_in_the_past_and_after_1900() -> None:
    assert validation.birthday("12.03.1970", TODAY) == date(1970, 3, 12)
    for typed in ("25.11.2026", "31.12.1899"):
        with pytest.raises(ValidationError, match="birth"):
            validation.birthday(typed, TODAY)


# Amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1234", "1234.00"),
        ("1,5", "1.50"),
        ("0.5", "0.50"),
        (",50", "0.50"),
        ("1.234.567", "1234567.00"),
        ("1,234,567.89", "1234567.89"),
        ("1 234,56", "1234.56"),
        ("-12,50", "-12.50"),
        ("1.234,56 €", "1234.56"),
        ("EUR 99", "99.00"),
    ],
)
def test_amounts_with_german_or_english_separators(typed: str, amount: str) -> None:
    value = validation.amount(typed)
    assert value == Decimal(amount)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "abc",
        "12a",
        "1.234",
        "1,234",
        "1.2.3",
        "12,",
        "1,23,45",
        "1.234,5,6",
        "1,234.567,89",
        "0,125",
        "12.345,678",
        "€",
        "--5",
    ],
)
def test_ambiguous_or_garbled_amounts_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        validation.amount(typed)


def test_the_ambiguous_message_says_what_to_write() -> None:
    with pytest.raises(ValidationError, match="Ambiguous"):
        validation.amount("1.234")


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_every_amount_reads_back_in_both_spellings(amount: Decimal) -> None:
    english = f"{amount:,.2f}"
    german = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert validation.amount(english) == amount
    assert validation.amount(german) == amount


# Whole numbers -----------------------------------------------------------------------------


def test_whole_numbers_in_range() -> None:
    assert validation.whole_number("90", 1, 3650) == 90
    for typed in ("", "0", "3651", "1.5", "abc", "-3"):
        with pytest.raises(ValidationError):
            validation.whole_number(typed, 1, 3650)
