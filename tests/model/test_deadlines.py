from __future__ import annotations

from datetime import date, datetime

import pytest

from counter.model.clock import HALL_TZ
from counter.model.deadlines import (
    Light,
    Pause,
    case_deadlines,
    case_light,
    check_extension,
    check_yellow_share,
    deemed_accepted,
    latest_promise_date,
    notice_due,
    overdue_promises,
    paused_working_days,
    traffic_light,
)
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.workdays import HolidayCalendar, WorkingHours

# 国庆 2026: 10-01..10-07 off; 09-20 (Sun) and 10-10 (Sat) worked instead.
NATIONAL_DAY = HolidayCalendar(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    makeup_workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
    known_years=frozenset({2026}),
)
HOURS = WorkingHours()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HALL_TZ)


def deadlines(accepted: datetime, days: float, now: datetime, **kw: object):  # type: ignore[no-untyped-def]
    return case_deadlines(
        accepted,
        promised_days=days,
        legal_days=kw.pop("legal", 20),  # type: ignore[arg-type]
        now=now,
        calendar=NATIONAL_DAY,
        hours=HOURS,
        **kw,  # type: ignore[arg-type]
    )


def test_five_days_across_national_day_count_the_makeup_saturday() -> None:
    d = deadlines(at(2026, 9, 30), 5, at(2026, 9, 30))
    # 10-08, 10-09, 10-10 (Sat, worked), 10-12, 10-13
    assert d.promised.due == at(2026, 10, 13, 17, 30)
    assert not d.provisional


def test_the_legal_deadline_runs_from_the_same_acceptance() -> None:
    d = deadlines(at(2026, 9, 30), 5, at(2026, 9, 30), legal=20)
    assert d.legal.due == at(2026, 11, 3, 17, 30)


def test_a_half_day_promise_accepted_in_the_morning_ends_that_afternoon() -> None:
    d = deadlines(at(2026, 11, 27, 10), 0.5, at(2026, 11, 27, 10))
    assert d.promised.due == at(2026, 11, 27, 15, 0)


def test_a_deadline_into_a_year_without_a_table_is_provisional() -> None:
    d = deadlines(at(2026, 12, 28), 5, at(2026, 12, 28))
    assert d.provisional
    assert d.promised.missing_years == (2027,)
    assert "(暂定)" in d.promised.label()


def test_stopping_the_clock_moves_the_deadline_by_the_paused_working_days() -> None:
    accepted = at(2026, 11, 2)  # Monday
    plain = deadlines(accepted, 5, at(2026, 11, 2))
    # Paused Tuesday 11-03 to Thursday 11-05: two working days given back.
    paused = deadlines(accepted, 5, at(2026, 11, 6), paused_days=2)
    assert plain.promised.due == at(2026, 11, 9, 17, 30)
    assert paused.promised.due == at(2026, 11, 11, 17, 30)
    assert paused.paused_days == 2


def test_an_ongoing_pause_counts_up_to_now() -> None:
    d = deadlines(at(2026, 11, 2), 5, at(2026, 11, 5), paused_since=at(2026, 11, 3))
    assert d.paused_days == 2
    assert d.promised.due == at(2026, 11, 11, 17, 30)


def test_paused_days_skip_the_holiday() -> None:
    pause = Pause(at(2026, 9, 30), at(2026, 10, 9))
    assert paused_working_days([pause], at(2026, 10, 9), NATIONAL_DAY) == 2  # 10-08, 10-09


def test_an_extension_adds_ten_working_days_to_the_legal_limit() -> None:
    plain = deadlines(at(2026, 11, 2), 5, at(2026, 11, 2), legal=20)
    longer = deadlines(at(2026, 11, 2), 5, at(2026, 11, 2), legal=20, extension_days=10)
    assert longer.extended and longer.target == longer.legal
    assert longer.legal.due == at(2026, 12, 14, 17, 30)
    assert plain.legal.due == at(2026, 11, 30, 17, 30)


def test_a_second_extension_is_refused() -> None:
    with pytest.raises(NotAllowedError, match="不能再次延长"):
        check_extension(10, "专家评审")


def test_an_extension_needs_a_reason() -> None:
    with pytest.raises(ValidationError) as caught:
        check_extension(0, " ")
    assert caught.value.field == "reason"


def test_the_one_time_notice_is_due_five_working_days_after_the_materials() -> None:
    # 09-29, 09-30, 10-08, 10-09, 10-10 (the make-up Saturday)
    assert notice_due(at(2026, 9, 28), NATIONAL_DAY, HOURS).due == at(2026, 10, 10, 17, 30)


def test_a_notice_on_the_fifth_working_day_is_in_time() -> None:
    assert not deemed_accepted(
        at(2026, 9, 28), at(2026, 10, 10, 16), at(2026, 10, 10, 16), NATIONAL_DAY, HOURS
    )


def test_a_notice_after_five_working_days_makes_the_case_deemed_accepted() -> None:
    assert deemed_accepted(
        at(2026, 9, 28), at(2026, 10, 12, 9), at(2026, 10, 12, 9), NATIONAL_DAY, HOURS
    )


def test_no_notice_yet_is_judged_as_of_now() -> None:
    assert deemed_accepted(at(2026, 9, 28), None, at(2026, 10, 12), NATIONAL_DAY, HOURS)
    assert not deemed_accepted(at(2026, 9, 28), None, at(2026, 10, 8), NATIONAL_DAY, HOURS)


def test_a_promise_may_run_to_the_promised_completion_day() -> None:
    assert latest_promise_date(at(2026, 9, 30), 5, NATIONAL_DAY, HOURS) == date(2026, 10, 13)


def test_overdue_promises_are_named() -> None:
    promises = [("劳动合同", date(2026, 11, 26)), ("章程", date(2026, 11, 27))]
    assert overdue_promises(promises, date(2026, 11, 27)) == ("劳动合同",)


@pytest.mark.parametrize(
    ("now", "light"),
    [
        (at(2026, 11, 2, 10), Light.GREEN),
        (at(2026, 11, 9, 9), Light.YELLOW),
        (at(2026, 11, 9, 17, 31), Light.RED),
    ],
)
def test_the_light_turns_with_the_share_of_time_left(now: datetime, light: Light) -> None:
    assert traffic_light(at(2026, 11, 2, 9), at(2026, 11, 9, 17, 30), now, 0.25) is light


def test_a_case_light_counts_working_time_not_the_weekend() -> None:
    # Five working days accepted Mon 11-02 09:00, due Mon 11-09 17:30. At Friday's
    # closing one working day of five is left: yellow, although by the calendar
    # (three days of seven) it would still be green.
    start, due, friday_close = at(2026, 11, 2, 9), at(2026, 11, 9, 17, 30), at(2026, 11, 6, 17, 30)
    assert traffic_light(start, due, friday_close, 0.25) is Light.GREEN
    assert case_light(start, due, friday_close, NATIONAL_DAY, HOURS, 0.25) is Light.YELLOW
    assert case_light(start, due, at(2026, 11, 5, 10), NATIONAL_DAY, HOURS, 0.25) is Light.GREEN
    assert case_light(start, due, at(2026, 11, 9, 17, 31), NATIONAL_DAY, HOURS) is Light.RED


def test_a_case_light_skips_holidays_in_the_limit() -> None:
    # Accepted 09-30 09:00, due 10-09 17:30: 21 working hours (09-30, 10-08, 10-09).
    # On 10-07 two of three working days are left, however little calendar time.
    start, due = at(2026, 9, 30, 9), at(2026, 10, 9, 17, 30)
    assert traffic_light(start, due, at(2026, 10, 7, 12), 0.25) is Light.YELLOW
    assert case_light(start, due, at(2026, 10, 7, 12), NATIONAL_DAY, HOURS, 0.25) is Light.GREEN
    assert case_light(start, due, at(2026, 10, 9, 14), NATIONAL_DAY, HOURS, 0.25) is Light.YELLOW


def test_the_yellow_share_must_be_a_fraction() -> None:
    with pytest.raises(ValidationError):
        check_yellow_share(1.5)
