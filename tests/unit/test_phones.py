"""Phone numbers the PBX way: outside line, local area code, extensions, every format."""

from __future__ import annotations

import pytest

from tui_crm.errors import ValidationError
from tui_crm.services import phones
from tui_crm.services.phones import NumberPlan

PBX = NumberPlan(region="DE", outside_line_prefix="0", area_code="7755")
"""A site behind a PBX with outside line 0 in 07755."""

PLAIN = NumberPlan(region="DE")
"""A site without a PBX and without a local area code."""


@pytest.mark.parametrize(
    "text",
    [
        "+497755883334",
        "+49 7755 883334",
        "+49 (0)7755 883334",
        "+49-7755-883334",
        "+49.7755.883334",
        "+49 7755 88 33 34",
        "0049 7755 883334",
        "00497755883334",
        "07755883334",
        "07755 883334",
        "07755/883334",
        "(07755) 883334",
        "07755-883334",
        "0 77 55 - 88 33 34",
        " 07755 88 33 34 ",
        "Tel. 07755/883334",
        "tel:+49-7755-883334",
        "sip:+497755883334@fritz.box",
        "497755883334",
        "7755883334",
        "007755883334",
        "0 07755 883334",
        "0 (07755) 883334",
        "000497755883334",
        "883334",
        "88 33 34",
        "0883334",
    ],
)
def test_one_number_in_many_formats_behind_a_pbx(text: str) -> None:
    assert phones.normalise(text, PBX).e164 == "+497755883334"
    assert phones.readings(text, PBX)[0] == "+497755883334"


@pytest.mark.parametrize(
    "text",
    [
        "+497755883334",
        "0049 7755 883334",
        "07755 883334",
        "(07755) 88 33 34",
        "7755883334",
        "497755883334",
        "tel:+49-7755-883334",
    ],
)
def test_the_same_formats_without_a_pbx(text: str) -> None:
    assert phones.normalise(text, PLAIN).e164 == "+497755883334"


def test_the_outside_line_prefix_is_stripped_before_parsing() -> None:
    # Without the prefix known, phonenumbers reads an international call to +7 (invalid).
    assert phones.normalise("007755883334", PBX).e164 == "+497755883334"
    with pytest.raises(ValidationError):
        phones.normalise("007755883334", PLAIN)
    # The PBX's 0 before an international number.
    assert phones.normalise("000442079460958", PBX).e164 == "+442079460958"
    # A national number typed without the outside line stays itself.
    assert phones.normalise("0761 22412", PBX).e164 == "+4976122412"
    assert phones.normalise("0221 123456", PBX).e164 == "+49221123456"


def test_ambiguous_caller_ids_list_every_reading_best_first() -> None:
    # "0049…" with outside line 0: Germany in international form, else 0 + 049… (Leer).
    assert phones.readings("0049221123456", PBX) == ("+49221123456", "+4949221123456")
    # The country code without "+", as some SIP trunks send it, else a national number.
    assert phones.readings("497755883334", PLAIN) == ("+497755883334", "+49497755883334")
    assert phones.readings("abc", PBX) == ()
    assert phones.readings("", PBX) == ()


def test_the_local_area_code_completes_short_numbers() -> None:
    assert phones.normalise("883334", PBX).national == "07755 883334"
    assert phones.normalise("883334", NumberPlan("DE", area_code="221")).e164 == "+49221883334"
    with pytest.raises(ValidationError, match="valid"):
        phones.normalise("883334", PLAIN)


@pytest.mark.parametrize(
    ("text", "e164", "extension", "base", "national"),
    [
        ("0221 123456-12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("0221 / 123456 - 12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("(0221) 123456-0", "+492211234560", "0", "+49221123456", "0221 123456-0"),
        ("+49 221 123456-12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("0221 123456 Durchwahl 12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("0221 123456, Durchw. 12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("0221 123456 DW 12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("0221 123456 App. 12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("0221 123456 ext. 12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("0221 123456 x12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        ("tel:+49-221-123456;ext=12", "+4922112345612", "12", "+49221123456", "0221 123456-12"),
        (
            "+1 212 555 0100 ext. 12",
            "+12125550100",
            "12",
            "+12125550100",
            "(212) 555-0100 ext. 12",
        ),
        ("0431-6960071", "+494316960071", "", "", "0431 6960071"),
        ("0221 12-34", "+492211234", "", "", "0221 1234"),
    ],
)
def test_extensions(text: str, e164: str, extension: str, base: str, national: str) -> None:
    parsed = phones.normalise(text, PLAIN)
    assert (parsed.e164, parsed.extension, parsed.base_e164, parsed.national) == (
        e164,
        extension,
        base,
        national,
    )


def test_a_direct_dial_extension_is_part_of_the_number_a_foreign_one_is_not() -> None:
    german = phones.normalise("0221 123456 Durchwahl 12", PLAIN)
    assert german.international == "+49 221 123456-12"
    american = phones.normalise("+1 212 555 0100 ext. 12", PLAIN)
    assert american.international == "+1 212-555-0100 ext. 12"


@pytest.mark.parametrize("text", ["", "   ", "abc", "12", "+99 123", "0221 12345678901234"])
def test_what_is_no_number_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        phones.normalise(text, PBX)


def test_normalise_agrees_with_parse_for_ordinary_numbers() -> None:
    for text in ("0221 123456", "+49 (0)221-123456", "0171 1234567", "+44 20 7946 0958"):
        assert phones.normalise(text, "DE") == phones.parse(text, "DE")
    assert phones.normalise("01 5123456", "AT").e164 == "+4315123456"


@pytest.mark.parametrize(
    "text", ["", "anonymous", "Anonym", "unknown", "<unknown>", "restricted", "  "]
)
def test_withheld_numbers(text: str) -> None:
    assert phones.is_withheld(text)


def test_numbers_are_not_withheld() -> None:
    assert not phones.is_withheld("07755883334")


def test_dial_strings_put_the_outside_line_in_front() -> None:
    assert phones.dial_strings("+497755883334", PBX) == ("07755883334", "007755883334")
    assert phones.dial_strings("+442079460958", PBX) == ("00442079460958", "000442079460958")
    assert phones.dial_strings("+497755883334", PLAIN) == ("07755883334", "07755883334")
    assert phones.dial_strings("+12125550100", "US") == ("12125550100", "12125550100")


@pytest.mark.parametrize(
    "stored", ["+49221; rm -rf ~", "+49221$(touch x)", "0221 123456", "+49 221", "+0221123456", ""]
)
def test_stored_numbers_that_are_no_e164_are_not_dialled(stored: str) -> None:
    with pytest.raises(ValidationError):
        phones.dial_strings(stored, PBX)


def test_plan_of_accepts_settings_plans_and_regions() -> None:
    from tui_crm.config import Settings, TelephonySettings

    settings = Settings(
        region="AT", telephony=TelephonySettings(outside_line_prefix="9", area_code="0316")
    )
    assert phones.plan_of(settings) == NumberPlan("AT", "9", "316")
    assert phones.plan_of("CH") == NumberPlan("CH")
    assert phones.plan_of(None) == NumberPlan()
    assert phones.plan_of(PBX) is PBX


def test_a_monitor_report_is_matched_to_the_call_placed() -> None:
    assert phones.same_number("07755883334", "+497755883334", PBX)
    assert phones.same_number("007755883334", "+497755883334", PBX)
    assert not phones.same_number("07755883335", "+497755883334", PBX)
    assert not phones.same_number("", "+497755883334", PBX)
    assert not phones.same_number("07755883334", "", PBX)
