from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError
from counter.model.workdays import WorkingHours
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.session import sign_in


def test_from_november_the_missing_next_year_is_flagged(db: Database) -> None:
    service = CalendarService(db, WorkingHours())
    assert service.missing_table_year(date(2026, 11, 27)) == 2027
    assert service.missing_table_year(date(2026, 6, 1)) is None
    assert "2027" in (service.missing_table_warning(date(2026, 11, 27)) or "")


def test_a_deadline_into_an_unknown_year_is_provisional(db: Database) -> None:
    service = CalendarService(db, WorkingHours())
    start = datetime.fromisoformat("2026-12-28T10:00:00+08:00")
    deadline = service.deadline(start, 5)
    assert deadline.provisional and deadline.missing_years == (2027,)


def test_importing_the_table_clears_the_warning_and_firms_deadlines(
    db: Database, now: datetime
) -> None:
    service = CalendarService(db, WorkingHours())
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    result = service.import_file(
        supervisor,
        "2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-10-01,holiday,国庆\n",
        now,
    )
    assert result.complete == (2027,) and result.partial == ()
    assert service.missing_table_year(date(2026, 11, 27)) is None
    start = datetime.fromisoformat("2026-12-28T10:00:00+08:00")
    assert not service.deadline(start, 5).provisional


def test_a_few_rows_of_a_year_do_not_make_it_known(db: Database, now: datetime) -> None:
    service = CalendarService(db, WorkingHours())
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    result = service.import_file(
        supervisor, "2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n", now
    )
    assert result.complete == () and result.partial == (2027,)
    assert service.missing_table_year(date(2026, 11, 27)) == 2027
    start = datetime.fromisoformat("2026-12-28T10:00:00+08:00")
    deadline = service.deadline(start, 5)
    assert deadline.provisional  # the rows count, the year is still not known
    assert not service.calendar.is_workday(date(2027, 1, 1))


def test_a_partial_import_keeps_the_rest_of_a_known_year(db: Database, now: datetime) -> None:
    service = CalendarService(db, WorkingHours())
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    before = len(service.year(2026))
    service.import_file(supervisor, "2026-12-31,holiday,检修\n", now)
    assert len(service.year(2026)) == before + 1
    assert service.year_known(2026)


def test_the_supervisor_confirms_a_year_entered_by_hand(db: Database, now: datetime) -> None:
    service = CalendarService(db, WorkingHours())
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    service.import_file(supervisor, "2027-01-01,holiday,元旦\n", now)
    service.confirm_year(supervisor, 2027, now)
    assert service.year_known(2027)
    with pytest.raises(NotAllowedError, match="还没有任何"):
        service.confirm_year(supervisor, 2028, now)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "2", now)
    with pytest.raises(NotAllowedError):
        service.confirm_year(clerk, 2027, now)


def test_a_clerk_cannot_import_holidays(db: Database, now: datetime) -> None:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    with pytest.raises(NotAllowedError):
        CalendarService(db, WorkingHours()).import_file(clerk, "2027-01-01,holiday,元旦", now)
