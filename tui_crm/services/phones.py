"""Phone numbers: parse what people type, store E.164, show the national format."""

from __future__ import annotations

import phonenumbers


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
