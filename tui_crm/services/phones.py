"""Phone numbers: parse what people type or a PBX reports, store E.164, show the national format.

One module for the whole app. :func:`parse` is what the edit mode validates with;
:func:`normalise` also knows the local PBX (:class:`NumberPlan`): its outside-line prefix
(``007755883334`` is ``0`` + ``07755883334``), the local area code for numbers given without
one, and extensions (``0221 123456-12``, ``0221 123456 Durchwahl 12``, ``… ext. 12``).
:func:`readings` lists every plausible E.164 reading of a caller ID, best first, for the
caller lookup (:mod:`tui_crm.services.telephony.callerid`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import phonenumbers

from tui_crm.errors import ValidationError
from tui_crm.i18n import _

if TYPE_CHECKING:
    from tui_crm.config import Settings


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
    extension: str = ""
    """The extension as typed (``12`` of ``0221 123456-12``), empty when none was given."""
    base_e164: str = ""
    """The number without the extension (the PBX's base number); empty without extension.

    Where the extension can be dialled directly (German ``Durchwahl``), :attr:`e164` is base
    and extension together, ``+4922112345612``; where it cannot (``+1 212 555 0100 ext. 12``),
    :attr:`e164` is the base number and the extension is only shown.
    """

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


@dataclass(frozen=True, slots=True)
class NumberPlan:
    """How numbers are written and dialled at this site."""

    region: str = "DE"
    """Default region (ISO 3166 alpha-2) for numbers without a country code."""
    outside_line_prefix: str = ""
    """Digits the PBX puts before an outside number (``0``); stripped before parsing."""
    area_code: str = ""
    """Local area code without the trunk prefix (``7755``) for numbers given without one."""


def plan_of(settings: Settings | NumberPlan | str | None) -> NumberPlan:
    """The number plan of ``settings`` (:class:`~tui_crm.config.Settings`, a plan, or a region)."""
    if settings is None:
        return NumberPlan()
    if isinstance(settings, NumberPlan):
        return settings
    if isinstance(settings, str):
        return NumberPlan(region=settings)
    telephony = settings.telephony
    return NumberPlan(
        region=settings.region,
        outside_line_prefix=telephony.outside_line_prefix,
        area_code=telephony.area_code.removeprefix("0"),
    )


_URI = re.compile(r"^\s*(?:tel|sips?|callto):", re.IGNORECASE)
_EXTENSION_WORD = re.compile(
    r"[\s,;]*(?:durchwahl|durchw\.?|dw\.?|apparat|app\.?|nebenstelle|nst\.?|extension|"
    r"ext\.?|;ext=|x|#)\s*[:=]?\s*(\d{1,6})\s*$",
    re.IGNORECASE,
)
_EXTENSION_DASH = re.compile(r"^(.*\d)\s*-\s*(\d{1,5})\s*$")
_E164 = re.compile(r"^\+[1-9]\d{3,14}$")
_LOCAL_DIGITS = (3, 8)
"""Lengths of a subscriber number read as local (the area code put in front); shorter ones
are internal extensions."""


def is_withheld(text: str) -> bool:
    """Whether a caller ID says the number is withheld (empty, ``anonymous``, ``unknown``…)."""
    return not any(char.isdigit() for char in text)


def _split_extension(text: str) -> tuple[str, str, bool]:
    """``(number, extension, by_dash)``: an extension written after the number split off.

    ``0221 123456-12`` (DIN 5008) counts only when the number has another separator, so the
    dash of ``0431-6960071`` stays part of the number.
    """
    found = _EXTENSION_WORD.search(text)
    if found and any(char.isdigit() for char in text[: found.start()]):
        return text[: found.start()], found.group(1), False
    found = _EXTENSION_DASH.match(text)
    if found and re.search(r"[\s/).]", found.group(1).strip()):
        return found.group(1), found.group(2), True
    return text, "", False


def _clean(text: str) -> str:
    """The number part of ``text``: URI scheme, SIP host and labels (``Tel.``) dropped."""
    text = _URI.sub("", text)
    text = re.sub(r";\s*ext=", " ext ", text, flags=re.IGNORECASE)
    text = text.split("@", 1)[0].split(";", 1)[0]
    return re.sub(r"^[^\d+(]*", "", text).strip()


@lru_cache(maxsize=64)
def _trunk_and_code(region: str) -> tuple[str, str]:
    """The national (trunk) prefix and the country code of ``region``."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = (metadata.national_prefix or "") if metadata is not None else ""
    return trunk, str(phonenumbers.country_code_for_region(region))


def _candidates(number: str, plan: NumberPlan) -> list[str]:
    """Texts to hand to phonenumbers for ``number`` (no extension), the likeliest first."""
    if number.startswith("+"):
        return [number]
    digits = re.sub(r"\D", "", number.replace("(0)", ""))
    if not digits:
        return []
    trunk, code = _trunk_and_code(plan.region)
    bodies = [digits]
    prefix = plan.outside_line_prefix
    if prefix and digits.startswith(prefix) and len(digits) > len(prefix):
        stripped = digits[len(prefix) :]
        # The PBX's outside line goes first when a national or international number follows
        # it ("0" + "07755…"). Not so for "0049 …", a person writing Germany in international
        # form, nor when only a local number would be left ("0761 22412" is Freiburg, not
        # "0" + local "76122412").
        home = digits.startswith("00" + code) and not stripped.startswith("00")
        dialled = stripped.startswith("0") and not home
        bodies = [stripped, digits] if dialled else [digits, stripped]
    found: list[str] = []
    for body in bodies:
        local = bool(plan.area_code and trunk) and not body.startswith(trunk or "0")
        if local and _LOCAL_DIGITS[0] <= len(body) <= _LOCAL_DIGITS[1]:
            found.append(trunk + plan.area_code + body)
        if body.startswith("0"):
            found.append(body)
        elif body.startswith(code):
            # "497755883334": a caller ID with the country code but no "+".
            found.extend(("+" + body, body))
        else:
            found.extend((body, "+" + body))
    return list(dict.fromkeys(found))


def _valid(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    number.extension = None
    return number if phonenumbers.is_valid_number(number) else None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _parsed(number: phonenumbers.PhoneNumber, extension: str) -> ParsedPhone:
    """The :class:`ParsedPhone` of a valid number and the extension typed with it."""
    national_style = phonenumbers.PhoneNumberFormat.NATIONAL
    international_style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    base = _e164(number)
    national = str(phonenumbers.format_number(number, national_style))
    international = str(phonenumbers.format_number(number, international_style))
    dialled = number
    if extension:
        whole = _valid(base + extension, "ZZ")
        if whole is not None:
            dialled = whole
            national = f"{national}-{extension}"
            international = f"{international}-{extension}"
        else:
            shown = phonenumbers.PhoneNumber()
            shown.merge_from(number)
            shown.extension = extension
            national = str(phonenumbers.format_number(shown, national_style))
            international = str(phonenumbers.format_number(shown, international_style))
    kind = phonenumbers.number_type(dialled)
    return ParsedPhone(
        e164=_e164(dialled),
        region=phonenumbers.region_code_for_number(dialled) or "",
        national=national,
        international=international,
        mobile=kind
        in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE),
        extension=extension,
        base_e164=base if extension else "",
    )


def _interpretations(text: str, plan: NumberPlan) -> list[ParsedPhone]:
    """Every valid reading of ``text``, the likeliest first (no duplicates)."""
    cleaned = _clean(text)
    number, extension, by_dash = _split_extension(cleaned)
    found: dict[str, ParsedPhone] = {}
    for candidate in _candidates(number.strip(), plan):
        valid = _valid(candidate, plan.region)
        if valid is not None:
            parsed = _parsed(valid, extension)
            found.setdefault(parsed.e164, parsed)
    if not found and by_dash:
        # "0221 12-34": no valid number before the dash, so the dash was no extension mark.
        for candidate in _candidates(cleaned, plan):
            valid = _valid(candidate, plan.region)
            if valid is not None:
                found.setdefault(_e164(valid), _parsed(valid, ""))
    return list(found.values())


def normalise(text: str, settings: Settings | NumberPlan | str | None = None) -> ParsedPhone:
    """Read a number as a clerk types it or a PBX reports it, knowing the local PBX.

    Beyond :func:`parse`: the outside-line prefix of the PBX is stripped (``007755883334``
    with prefix ``0`` is ``+497755883334``, not ``+7755883334``); a number without area code
    gets the local one (``883334`` → ``+497755883334`` with area code ``07755``); an
    extension (``-12``, ``Durchwahl 12``, ``ext. 12``, ``x12``) is recognised; ``tel:`` and
    ``sip:`` URIs and labels such as ``Tel.`` are accepted. Where several readings are valid
    the likeliest wins: see :func:`readings` for all of them.

    Args:
        text: What was typed or reported.
        settings: The settings (their region and ``[telephony]``), a :class:`NumberPlan`, or
            a region code; None means Germany without PBX.

    Returns:
        The number in E.164 with its formats and extension.

    Raises:
        ValidationError: The text is not a phone number, or no reading of it is valid.
    """
    typed = text.strip()
    if not typed:
        raise ValidationError(_("Enter a phone number."), title=_("Phone"))
    found = _interpretations(typed, plan_of(settings))
    if found:
        return found[0]
    if not any(char.isdigit() for char in typed):
        raise ValidationError(_("Not a phone number: {text}").format(text=typed), title=_("Phone"))
    raise ValidationError(
        _("Not a valid phone number: {text}").format(text=typed), title=_("Phone")
    )


def shown(
    e164: str, as_entered: str = "", settings: Settings | NumberPlan | str | None = None
) -> str:
    """A stored number for the screen, keeping an extension the clerk typed.

    ``+49221123450`` stored from ``0221 12345-0`` shows as ``0221 12345-0`` (the switchboard),
    not ``0221 123450``; without a typed extension it is :func:`display`.

    Args:
        e164: The stored number.
        as_entered: The number as it was typed or imported.
        settings: The settings, a :class:`NumberPlan` or a region code.
    """
    plan = plan_of(settings)
    if as_entered and _split_extension(as_entered)[1]:
        try:
            parsed = normalise(as_entered, plan)
        except ValidationError:
            parsed = None
        if parsed is not None and parsed.e164 == e164 and parsed.extension:
            return parsed.national if parsed.region == plan.region else parsed.international
    return display(e164, plan.region)


def readings(text: str, settings: Settings | NumberPlan | str | None = None) -> tuple[str, ...]:
    """Every valid E.164 reading of ``text``, the likeliest first (empty when none is valid).

    A caller ID can be ambiguous: ``497755883334`` is ``+49 7755 883334`` sent without the
    ``+``, or a national number; with outside-line prefix ``0``, ``0049221123456`` may be
    Germany in international form or ``0`` + ``049221…``. The caller lookup tries each
    reading in this order and keeps the first that is stored.
    """
    return tuple(parsed.e164 for parsed in _interpretations(text, plan_of(settings)))


def check_e164(e164: str) -> str:
    """Return ``e164`` if it is a well-formed E.164 number (``+`` and 4 to 15 digits).

    Raises:
        ValidationError: It is not (a stored number damaged or imported unchecked).
    """
    if not _E164.match(e164):
        raise ValidationError(
            _("Not a valid phone number: {text}").format(text=e164), title=_("Phone")
        )
    return e164


def dial_strings(e164: str, settings: Settings | NumberPlan | str | None = None) -> tuple[str, str]:
    """The digits to dial for ``e164`` here: ``(national, dial)``.

    ``national`` is the number as dialled from the default region (``0221123456``, or
    ``00442079460958`` abroad); ``dial`` puts the PBX's outside-line prefix in front.

    Raises:
        ValidationError: ``e164`` is not a well-formed E.164 number.
    """
    plan = plan_of(settings)
    check_e164(e164)
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Not a valid phone number: {text}").format(text=e164), title=_("Phone")
        ) from None
    text = str(phonenumbers.format_out_of_country_calling_number(number, plan.region))
    national = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        national = "+" + national
    return national, plan.outside_line_prefix + national


def same_number(text: str, e164: str, settings: Settings | NumberPlan | str | None = None) -> bool:
    """Whether ``text`` (as a PBX reports it) can be ``e164``: to match a call monitor's
    ``dialling``/``ended`` report to the call placed with F12."""
    return bool(e164) and e164 in readings(text, settings)
