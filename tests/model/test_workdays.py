"""Working-day deadlines against the official 2026 table (via ``chinese_calendar``)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import chinese_calendar
import pytest
from chinese_calendar import constants
from hypothesis import given
from hypothesis import strategies as st

from counter.model.errors import ValidationError
from counter.model.workdays import (
    Deadline,
    HolidayCalendar,
    WorkingHours,
    add_working_days,
    count_working_days,
    next_workday,
    received_day,
)

HALL = timezone(timedelta(hours=8))
KNOWN_YEARS = frozenset(range(2004, 2027))


def _official_calendar() -> HolidayCalendar:
    """The table the store would seed: every row the package has, 2004–2026 known."""
    return HolidayCalendar(
        holidays=frozenset(constants.holidays),
        makeup_workdays=frozenset(constants.workdays),
        known_years=KNOWN_YEARS,
    )


CAL = _official_calendar()
HOURS = WorkingHours()
MAKEUP_DAYS = sorted(constants.workdays)


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HALL)


# --- the 2026 table itself (facts the assertions below rely on) ---------------------


def test_package_table_covers_2004_to_2026() -> None:
    years = {d.year for d in constants.holidays}
    assert min(years) == 2004
    assert max(years) == 2026
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_2026_national_day_facts() -> None:
    assert all(date(2026, 10, d) in constants.holidays for d in range(1, 8))
    # 调休: Sunday 20 Sep and Saturday 10 Oct 2026 are working days.
    assert date(2026, 9, 20).weekday() == 6
    assert date(2026, 10, 10).weekday() == 5
    assert {date(2026, 9, 20), date(2026, 10, 10)} <= set(constants.workdays)
    # Mid-Autumn 2026 is Friday 25 Sep, rest 25–27 Sep.
    assert {date(2026, 9, d) for d in (25, 26, 27)} <= set(constants.holidays)


def test_calendar_matches_package_for_every_known_day() -> None:
    d = date(2004, 1, 1)
    while d <= date(2026, 12, 31):
        assert CAL.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


# --- concrete deadlines ---------------------------------------------------------------


def test_five_days_across_national_day() -> None:
    # Wed 30 Sep 10:00; Oct 1–7 rest; Oct 8 (1), 9 (2), Sat 10 make-up (3), Mon 12 (4),
    # Tue 13 (5).
    deadline = add_working_days(at(2026, 9, 30), 5, CAL, HOURS)
    assert deadline == Deadline(at(2026, 10, 13, 17, 30), provisional=False, missing_years=())
    assert deadline.label() == "2026-10-13 17:30"
    assert deadline.due.tzinfo is HALL


def test_start_day_is_not_counted() -> None:
    assert add_working_days(at(2026, 9, 29, 8, 0), 1, CAL).due == at(2026, 9, 30, 17, 30)


def test_one_day_before_makeup_saturday_lands_on_it() -> None:
    assert add_working_days(at(2026, 10, 9), 1, CAL).due == at(2026, 10, 10, 17, 30)


def test_half_day_morning_intake_due_same_afternoon() -> None:
    # 10:00–12:00 is 2 h, then 1.5 h of the afternoon: half of 7 h is 3.5 h.
    assert add_working_days(at(2026, 9, 30, 10), 0.5, CAL).due == at(2026, 9, 30, 15, 0)


def test_half_day_late_intake_due_next_working_morning() -> None:
    # 16:00–17:30 is 1.5 h; the next working day is 8 Oct (after the holiday): 09:00 + 2 h.
    assert add_working_days(at(2026, 9, 30, 16), 0.5, CAL).due == at(2026, 10, 8, 11, 0)


def test_half_day_from_outside_working_time() -> None:
    # Lunch break: counting begins at 13:30.
    assert add_working_days(at(2026, 9, 30, 12, 30), 0.5, CAL).due == at(2026, 9, 30, 17, 0)
    # Holiday: counting begins at the next opening; the half ends at the midday mark.
    assert add_working_days(at(2026, 10, 3), 0.5, CAL).due == at(2026, 10, 8, 14, 0)
    # From opening the half ends at 14:00; when it runs out exactly at closing it ends
    # there, not at the next opening.
    assert add_working_days(at(2026, 9, 30, 9), 0.5, CAL).due == at(2026, 9, 30, 14, 0)
    assert add_working_days(at(2026, 9, 30, 14), 0.5, CAL).due == at(2026, 9, 30, 17, 30)
    assert add_working_days(at(2026, 9, 30, 8, 30), Decimal("0.5"), CAL).due == at(
        2026, 9, 30, 14, 0
    )


def test_one_and_a_half_days_is_the_one_day_deadline_plus_half() -> None:
    one = add_working_days(at(2026, 9, 30, 10), 1, CAL).due
    one_half = add_working_days(at(2026, 9, 30, 10), 1.5, CAL).due
    assert one == at(2026, 10, 8, 17, 30)
    assert one_half == at(2026, 10, 9, 14, 0)


def test_zero_days() -> None:
    assert add_working_days(at(2026, 9, 30, 10), 0, CAL).due == at(2026, 9, 30, 17, 30)
    assert add_working_days(at(2026, 9, 30, 17, 30), 0, CAL).due == at(2026, 9, 30, 17, 30)
    # After closing or on a holiday: the end of the next working day.
    assert add_working_days(at(2026, 9, 30, 18), 0, CAL).due == at(2026, 10, 8, 17, 30)
    assert add_working_days(at(2026, 10, 3), 0, CAL).due == at(2026, 10, 8, 17, 30)


def test_deadline_into_unknown_year_is_provisional() -> None:
    # Mon 28 Dec 2026: 29, 30, 31 Dec, then 2027 by weekdays alone: Fri 1 Jan, Mon 4 Jan.
    deadline = add_working_days(at(2026, 12, 28), 5, CAL)
    assert deadline.due == at(2027, 1, 4, 17, 30)
    assert deadline.provisional
    assert deadline.missing_years == (2027,)
    assert deadline.label() == "2027-01-04 17:30 (暂定)"


def test_deadline_inside_known_year_ignores_unknown_years() -> None:
    deadline = add_working_days(at(2026, 12, 21), 5, CAL)
    assert deadline.due == at(2026, 12, 28, 17, 30)
    assert not deadline.provisional


def test_weekends_only_calendar_is_always_provisional() -> None:
    cal = HolidayCalendar.weekends_only()
    deadline = add_working_days(at(2026, 9, 30), 5, cal)
    assert deadline.due == at(2026, 10, 7, 17, 30)
    assert deadline.missing_years == (2026,)
    assert cal.last_known_year is None
    assert CAL.last_known_year == 2026


def test_partial_rows_for_an_unknown_year_are_used_but_still_provisional() -> None:
    cal = HolidayCalendar.from_rows([(date(2027, 1, 1), "holiday")], known_years=KNOWN_YEARS)
    deadline = add_working_days(at(2026, 12, 31), 1, cal)
    assert deadline.due == at(2027, 1, 4, 17, 30)
    assert deadline.missing_years == (2027,)


def test_custom_working_hours() -> None:
    hours = WorkingHours.parse("08:30-12:00,14:00-18:00")
    assert hours.minutes_per_day == 450
    assert add_working_days(at(2026, 9, 30, 11), 2, CAL, hours).due == at(2026, 10, 9, 18, 0)
    # Half of 7.5 h = 3 h 45 min: 11:00–12:00 (1 h), then 14:00 + 2 h 45 min.
    assert add_working_days(at(2026, 9, 30, 11), 0.5, CAL, hours).due == at(2026, 9, 30, 16, 45)


@pytest.mark.parametrize(
    "days", [-1, -0.5, 0.3, 1.25, 2.75, math.nan, math.inf, Decimal("0.1"), 1001, True, "1"]
)
def test_bad_days_raise(days: object) -> None:
    with pytest.raises(ValidationError) as info:
        add_working_days(at(2026, 9, 30), days, CAL)  # type: ignore[arg-type]
    assert info.value.field == "days"
    assert "0.5" in info.value.message


def test_naive_start_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2026, 9, 30, 10), 1, CAL)


def test_next_workday_and_counting() -> None:
    assert next_workday(date(2026, 9, 30), CAL) == date(2026, 10, 8)
    assert next_workday(date(2026, 10, 9), CAL) == date(2026, 10, 10)
    assert next_workday(date(2026, 9, 18), CAL) == date(2026, 9, 20)
    assert count_working_days(date(2026, 9, 30), date(2026, 10, 13), CAL) == 5
    assert count_working_days(date(2026, 9, 30), date(2026, 10, 7), CAL) == 0
    assert count_working_days(date(2026, 10, 13), date(2026, 9, 30), CAL) == 0
    assert count_working_days(date(2026, 10, 1), date(2026, 10, 1), CAL) == 0


# --- working hours and the calendar's own validation ------------------------------------


def test_working_hours_default_and_round_trip() -> None:
    assert HOURS.minutes_per_day == 420
    assert HOURS.to_text() == "09:00-12:00,13:30-17:30"
    assert WorkingHours.parse("09:00-12:00,13:30-17:30") == HOURS
    assert WorkingHours.parse(" ０９：００－１２：００，１３：３０至１７：３０ ") == HOURS
    assert WorkingHours.parse("9:00~12:00、13:30-17:30") == HOURS
    assert WorkingHours.parse("08:00-17:00").minutes_per_day == 540


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "请输入工作时间"),
        (" , ", "请输入工作时间"),
        ("09:00", "开始-结束"),
        ("09:00-12:00-13:00", "开始-结束"),
        ("9点-12点", "不是有效的时间"),
        ("25:00-26:00", "不是有效的时间"),
        ("09:60-12:00", "不是有效的时间"),
        ("12:00-09:00", "开始时间必须早于结束时间"),
        ("09:00-09:00", "开始时间必须早于结束时间"),
        ("13:30-17:30,09:00-12:00", "顺序颠倒或相互重叠"),
        ("09:00-12:00,11:00-17:30", "顺序颠倒或相互重叠"),
    ],
)
def test_working_hours_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        WorkingHours.parse(text)
    assert info.value.field == "working_hours"
    assert fragment in info.value.message


def test_working_hours_rejects_seconds_and_empty() -> None:
    with pytest.raises(ValidationError):
        WorkingHours(((time(9, 0, 30), time(12)),))
    with pytest.raises(ValidationError):
        WorkingHours(())


def test_adjacent_sessions_are_allowed() -> None:
    assert WorkingHours.parse("09:00-12:00,12:00-17:00").minutes_per_day == 480


def test_from_rows() -> None:
    cal = HolidayCalendar.from_rows(
        [(date(2026, 10, 1), "holiday"), (date(2026, 10, 10), "workday")], known_years=[2026]
    )
    assert not cal.is_workday(date(2026, 10, 1))
    assert cal.is_workday(date(2026, 10, 10))
    assert cal.is_workday(date(2026, 10, 9))
    assert not cal.is_workday(date(2026, 10, 11))
    assert cal.is_known(date(2026, 1, 1))
    assert not cal.is_known(date(2027, 1, 1))
    with pytest.raises(ValidationError, match="类型“rest”无效"):
        HolidayCalendar.from_rows([(date(2026, 10, 1), "rest")], known_years=[2026])
    with pytest.raises(ValidationError, match="既是节假日又是调休上班日"):
        HolidayCalendar.from_rows(
            [(date(2026, 10, 1), "holiday"), (date(2026, 10, 1), "workday")], known_years=[]
        )


# --- properties ----------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2030, 12, 31, 23, 59)).map(
    lambda dt: dt.replace(tzinfo=HALL)
)
half_steps = st.integers(min_value=0, max_value=120).map(lambda n: Decimal(n) / 2)


@given(starts, half_steps)
def test_never_raises_lands_on_workday_and_not_before_start(start: datetime, days: Decimal) -> None:
    deadline = add_working_days(start, days, CAL)
    assert deadline.due >= start
    assert deadline.due.tzinfo is HALL
    assert CAL.is_workday(deadline.due.date())
    assert deadline.provisional == bool(deadline.missing_years)
    assert all(year not in KNOWN_YEARS for year in deadline.missing_years)
    if days:  # the due moment lies within working time
        clock = deadline.due.time()
        assert any(s <= clock <= e for s, e in HOURS.sessions)


@given(starts, half_steps, half_steps)
def test_monotonic_in_days(start: datetime, a: Decimal, b: Decimal) -> None:
    # 0 (即办件, end of the intake day) is a different kind of limit from 0.5 (half a day
    # from the intake moment): in the morning it is the later of the two. From 0.5 on,
    # and among whole days, more days never means an earlier deadline.
    a, b = sorted((a, b))
    if a == 0 and b == Decimal("0.5"):
        return
    assert add_working_days(start, a, CAL).due <= add_working_days(start, b, CAL).due


@given(starts, st.integers(min_value=1, max_value=60))
def test_whole_days_match_the_package(start: datetime, days: int) -> None:
    deadline = add_working_days(start, days, CAL)
    if deadline.provisional or start.year > 2026:
        return
    # The received day is the start's own day when the hall is open then, else the
    # next working day (find_workday(0, d) is the first working day on or after d);
    # the n-th working day *after* it is find_workday(n, received).
    open_then = chinese_calendar.is_workday(start.date()) and start.time() <= time(17, 30)
    received = (
        start.date()
        if open_then
        else chinese_calendar.find_workday(0, start.date() + timedelta(days=1))
    )
    expected = chinese_calendar.find_workday(days, received)
    assert deadline.due == datetime.combine(expected, time(17, 30), tzinfo=HALL)
    assert count_working_days(received, deadline.due.date(), CAL) == days


@given(st.sampled_from(MAKEUP_DAYS), st.integers(min_value=0, max_value=17))
def test_makeup_weekend_days_count(makeup: date, hour: int) -> None:
    assert makeup.weekday() >= 5
    assert CAL.is_workday(makeup)
    day_before = datetime.combine(makeup - timedelta(days=1), time(hour), tzinfo=HALL)
    if CAL.is_workday(day_before.date()):
        assert add_working_days(day_before, 1, CAL).due.date() == makeup
    assert count_working_days(makeup - timedelta(days=1), makeup, CAL) == 1
    assert next_workday(makeup - timedelta(days=1), CAL) == makeup


@given(starts, half_steps)
def test_provisional_exactly_when_past_the_table(start: datetime, days: Decimal) -> None:
    deadline = add_working_days(start, days, CAL)
    if start.year >= 2027:
        assert deadline.provisional
        assert min(deadline.missing_years) >= 2027
    elif deadline.due.year <= 2026:
        assert not deadline.provisional
    else:
        assert 2027 in deadline.missing_years


# --- counting from a day the hall is closed (issue 27, 民法典 Art. 201) ----------------


def test_holiday_start_counts_from_the_next_working_day() -> None:
    # Received on National Day (closed): the received day is 10-08, so +0 ends then
    # and +1 the day after: a one-day limit is never the same as a zero-day one.
    assert add_working_days(at(2026, 10, 3, 10, 0), 0, CAL).due == at(2026, 10, 8, 17, 30)
    assert add_working_days(at(2026, 10, 3, 10, 0), 1, CAL).due == at(2026, 10, 9, 17, 30)


def test_after_closing_on_friday_counts_from_monday() -> None:
    friday_late = at(2026, 11, 6, 17, 45)
    assert add_working_days(friday_late, 0, CAL).due == at(2026, 11, 9, 17, 30)
    assert add_working_days(friday_late, 1, CAL).due == at(2026, 11, 10, 17, 30)
    assert received_day(friday_late, CAL) == date(2026, 11, 9)


@given(starts, st.integers(min_value=0, max_value=30))
def test_one_more_day_always_ends_one_working_day_later(start: datetime, days: int) -> None:
    shorter = add_working_days(start, days, CAL).due
    longer = add_working_days(start, days + 1, CAL).due
    assert longer > shorter
    assert count_working_days(shorter.date(), longer.date(), CAL) == 1
