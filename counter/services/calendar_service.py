"""Deadlines in working days over the hall's own holiday table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.errors import NotAllowedError
from counter.model.holiday_file import HolidayRow, complete_years, parse_holiday_file
from counter.model.staff import Role
from counter.model.workdays import Deadline, HolidayCalendar, WorkingHours, add_working_days
from counter.services import audit_trail
from counter.services.session import Session
from counter.store import holidays, outbox
from counter.store.db import immediate


@dataclass(frozen=True)
class HolidayImport:
    """What an import did: rows written, years now known, years only partly entered."""

    rows: int
    complete: tuple[int, ...]
    partial: tuple[int, ...]


class CalendarService:
    def __init__(self, db: Database, hours: WorkingHours) -> None:
        self.db = db
        self.hours = hours
        self.calendar: HolidayCalendar = holidays.load_calendar(db)

    def deadline(self, start: datetime, days: float) -> Deadline:
        return add_working_days(start, days, self.calendar, self.hours)

    def missing_table_year(self, today: date) -> int | None:
        """From November on, next year's table is due (the State Council notice comes out)."""
        last = self.calendar.last_known_year
        wanted = today.year + 1 if today.month >= 11 else today.year
        return None if last is not None and last >= wanted else wanted

    def missing_table_warning(self, today: date) -> str | None:
        wanted = self.missing_table_year(today)
        if wanted is None:
            return None
        return (
            f"尚未录入 {wanted} 年节假日安排：跨入该年的期限按周末推算并标注“暂定”。"
            "请值班长在国务院通知发布后导入节假日表。"
        )

    def import_file(self, session: Session, text: str, now: datetime) -> HolidayImport:
        """Years the file covers replace the table and become known; other rows are
        added as entries and leave their year provisional (model/holiday_file.py)."""
        session.require(Role.SUPERVISOR)
        rows, years = parse_holiday_file(text)
        complete = complete_years(rows)
        whole = [r for r in rows if r.day.year in complete]
        entries = [r for r in rows if r.day.year not in complete]
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            count = 0
            if complete:
                count += holidays.import_rows(self.db, whole, complete, source="file", now=now)
            count += holidays.add_rows(self.db, entries, source="file", now=now)
            detail = {"years": sorted(complete), "partial": sorted(years - complete), "rows": count}
            audit_trail.record(self.db, session, AuditAction.CATALOG, "holidays", detail, now)
        self.calendar = holidays.load_calendar(self.db)
        return HolidayImport(count, tuple(sorted(complete)), tuple(sorted(years - complete)))

    def confirm_year(self, session: Session, year: int, now: datetime) -> None:
        """The supervisor's word that every date of ``year`` is now in the table (when
        the file did not carry 元旦 and 国庆): the year becomes known, deadlines firm."""
        session.require(Role.SUPERVISOR)
        rows = [row for row, _source in holidays.rows_for_year(self.db, year)]
        if not rows:
            raise NotAllowedError(f"{year} 年还没有任何节假日安排，请先导入或逐日录入")
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            holidays.import_rows(self.db, rows, {year}, source="manual", now=now)
            detail = {"years": [year], "rows": len(rows), "confirmed": True}
            audit_trail.record(self.db, session, AuditAction.CATALOG, "holidays", detail, now)
        self.calendar = holidays.load_calendar(self.db)

    def set_day(
        self, session: Session, day: date, kind: str | None, name: str, now: datetime
    ) -> None:
        session.require(Role.SUPERVISOR)
        with immediate(self.db), outbox.acting_as(self.db, session.acting):
            holidays.set_day(self.db, day, kind, name, now)
            detail = {"kind": kind, "name": name}
            target = f"holidays:{day.isoformat()}"
            audit_trail.record(self.db, session, AuditAction.CATALOG, target, detail, now)
        self.calendar = holidays.load_calendar(self.db)

    def year(self, year: int) -> list[tuple[HolidayRow, str]]:
        return holidays.rows_for_year(self.db, year)

    def year_known(self, year: int) -> bool:
        return year in self.calendar.known_years
