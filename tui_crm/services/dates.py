"""Due dates, times and recurrences as counter clerks type them (``+3``, ``mo``, ``24.12.``)."""

from __future__ import annotations

import calendar
import re
from datetime import date, time, timedelta

from tui_crm import formatting, i18n
from tui_crm.errors import ValidationError
from tui_crm.i18n import _

UNITS: dict[str, str] = {
    **dict.fromkeys(("d", "t", "tag", "tage", "tagen", "day", "days"), "d"),
    **dict.fromkeys(("w", "wo", "woche", "wochen", "week", "weeks"), "w"),
    **dict.fromkeys(("m", "mo", "mon", "monat", "monate", "monaten", "month", "months"), "m"),
    **dict.fromkeys(("y", "j", "jahr", "jahre", "jahren", "year", "years"), "y"),
}
"""Unit words after an offset count, in German and English, to ``d``/``w``/``m``/``y``."""

TODAY_WORDS = frozenset(("t", "h", "heute", "today"))
"""Words for today."""

TOMORROW_WORDS = frozenset(("morgen", "tomorrow"))
"""Words for tomorrow."""

DAY_AFTER_TOMORROW_WORDS = frozenset(("übermorgen", "uebermorgen"))
"""Words for the day after tomorrow."""

WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("montag", "monday"),
    ("dienstag", "tuesday"),
    ("mittwoch", "wednesday"),
    ("donnerstag", "thursday"),
    ("freitag", "friday"),
    ("samstag", "saturday"),
    ("sonntag", "sunday"),
)
"""Full weekday names (index 0 = Monday); any unambiguous prefix of two letters or more works."""

MAX_OFFSET = 100_000
"""The largest offset count accepted (``+100000`` days is about 274 years)."""

_OFFSET = re.compile(r"^([+-]?)(\d{1,9})([a-zäöü]*)$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[./-](\d{1,2})(?:[./-](\d+)?)?\.?$")
_DAY_ONLY = re.compile(r"^(\d{1,2})\.$")
_COMPACT = re.compile(r"^\d{4}$|^\d{6}$|^\d{8}$")
_RECURRENCE = re.compile(r"^(\d{1,3})([a-zäöü]+)$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(?:h|uhr)?$")
_COMPACT_TIME = re.compile(r"^(\d{1,2})(\d{2})$")


def _error(message: str) -> ValidationError:
    return ValidationError(message, title=_("Due date"))


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, clamped to the month's end (31 Jan + 1 month = 28/29 Feb).

    Raises:
        OverflowError: The result is outside the years 1 to 9999.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_offset(day: date, count: int, unit: str) -> date:
    """``day`` plus ``count`` days (``d``), weeks (``w``), months (``m``) or years (``y``).

    Months and years clamp to the month's end (29 Feb + 1 year = 28 Feb).

    Raises:
        OverflowError: The result is outside the years 1 to 9999.
        ValueError: ``unit`` is not one of ``d w m y``.
    """
    if unit == "d":
        return day + timedelta(days=count)
    if unit == "w":
        return day + timedelta(weeks=count)
    if unit == "m":
        return add_months(day, count)
    if unit == "y":
        return add_months(day, 12 * count)
    raise ValueError(f"unknown unit {unit!r}")


def _weekday(word: str) -> int | None:
    """The weekday (0 = Monday) that ``word`` abbreviates unambiguously, else None."""
    if len(word) < 2:
        return None
    found = {
        index
        for index, names in enumerate(WEEKDAY_NAMES)
        for name in names
        if name.startswith(word)
    }
    return found.pop() if len(found) == 1 else None


def _full_year(text: str, typed: str) -> int:
    if len(text) == 2:
        return 2000 + int(text)
    if len(text) == 4:
        return int(text)
    raise _error(
        _("Not a date: {text}. Type e.g. +3, +2w, mo, 24.12. or 24.12.2026.").format(text=typed)
    )


def _exact(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _error(_("No such date: {text}.").format(text=typed)) from None


def _next_day_month(day: int, month: int, today: date, typed: str) -> date:
    """The first ``day.month.`` on or after ``today`` (29.02. waits for a leap year)."""
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise _error(_("No such date: {text}.").format(text=typed))
    for year in range(today.year, min(today.year + 9, 10_000)):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    raise _error(_("{text} is too far away.").format(text=typed))


def _next_day_of_month(day: int, today: date, typed: str) -> date:
    """The first day ``day`` of a month on or after ``today`` (``31.`` skips short months)."""
    if not 1 <= day <= 31:
        raise _error(_("No such date: {text}.").format(text=typed))
    month = date(today.year, today.month, 1)
    for _step in range(13):
        if day <= calendar.monthrange(month.year, month.month)[1]:
            found = month.replace(day=day)
            if found >= today:
                return found
        try:
            month = add_months(month, 1)
        except OverflowError:
            break
    raise _error(_("{text} is too far away.").format(text=typed))


def parse_due(text: str, today: date, language: str = "de") -> date:
    """Read a due date as a clerk types it.

    Understood (case does not matter, spaces are ignored):

    - ``+3``, ``+3d`` / ``+3t`` (days), ``+2w``, ``+1m`` (months, clamped to the month's end:
      31 Jan + 1m = 28/29 Feb), ``+1y`` / ``+1j``; the ``+`` may be left out when a unit is
      given (``2w``). ``+0`` is today. Negative offsets (``-3``) are refused: a follow-up is
      planned forward, and a past date can still be typed as a date.
    - ``t``, ``h``, ``heute``, ``today``; ``morgen``, ``tomorrow``; ``übermorgen``.
    - A weekday, German or English, as any unambiguous prefix of two letters or more
      (``mo``, ``di``, ``do``, ``tue``, ``thu``, ``sa``, ``so``, ``Mo.``): the next such day
      after today (typing ``mo`` on a Monday means next week's Monday).
    - ``24.12.`` (or ``24.12``, ``24/12``): the next 24 December on or after today; ``24.``:
      the next 24th of a month on or after today.
    - ``24.12.2026``, ``24.12.26``, ``1.2.27`` (two-digit years are 20xx), ``/`` or ``-``
      as separators, compact ``2412``, ``241226``, ``24122026``, and ISO ``2026-12-24``.
      Explicit past dates are accepted (the dialog shows them as overdue).

    Args:
        text: What the clerk typed.
        today: The day relative inputs count from.
        language: The UI language. German and English words are understood in either, so a
            clerk keeps their habits when switching; dates are day-first in both (en_GB).

    Returns:
        The resolved date.

    Raises:
        ValidationError: The text is empty, not a date, no such date, a negative offset or
            too far away; the message says what to type instead.
    """
    del language  # Both vocabularies are always understood; see the docstring.
    typed = text.strip()
    word = re.sub(r"\s+", "", typed).casefold()
    if not word:
        raise _error(_("Enter a due date."))
    try:
        return _parse(word, typed, today)
    except OverflowError:
        raise _error(_("{text} is too far away.").format(text=typed)) from None


def _parse(word: str, typed: str, today: date) -> date:
    if word in TODAY_WORDS:
        return today
    if word in TOMORROW_WORDS:
        return today + timedelta(days=1)
    if word in DAY_AFTER_TOMORROW_WORDS:
        return today + timedelta(days=2)
    weekday = _weekday(word.rstrip("."))
    if weekday is not None:
        ahead = (weekday - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    offset = _OFFSET.match(word)
    if offset and (offset.group(1) or offset.group(3)):
        sign, count_text, unit_text = offset.groups()
        unit = UNITS.get(unit_text or "d")
        if unit is None:
            raise _error(
                _("Not a date: {text}. Type e.g. +3, +2w, mo, 24.12. or 24.12.2026.").format(
                    text=typed
                )
            )
        if sign == "-" and int(count_text):
            raise _error(
                _("Offsets count forward ({text}); type a past date as a date.").format(text=typed)
            )
        count = int(count_text)
        if count > MAX_OFFSET:
            raise OverflowError("offset too large")
        return add_offset(today, count, unit)
    iso = _ISO.match(word)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
        return _exact(year, month, day, typed)
    day_month = _DAY_MONTH.match(word)
    if day_month:
        day_text, month_text, year_text = day_month.groups()
        if year_text is None:
            return _next_day_month(int(day_text), int(month_text), today, typed)
        return _exact(_full_year(year_text, typed), int(month_text), int(day_text), typed)
    day_only = _DAY_ONLY.match(word)
    if day_only:
        return _next_day_of_month(int(day_only.group(1)), today, typed)
    if _COMPACT.match(word):
        day, month = int(word[:2]), int(word[2:4])
        if len(word) == 4:
            return _next_day_month(day, month, today, typed)
        return _exact(_full_year(word[4:], typed), month, day, typed)
    if word.isdigit():
        raise _error(
            _(
                "{text} is ambiguous: type +{text} for days from today or {text}. for that day."
            ).format(text=typed)
        )
    raise _error(
        _("Not a date: {text}. Type e.g. +3, +2w, mo, 24.12. or 24.12.2026.").format(text=typed)
    )


def parse_time(text: str) -> time | None:
    """Read a time of day as a clerk types it: ``9``, ``09:30``, ``930``, ``9.30``, ``17h``.

    Args:
        text: What was typed; empty means no time (an all-day follow-up).

    Returns:
        The time, or None for empty input.

    Raises:
        ValidationError: Not a time of day (hours 0-23, minutes 0-59).
    """
    typed = text.strip()
    word = re.sub(r"\s+", "", typed).casefold()
    if not word:
        return None
    found = _TIME.match(word) or _COMPACT_TIME.match(word)
    if found:
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValidationError(
        _("Not a time: {text}. Type e.g. 9, 9:30 or 930.").format(text=typed), title=_("Time")
    )


def parse_recurrence(text: str) -> str:
    """Read a recurrence (``7d``, ``2w``, ``1m``, ``1y``; German ``14t``, ``1j``; ``+2w``).

    The stored form is the count and one of ``d w m y`` (``2w``); the count is 1 to 999.
    Empty text means no recurrence.

    Returns:
        The normalised recurrence, or ``""``.

    Raises:
        ValidationError: Not a recurrence.
    """
    word = re.sub(r"\s+", "", text).casefold().lstrip("+")
    if not word:
        return ""
    found = _RECURRENCE.match(word)
    unit = UNITS.get(found.group(2)) if found else None
    if found is None or unit is None or not 1 <= int(found.group(1)) <= 999:
        raise ValidationError(
            _("Not a recurrence: {text}. Type e.g. 7d, 2w or 1m.").format(text=text.strip()),
            title=_("Recurrence"),
        )
    return f"{int(found.group(1))}{unit}"


def next_occurrence(due: date, recurrence: str, today: date) -> date:
    """The due date after ``due`` for a recurring follow-up done on ``today``.

    The schedule keeps its rhythm from the old due date (every 2 weeks from a Monday stays on
    Mondays). If the follow-up was done so late that the next date would not be after today,
    the rhythm restarts from today. Months clamp to the month's end (31 Jan, 28 Feb, 28 Mar).

    Args:
        due: The due date of the follow-up being done.
        recurrence: A normalised recurrence such as ``2w`` (see :func:`parse_recurrence`).
        today: The day it is done.

    Raises:
        ValidationError: ``recurrence`` is not a recurrence.
        OverflowError: The next date is beyond the year 9999.
    """
    normal = parse_recurrence(recurrence)
    count, unit = int(normal[:-1]), normal[-1]
    following = add_offset(due, count, unit)
    if following <= today:
        following = add_offset(today, count, unit)
    return following


def recurrence_label(recurrence: str) -> str:
    """``every 2 weeks`` for ``2w``; empty for no (or an unreadable) recurrence."""
    try:
        normal = parse_recurrence(recurrence)
    except ValidationError:
        return ""
    if not normal:
        return ""
    count, unit = int(normal[:-1]), normal[-1]
    # Separate messages rather than ngettext: the catalogue test reads singular msgids.
    if count == 1:
        return {"d": _("every day"), "w": _("every week"), "m": _("every month")}.get(
            unit, _("every year")
        )
    labels = {
        "d": _("every {count} days"),
        "w": _("every {count} weeks"),
        "m": _("every {count} months"),
        "y": _("every {count} years"),
    }
    return labels[unit].format(count=count)


def relative(day: date, today: date) -> str:
    """``today``, ``tomorrow``, ``yesterday``, else ``in 3 days`` / ``2 days ago`` (Babel)."""
    days = (day - today).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days == -1:
        return _("yesterday")
    from babel.dates import format_timedelta

    # A huge threshold keeps Babel in days: "in 45 days", never a rounded "in 2 months".
    return str(
        format_timedelta(
            timedelta(days=days),
            granularity="day",
            threshold=10**9,
            add_direction=True,
            locale=i18n.locale_name(),
        )
    )


def describe(day: date, today: date) -> str:
    """The resolved date for the live preview: ``Mon 30/11/2026 (in 3 days)``.

    German: ``Mo. 30.11.2026 (in 3 Tagen)``. Weekday and distance come from Babel in the UI
    language; the date uses :func:`tui_crm.formatting.day`.
    """
    from babel.dates import format_date

    weekday = format_date(day, "EEE", locale=i18n.locale_name())
    return f"{weekday} {formatting.day(day)} ({relative(day, today)})"


YESTERDAY_WORDS = frozenset(("gestern", "yesterday"))
"""Words for yesterday."""

_BACK = re.compile(r"^-(\d{1,5})([a-zäöü]*)$")


def _last_day_month(day: int, month: int, today: date, typed: str) -> date:
    """The last ``day.month.`` on or before ``today`` (29.02. looks back to a leap year)."""
    for year in range(today.year, max(today.year - 9, 0), -1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
    raise _error(_("{text} is too far away.").format(text=typed))


def parse_contact_day(text: str, today: date) -> date:
    """Read the day of a contact, which lies in the past: the mirror of :func:`parse_due`.

    ``t``/``heute``/``today``, ``gestern``/``yesterday``, ``-3`` (days ago), ``-2w``,
    ``-1m``; ``24.11.`` is the latest 24 November on or before today, ``mo`` the latest
    Monday before today; a full date (``24.11.2026``, ISO) is taken as it is.

    Raises:
        ValidationError: Not a date, or a day after ``today``.
    """
    typed = text.strip()
    word = re.sub(r"\s+", "", typed).casefold()
    if word in YESTERDAY_WORDS:
        return today - timedelta(days=1)
    back = _BACK.match(word)
    if back:
        unit = UNITS.get(back.group(2) or "d")
        if unit is None:
            raise _error(
                _("Not a date: {text}. Type e.g. t, -1, 24.11. or 24.11.2026.").format(text=typed)
            )
        try:
            return add_offset(today, -int(back.group(1)), unit)
        except OverflowError:
            raise _error(_("{text} is too far away.").format(text=typed)) from None
    weekday = _weekday(word.rstrip("."))
    if weekday is not None:
        return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    day = parse_due(typed, today)
    if day > today:
        day_month = _DAY_MONTH.match(word)
        if (day_month and day_month.group(3) is None) or (_COMPACT.match(word) and len(word) == 4):
            day = _last_day_month(day.day, day.month, today, typed)
        elif _DAY_ONLY.match(word):
            day = add_months(day, -1)
            while day > today:
                day = add_months(day, -1)
    if day > today:
        raise _error(_("A contact cannot be in the future."))
    return day
