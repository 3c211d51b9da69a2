"""Due dates, times and recurrences as clerks type them; the live description."""

from __future__ import annotations

import calendar
import contextlib
from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_crm import i18n
from tui_crm.errors import ValidationError
from tui_crm.services.dates import (
    add_months,
    describe,
    next_occurrence,
    parse_due,
    parse_recurrence,
    parse_time,
    recurrence_label,
    relative,
)

TODAY = date(2026, 11, 26)
"""A Thursday."""

days = st.dates(min_value=date(1901, 1, 1), max_value=date(2899, 12, 31))


@pytest.fixture
def german() -> Iterator[None]:
    i18n.setup("de")
    yield
    i18n.setup("en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+3", date(2026, 11, 29)),
        ("+0", TODAY),
        ("-0", TODAY),
        ("+3d", date(2026, 11, 29)),
        ("+3t", date(2026, 11, 29)),
        ("3d", date(2026, 11, 29)),
        ("+ 3", date(2026, 11, 29)),
        ("+2w", date(2026, 12, 10)),
        ("2W", date(2026, 12, 10)),
        ("+1m", date(2026, 12, 26)),
        ("+1mo", date(2026, 12, 26)),
        ("+14 tage", date(2026, 12, 10)),
        ("+2 weeks", date(2026, 12, 10)),
        ("+1y", date(2027, 11, 26)),
        ("+1j", date(2027, 11, 26)),
        ("t", TODAY),
        ("T", TODAY),
        ("h", TODAY),
        ("heute", TODAY),
        ("Heute", TODAY),
        ("today", TODAY),
        ("morgen", date(2026, 11, 27)),
        ("tomorrow", date(2026, 11, 27)),
        ("übermorgen", date(2026, 11, 28)),
        ("mo", date(2026, 11, 30)),
        ("Mo.", date(2026, 11, 30)),
        ("mon", date(2026, 11, 30)),
        ("montag", date(2026, 11, 30)),
        ("di", date(2026, 12, 1)),
        ("tue", date(2026, 12, 1)),
        ("mi", date(2026, 12, 2)),
        ("wed", date(2026, 12, 2)),
        ("do", date(2026, 12, 3)),
        ("thu", date(2026, 12, 3)),
        ("fr", date(2026, 11, 27)),
        ("fri", date(2026, 11, 27)),
        ("sa", date(2026, 11, 28)),
        ("sat", date(2026, 11, 28)),
        ("so", date(2026, 11, 29)),
        ("sun", date(2026, 11, 29)),
        ("sonntag", date(2026, 11, 29)),
        ("24.12.", date(2026, 12, 24)),
        ("24.12", date(2026, 12, 24)),
        ("24/12", date(2026, 12, 24)),
        ("2412", date(2026, 12, 24)),
        ("26.11.", TODAY),
        ("25.11.", date(2027, 11, 25)),
        ("1.1.", date(2027, 1, 1)),
        ("29.02.", date(2028, 2, 29)),
        ("24.12.2026", date(2026, 12, 24)),
        ("24.12.26", date(2026, 12, 24)),
        ("1.2.27", date(2027, 2, 1)),
        ("01.02.2027", date(2027, 2, 1)),
        ("1/2/2027", date(2027, 2, 1)),
        ("1-2-2027", date(2027, 2, 1)),
        ("241226", date(2026, 12, 24)),
        ("24122026", date(2026, 12, 24)),
        ("2026-12-24", date(2026, 12, 24)),
        ("2026-1-5", date(2026, 1, 5)),
        ("1.1.2020", date(2020, 1, 1)),
        ("26.", TODAY),
        ("27.", date(2026, 11, 27)),
        ("25.", date(2026, 12, 25)),
        ("31.", date(2026, 12, 31)),
        ("  +3  ", date(2026, 11, 29)),
    ],
)
def test_what_clerks_type(text: str, expected: date) -> None:
    assert parse_due(text, TODAY) == expected


def test_weekday_means_the_next_one_not_today() -> None:
    assert parse_due("do", TODAY) == TODAY + timedelta(days=7)
    assert parse_due("thursday", TODAY) == TODAY + timedelta(days=7)


def test_month_end_clamping() -> None:
    assert parse_due("+1m", date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_due("+1m", date(2028, 1, 31)) == date(2028, 2, 29)
    assert parse_due("+1m", date(2026, 3, 31)) == date(2026, 4, 30)
    assert parse_due("+1y", date(2028, 2, 29)) == date(2029, 2, 28)
    assert parse_due("+12m", date(2026, 1, 15)) == date(2027, 1, 15)


def test_day_of_month_skips_short_months() -> None:
    assert parse_due("31.", date(2026, 2, 10)) == date(2026, 3, 31)
    assert parse_due("30.", date(2027, 2, 1)) == date(2027, 3, 30)


def test_english_language_understands_the_same() -> None:
    assert parse_due("24.12.", TODAY, "en") == parse_due("24.12.", TODAY, "de")
    assert parse_due("mo", TODAY, "en") == date(2026, 11, 30)
    assert parse_due("heute", TODAY, "en") == TODAY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a due date."),
        ("   ", "Enter a due date."),
        ("-3", "Offsets count forward"),
        ("-1w", "Offsets count forward"),
        ("31.02.2026", "No such date: 31.02.2026."),
        ("32.1.", "No such date"),
        ("1.13.", "No such date"),
        ("0.1.2027", "No such date"),
        ("2026-02-30", "No such date"),
        ("32.", "No such date"),
        ("3", "ambiguous"),
        ("123", "ambiguous"),
        ("xyz", "Not a date: xyz."),
        ("m", "Not a date"),
        ("s", "Not a date"),
        ("+3x", "Not a date"),
        ("24.12.202", "Not a date"),
        ("+999999999", "too far away"),
        ("+100001", "too far away"),
        ("+9000y", "too far away"),
    ],
)
def test_invalid_input_gets_a_message(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_due(text, TODAY)
    assert message in caught.value.msg
    assert caught.value.title == "Due date"


def test_far_offsets_near_the_end_of_time() -> None:
    with pytest.raises(ValidationError, match="too far"):
        parse_due("+1d", date(9999, 12, 31))
    with pytest.raises(ValidationError, match="too far"):
        parse_due("+1m", date(9999, 12, 31))
    assert parse_due("9999-12-31", TODAY) == date(9999, 12, 31)


@given(st.text(max_size=20), days)
def test_never_anything_but_a_validation_error(text: str, today: date) -> None:
    try:
        result: date | str = parse_due(text, today)
    except ValidationError as error:
        result = error.msg
    assert isinstance(result, date) or result


@given(st.integers(min_value=0, max_value=20_000), days)
def test_plus_days(count: int, today: date) -> None:
    assert parse_due(f"+{count}", today) == today + timedelta(days=count)
    assert parse_due(f"{count}d", today) == today + timedelta(days=count)


@given(st.integers(min_value=0, max_value=500), days)
def test_plus_weeks(count: int, today: date) -> None:
    assert parse_due(f"+{count}w", today) == today + timedelta(weeks=count)


@given(st.integers(min_value=0, max_value=600), days)
def test_plus_months_keeps_the_day_or_clamps(count: int, today: date) -> None:
    result = parse_due(f"+{count}m", today)
    assert (result.year * 12 + result.month) - (today.year * 12 + today.month) == count
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(today.day, last)


@given(days, days)
def test_iso_and_german_dates_round_trip(day: date, today: date) -> None:
    assert parse_due(day.isoformat(), today) == day
    assert parse_due(f"{day.day}.{day.month}.{day.year}", today) == day
    assert parse_due(f"{day.day:02}.{day.month:02}.{day.year}", today) == day
    assert parse_due(f"{day:%d%m%Y}", today) == day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), days)
def test_two_digit_years_are_this_century(day: date, today: date) -> None:
    assert parse_due(f"{day.day}.{day.month}.{day.year % 100:02}", today) == day


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=31), days)
def test_day_month_is_the_next_one_on_or_after_today(month: int, day: int, today: date) -> None:
    exists = day <= calendar.monthrange(2000, month)[1]
    try:
        result = parse_due(f"{day}.{month}.", today)
    except ValidationError:
        assert not exists or today.year > 9990
        return
    assert (result.day, result.month) == (day, month)
    assert today <= result < today + timedelta(days=366 * 8 + 1)
    if (month, day) != (2, 29):
        assert result < today + timedelta(days=366)


@given(st.sampled_from(["mo", "di", "mi", "do", "fr", "sa", "so"]), days)
def test_weekdays_are_within_the_next_week(word: str, today: date) -> None:
    result = parse_due(word, today)
    assert today < result <= today + timedelta(days=7)
    assert result.weekday() == ["mo", "di", "mi", "do", "fr", "sa", "so"].index(word)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", time(9)),
        ("09:30", time(9, 30)),
        ("930", time(9, 30)),
        ("9.30", time(9, 30)),
        ("0930", time(9, 30)),
        ("1730", time(17, 30)),
        ("17h", time(17)),
        ("9h30", time(9, 30)),
        ("17 Uhr", time(17)),
        ("0", time(0)),
        ("23:59", time(23, 59)),
        (" 8:05 ", time(8, 5)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


def test_empty_time_means_all_day() -> None:
    assert parse_time("") is None
    assert parse_time("  ") is None


@pytest.mark.parametrize("text", ["24", "2400", "9:60", "9:5", "12345", "abc", "9:30:00", "-1"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValidationError, match="Not a time") as caught:
        parse_time(text)
    assert caught.value.title == "Time"


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_every_time_in_every_form(hour: int, minute: int) -> None:
    expected = time(hour, minute)
    assert parse_time(f"{hour}:{minute:02}") == expected
    assert parse_time(f"{hour}.{minute:02}") == expected
    assert parse_time(f"{hour}{minute:02}") == expected
    assert parse_time(f"{hour:02}{minute:02}") == expected


@given(st.text(max_size=10))
def test_times_never_raise_anything_else(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("7d", "7d"),
        ("7", ""),
        ("14t", "14d"),
        ("2w", "2w"),
        ("+2W", "2w"),
        ("1m", "1m"),
        ("3 monate", "3m"),
        ("1j", "1y"),
        ("01w", "1w"),
    ],
)
def test_recurrences(text: str, expected: str) -> None:
    if text == "7":
        with pytest.raises(ValidationError, match="Not a recurrence"):
            parse_recurrence(text)
        return
    assert parse_recurrence(text) == expected


@pytest.mark.parametrize("text", ["0d", "1000d", "x", "2x", "w2", "-1w"])
def test_bad_recurrences(text: str) -> None:
    with pytest.raises(ValidationError, match="Not a recurrence"):
        parse_recurrence(text)


def test_next_occurrence_keeps_the_rhythm() -> None:
    assert next_occurrence(date(2026, 11, 23), "2w", TODAY) == date(2026, 12, 7)
    assert next_occurrence(date(2026, 1, 31), "1m", date(2026, 1, 31)) == date(2026, 2, 28)
    assert next_occurrence(TODAY, "7d", TODAY) == date(2026, 12, 3)


def test_next_occurrence_restarts_from_today_when_done_late() -> None:
    assert next_occurrence(date(2026, 1, 5), "1w", TODAY) == date(2026, 12, 3)
    assert next_occurrence(date(2026, 11, 19), "7d", TODAY) == date(2026, 12, 3)


@given(days, st.sampled_from(["1d", "3d", "1w", "2w", "1m", "3m", "1y"]), days)
def test_next_occurrence_is_always_after_today(due: date, recurrence: str, today: date) -> None:
    following = next_occurrence(due, recurrence, today)
    assert following > today
    assert following > due


def test_recurrence_labels() -> None:
    assert recurrence_label("2w") == "every 2 weeks"
    assert recurrence_label("1m") == "every month"
    assert recurrence_label("1w") == "every week"
    assert recurrence_label("1d") == "every day"
    assert recurrence_label("3m") == "every 3 months"
    assert recurrence_label("7d") == "every 7 days"
    assert recurrence_label("1y") == "every year"
    assert recurrence_label("2y") == "every 2 years"
    assert recurrence_label("") == ""
    assert recurrence_label("bogus") == ""


def test_add_months() -> None:
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), -12) == date(2025, 1, 15)
    with pytest.raises(OverflowError):
        add_months(date(9999, 12, 1), 1)


def test_describe_in_english() -> None:
    assert describe(date(2026, 11, 30), TODAY) == "Mon 30/11/2026 (in 4 days)"
    assert describe(TODAY, TODAY) == "Thu 26/11/2026 (today)"
    assert describe(date(2026, 11, 27), TODAY) == "Fri 27/11/2026 (tomorrow)"
    assert describe(date(2026, 11, 25), TODAY) == "Wed 25/11/2026 (yesterday)"
    assert describe(date(2026, 11, 20), TODAY) == "Fri 20/11/2026 (6 days ago)"
    assert describe(date(2027, 1, 10), TODAY) == "Sun 10/01/2027 (in 45 days)"


def test_describe_in_german(german: None) -> None:
    assert describe(date(2026, 11, 30), TODAY) == "Mo. 30.11.2026 (in 4 Tagen)"
    assert describe(date(2026, 11, 20), TODAY) == "Fr. 20.11.2026 (vor 6 Tagen)"


@given(days, days)
def test_describe_never_fails(day: date, today: date) -> None:
    text = describe(day, today)
    assert f"{day:%d/%m/%Y}" in text
    assert relative(day, today) in text


def test_the_live_preview_pairs_parse_and_describe() -> None:
    assert describe(parse_due("+2w", TODAY), TODAY) == "Thu 10/12/2026 (in 14 days)"
