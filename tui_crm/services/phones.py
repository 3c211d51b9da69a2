"""Phone numbers: parse what people type, store E.164, show the national format."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from tui_crm.errors import ValidationError
from tui_crm.i18n import _


@dataclass(frozen=True, slots=True)
class ParsedPhone:
    """A phone number typed by a clerk, checked and normalised."""

    e164: str
    """The number to store, ``+49221123456``."""
    region: str
    """The ISO country the number belongs to (``DE``), empty for non-geographic numbers."""
    national: str
    """The national format, ``0221 123456``."""
    international: str
    """The international format, ``+49 221 123456``."""
    mobile: bool
    """Whether the number is a mobile number."""

    @property
    def reversed_digits(self) -> str:
        """The digits without ``+``, reversed (the column for suffix lookups)."""
        return self.e164[1:][::-1]


def parse(text: str, region: str = "DE") -> ParsedPhone:
    """Parse a number as a clerk types it (``0221 / 12 34 56``, ``+49 (0)221-123456``).

    Args:
        text: What was typed.
        region: The default region for numbers without a country code.

    Returns:
        The number in E.164 with its formats.

    Raises:
        ValidationError: The text is not a phone number, or not a valid one.
    """
    typed = text.strip()
    if not typed:
        raise ValidationError(_("Enter a phone number."), title=_("Phone"))
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Not a phone number: {text}").format(text=typed), title=_("Phone")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Not a valid phone number: {text}").format(text=typed), title=_("Phone")
        )
    kind = phonenumbers.number_type(number)
    mobile_types = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return ParsedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        region=phonenumbers.region_code_for_number(number) or "",
        national=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        international=phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
        mobile=kind in mobile_types,
    )


def display(e164: str, region: str = "DE") -> str:
    """National format for numbers of ``region``, international for the rest.

    Args:
        e164: A stored number such as ``+49221123456``.
        region: The default region of this installation.

    Returns:
        ``0221 123456`` for a German number in region DE, else ``+44 20 …``; the raw text
        when it does not parse.
    """
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))
