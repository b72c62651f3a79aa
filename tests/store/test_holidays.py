from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlite_utils import Database

from counter.model.errors import ValidationError
from counter.model.holiday_file import parse_holiday_file
from counter.store import holidays, outbox


def test_the_official_table_is_seeded_from_chinesecalendar(db: Database) -> None:
    calendar = holidays.load_calendar(db)
    assert not calendar.is_workday(date(2026, 10, 1))
    assert calendar.is_workday(date(2026, 10, 10))  # the make-up Saturday
    assert calendar.last_known_year == 2026


def test_importing_next_years_table_makes_it_known(db: Database, now: datetime) -> None:
    rows, years = parse_holiday_file("2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n")
    holidays.import_rows(db, rows, years, source="file", now=now)
    calendar = holidays.load_calendar(db)
    assert calendar.is_known(date(2027, 3, 1))
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2027, 2, 20))
    assert outbox.pending(db)[-1].table_name == "holiday_years"


def test_a_bad_line_in_the_holiday_file_names_its_line() -> None:
    with pytest.raises(ValidationError, match="第 2 行"):
        parse_holiday_file("2027-01-01,holiday,元旦\n2027-13-01,holiday,错\n")


def test_a_weekday_cannot_be_a_make_up_workday() -> None:
    with pytest.raises(ValidationError, match="本来就是工作日"):
        parse_holiday_file("2027-01-04,workday,周一\n")


def test_a_single_day_edit_is_recorded_for_the_central(db: Database, now: datetime) -> None:
    holidays.set_day(db, date(2026, 12, 31), "holiday", "大厅停电检修", now)
    assert not holidays.load_calendar(db).is_workday(date(2026, 12, 31))
    assert outbox.pending(db)[-1].row_id == "2026-12-31"
