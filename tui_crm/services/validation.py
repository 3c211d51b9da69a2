"""Checking what a clerk types: pure functions that return the value to store or raise.

Every function takes the text as typed and returns the normalised value (E.164, a compact
IBAN, a :class:`~datetime.date`, a :class:`~decimal.Decimal`), or raises
:class:`~tui_crm.errors.ValidationError` with a message the clerk can act on. Empty text is
an error here; the form decides which fields may stay empty.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

import phonenumbers

from tui_crm.errors import ValidationError
from tui_crm.i18n import _
from tui_crm.services import phones

POSTCODES: dict[str, tuple[str, str]] = {
    "DE": (r"\d{5}", "12345"),
    "AT": (r"[1-9]\d{3}", "1234"),
    "CH": (r"[1-9]\d{3}", "1234"),
    "LI": (r"94\d{2}", "9490"),
    "BE": (r"[1-9]\d{3}", "1234"),
    "LU": (r"\d{4}", "1234"),
    "DK": (r"[1-9]\d{3}", "1234"),
    "NL": (r"[1-9]\d{3} ?[A-Z]{2}", "1234 AB"),
    "FR": (r"\d{5}", "12345"),
    "IT": (r"\d{5}", "12345"),
    "ES": (r"\d{5}", "12345"),
    "PL": (r"\d{2}-\d{3}", "12-345"),
    "CZ": (r"\d{3} ?\d{2}", "123 45"),
    "SE": (r"\d{3} ?\d{2}", "123 45"),
    "GB": (r"GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "SW1A 1AA"),
    "US": (r"\d{5}(-\d{4})?", "12345 or 12345-6789"),
}
"""Postcode pattern and an example per country; other countries accept any non-empty text."""

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_AMOUNT = re.compile(r"[0-9.,]+")
_CURRENCY = ("€", "EUR", "eur", "Euro", "euro")


def phone(text: str, region: str = "DE") -> str:
    """A phone number in any common spelling → E.164 (``0221 123456`` → ``+49221123456``).

    Args:
        text: What was typed.
        region: Default region for numbers without a country code (the config's region).

    Raises:
        ValidationError: Not a phone number, or not a valid number of its country.
    """
    return phones.parse(text, region).e164


def email(text: str) -> str:
    """An email address, checked for syntax; the domain is lower-cased.

    Raises:
        ValidationError: No ``@``, an empty or malformed local part or domain, or no
            top-level domain.
    """
    typed = text.strip()
    if not typed:
        raise ValidationError(_("Enter an email address."), title=_("Email"))
    local, at, domain = typed.rpartition("@")
    problem = ""
    if not at or not local:
        problem = _("an email address needs a name, @ and a domain, like name@example.de")
    elif len(typed) > 254 or len(local) > 64:
        problem = _("too long")
    elif not _EMAIL_LOCAL.fullmatch(local):
        problem = _("the part before @ holds a space or a character not allowed there")
    else:
        try:
            ascii_domain = domain.encode("idna").decode("ascii").lower()
        except UnicodeError:
            ascii_domain = ""
        labels = ascii_domain.split(".")
        if (
            len(labels) < 2
            or not all(_EMAIL_LABEL.fullmatch(label) for label in labels)
            or not _TLD.fullmatch(labels[-1])
        ):
            problem = _("the domain after @ is not valid")
    if problem:
        raise ValidationError(
            _("Not an email address ({problem}): {text}").format(problem=problem, text=typed),
            title=_("Email"),
        )
    return f"{local}@{domain.lower()}"


def iban(text: str) -> str:
    """An IBAN with or without spaces → its compact form (``DE89370400440532013000``).

    Raises:
        ValidationError: Wrong country code, length, structure or check digits.
    """
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    typed = text.strip()
    if not typed:
        raise ValidationError(_("Enter an IBAN."), title=_("IBAN"))
    try:
        return str(IBAN(typed).compact)
    except SchwiftyException as error:
        raise ValidationError(
            _("Not a valid IBAN ({reason}): {text}").format(reason=error, text=typed),
            title=_("IBAN"),
        ) from None


def bic(text: str) -> str:
    """A BIC (8 or 11 characters) → its compact, upper-case form.

    Raises:
        ValidationError: Wrong length, structure or country code.
    """
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    typed = text.strip()
    if not typed:
        raise ValidationError(_("Enter a BIC."), title=_("BIC"))
    try:
        return str(BIC(typed.upper()).compact)
    except SchwiftyException as error:
        raise ValidationError(
            _("Not a valid BIC ({reason}): {text}").format(reason=error, text=typed),
            title=_("BIC"),
        ) from None


def country(text: str) -> str:
    """A two-letter ISO country code, upper-cased (``de`` → ``DE``).

    Raises:
        ValidationError: Not the code of a country (``XX``, ``DEU``).
    """
    code = text.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _("Enter the country as two letters, like DE or AT: {text}").format(text=text.strip()),
            title=_("Country"),
        )
    return code


def postcode(text: str, country_code: str = "DE") -> str:
    """A postcode checked against the pattern of ``country_code`` and normalised.

    Dutch and British postcodes get their space (``1234ab`` → ``1234 AB``); countries without
    a known pattern accept any non-empty text.

    Raises:
        ValidationError: Empty, or not matching the country's pattern.
    """
    code = re.sub(r"\s+", " ", text.strip().upper())
    if not code:
        raise ValidationError(_("Enter a postcode."), title=_("Postcode"))
    known = POSTCODES.get(country_code.upper())
    if known is None:
        return code
    pattern, example = known
    if not re.fullmatch(pattern, code):
        raise ValidationError(
            _("Not a postcode of {country} (like {example}): {text}").format(
                country=country_code.upper(), example=example, text=text.strip()
            ),
            title=_("Postcode"),
        )
    if country_code.upper() in ("NL", "GB", "CZ", "SE"):
        compact = code.replace(" ", "")
        split = 4 if country_code.upper() == "NL" else -3 if country_code.upper() == "GB" else 3
        code = f"{compact[:split]} {compact[split:]}"
    return code


def day(text: str, today: date | None = None) -> date:
    """A date as ``24.11.2026``, ``1.2.26`` or ISO ``2026-11-24``.

    Two-digit years mean this century up to ten years ahead of ``today``, else the last one
    (in 2026: ``36`` → 2036, ``37`` → 1937).

    Args:
        text: What was typed.
        today: The reference day for two-digit years (default: today).

    Raises:
        ValidationError: Another format, or no such day (``31.02.2026``).
    """
    typed = text.strip()
    dotted = _DOTTED.fullmatch(typed)
    iso = _ISO.fullmatch(typed)
    if dotted:
        day_part, month, year_text = (int(part) for part in dotted.groups())
        year = year_text
        if len(dotted.group(3)) == 2:
            this_year = (today or date.today()).year
            year = 2000 + year_text
            if year > this_year + 10:
                year -= 100
    elif iso:
        year, month, day_part = (int(part) for part in iso.groups())
    else:
        raise ValidationError(
            _("Enter a date as dd.mm.yyyy or yyyy-mm-dd: {text}").format(text=typed),
            title=_("Date"),
        )
    try:
        return date(year, month, day_part)
    except ValueError:
        raise ValidationError(
            _("No such day: {text}").format(text=typed), title=_("Date")
        ) from None


def birthday(text: str, today: date | None = None) -> date:
    """A date of birth: a :func:`day` that is not in the future and not before 1900.

    Raises:
        ValidationError: Not a date, in the future, or before 1900.
    """
    value = day(text, today)
    if value > (today or date.today()) or value.year < 1900:
        raise ValidationError(
            _("Not a plausible date of birth: {text}").format(text=text.strip()),
            title=_("Birthday"),
        )
    return value


def amount(text: str, places: int = 2) -> Decimal:
    """An amount with German or English separators → an exact Decimal.

    ``1.234,56``, ``1234,56``, ``1,234.56`` and ``1234.56`` are all 1234.56; a currency sign
    and spaces are ignored. A single separator followed by exactly three digits
    (``1.234``, ``1,234``) could mean either and is refused.

    Args:
        text: What was typed.
        places: Decimal places allowed (2 for money).

    Raises:
        ValidationError: Garbage, an ambiguous number, bad grouping, or too many decimals.
    """
    typed = text.strip()
    compact = typed.replace(" ", "").replace("\u00a0", "").replace("'", "")
    for sign in _CURRENCY:
        compact = compact.removeprefix(sign).removesuffix(sign)
    negative = compact.startswith("-")
    compact = compact.removeprefix("-").removeprefix("+")

    def fail(message: str) -> ValidationError:
        return ValidationError(message.format(text=typed), title=_("Amount"))

    if not compact or not _AMOUNT.fullmatch(compact) or not any(c.isdigit() for c in compact):
        raise fail(_("Not an amount: {text}"))
    integer, fraction = compact, ""
    if "." in compact and "," in compact:
        decimal_mark = "." if compact.rfind(".") > compact.rfind(",") else ","
        grouping = "," if decimal_mark == "." else "."
        integer, _mark, fraction = compact.rpartition(decimal_mark)
        if decimal_mark in integer or not _grouped(integer, grouping) or not fraction:
            raise fail(_("Not an amount: {text}"))
        integer = integer.replace(grouping, "")
    elif "." in compact or "," in compact:
        mark = "." if "." in compact else ","
        if compact.count(mark) > 1:
            if not _grouped(compact, mark):
                raise fail(_("Not an amount: {text}"))
            integer = compact.replace(mark, "")
        else:
            integer, _mark, fraction = compact.partition(mark)
            if not fraction:
                raise fail(_("Not an amount: {text}"))
            if len(fraction) == 3 and 1 <= len(integer) <= 3 and not integer.startswith("0"):
                raise fail(
                    _(
                        "Ambiguous amount {text}: write it without a thousands separator, "
                        "or with two decimals"
                    )
                )
    if len(fraction) > places:
        raise fail(
            _("Too many decimal places (at most {places}): {text}").replace("{places}", str(places))
        )
    try:
        value = Decimal(f"{integer or '0'}.{fraction or '0'}")
    except InvalidOperation:
        raise fail(_("Not an amount: {text}")) from None
    value = value.quantize(Decimal(1).scaleb(-places))
    return -value if negative else value


def _grouped(digits: str, mark: str) -> bool:
    """Whether ``digits`` is grouped by threes with ``mark`` (``1.234.567``)."""
    return re.fullmatch(rf"\d{{1,3}}(\{mark}\d{{3}})*", digits) is not None


def whole_number(text: str, minimum: int = 0, maximum: int = 1_000_000) -> int:
    """A whole number between ``minimum`` and ``maximum`` (a contact interval in days).

    Raises:
        ValidationError: Not a whole number, or out of range.
    """
    typed = text.strip()
    if not re.fullmatch(r"\d+", typed) or not minimum <= int(typed) <= maximum:
        raise ValidationError(
            _("Enter a whole number from {minimum} to {maximum}: {text}").format(
                minimum=minimum, maximum=maximum, text=typed
            ),
            title=_("Number"),
        )
    return int(typed)


class FieldError(ValidationError):
    """A value of a whole record is missing or wrong; ``field`` names which.

    Args:
        field: The field name (see :data:`tui_crm.services.editing.FIELDS`).
        msg: What is wrong, for the clerk.
    """

    def __init__(self, field: str, msg: str) -> None:
        super().__init__(msg, title=_("Check the input"))
        self.field = field
        """The field the message belongs to."""
