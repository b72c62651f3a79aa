from __future__ import annotations

from datetime import date, datetime

import pytest

from counter.model.clock import HALL_TZ
from counter.model.errors import ValidationError
from counter.model.ratings import Level
from counter.model.statistics import (
    Dimension,
    Period,
    RatingFact,
    compute,
    table_rows,
)
from counter.model.workdays import HolidayCalendar

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)


def test_a_week_runs_monday_to_sunday() -> None:
    week = Period.week(date(2026, 11, 27))
    assert (week.start, week.end) == (date(2026, 11, 23), date(2026, 11, 29))


def test_a_month_ends_on_its_last_day() -> None:
    assert Period.month(date(2026, 2, 10)).end == date(2026, 2, 28)


def test_a_backwards_range_is_refused() -> None:
    with pytest.raises(ValidationError):
        Period.range(date(2026, 2, 10), date(2026, 2, 1))


def rating(level: int, day: int, window: str = "1") -> RatingFact:
    return RatingFact(date(2026, 11, day), Level(level), False, "", "", "", window, "", "")


def test_good_rate_counts_basic_as_good() -> None:
    report = compute(Period.month(date(2026, 11, 1)), Dimension.WINDOW, tickets=[], cases=[],
                     ratings=[rating(5, 1), rating(3, 2), rating(2, 3, "2"), rating(1, 1, "2")],
                     followups=[], holidays=HolidayCalendar(), now=NOW)  # fmt: skip
    assert report.total.good_rate == 0.5 and report.total.bad == 2
    assert [g.figures.good_rate for g in report.groups] == [1.0, 0.0]


def test_facts_outside_the_period_are_ignored() -> None:
    report = compute(Period.day(date(2026, 11, 2)), Dimension.HALL, tickets=[], cases=[],
                     ratings=[rating(5, 1), rating(4, 2)], followups=[],
                     holidays=HolidayCalendar(), now=NOW)  # fmt: skip
    assert report.total.levels == (0, 1, 0, 0, 0)


def test_the_table_ends_with_the_total() -> None:
    report = compute(Period.day(date(2026, 11, 2)), Dimension.CLERK, tickets=[], cases=[],
                     ratings=[], followups=[], holidays=HolidayCalendar(), now=NOW)  # fmt: skip
    rows = table_rows(report)
    assert rows[0][0] == "人员" and rows[-1][0] == "合计" and len(rows) == 2
