"""The hall's holiday table: seeded from ``chinesecalendar``, edited and imported locally."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlite_utils import Database

from counter.model.clock import iso
from counter.model.holiday_file import PACKAGE_SOURCE, HolidayRow, package_rows
from counter.model.workdays import HolidayCalendar
from counter.store import outbox


def is_seeded(db: Database) -> bool:
    return db.execute("SELECT 1 FROM holiday_years LIMIT 1").fetchone() is not None


def import_rows(
    db: Database, rows: Iterable[HolidayRow], years: set[int], *, source: str, now: datetime
) -> int:
    """Replace the named years wholly with these rows, in one transaction."""
    rows = list(rows)
    with db.atomic():
        for year in sorted(years):
            db.execute(
                "DELETE FROM holidays WHERE day >= ? AND day <= ?",
                [f"{year:04d}-01-01", f"{year:04d}-12-31"],
            )
            db.table("holiday_years").upsert(
                {"year": year, "source": source, "entered_at": iso(now)}, pk="year"
            )
        db.table("holidays").upsert_all(
            [
                {"day": r.day.isoformat(), "kind": r.kind, "name": r.name, "source": source}
                for r in rows
            ],
            pk="day",
        )
        if source != PACKAGE_SOURCE:
            outbox.record(
                db,
                table="holiday_years",
                row_id=",".join(str(y) for y in sorted(years)),
                kind="upsert",
                payload={
                    "years": sorted(years),
                    "rows": [[r.day.isoformat(), r.kind, r.name] for r in rows],
                    "source": source,
                },
                now=now,
            )
    return len(rows)


def add_rows(db: Database, rows: Iterable[HolidayRow], *, source: str, now: datetime) -> int:
    """Entries of a year the file does not cover: each day upserted (and synced) on its
    own, the rest of the year's table kept and the year not declared known."""
    count = 0
    with db.atomic():
        for row in rows:
            set_day(db, row.day, row.kind, row.name, now, source=source)
            count += 1
    return count


def seed_from_package(db: Database, now: datetime) -> int:
    rows, years = package_rows()
    return import_rows(db, rows, years, source=PACKAGE_SOURCE, now=now)


def set_day(
    db: Database,
    day: date,
    kind: str | None,
    name: str,
    now: datetime,
    *,
    source: str = "manual",
) -> None:
    """One supervisor edit: mark a day as holiday or make-up workday, or clear it (None)."""
    with db.atomic():
        before = outbox.prior(db, "holidays", {"day": day.isoformat()})
        if kind is None:
            db.execute("DELETE FROM holidays WHERE day = ?", [day.isoformat()])
        else:
            db.table("holidays").upsert(
                {"day": day.isoformat(), "kind": kind, "name": name, "source": source},
                pk="day",
            )
        outbox.record(
            db,
            table="holidays",
            row_id=day.isoformat(),
            kind="delete" if kind is None else "upsert",
            payload={"day": day.isoformat(), "kind": kind, "name": name},
            now=now,
            before=before,
        )


def load_calendar(db: Database) -> HolidayCalendar:
    rows = [
        (date.fromisoformat(day), kind)
        for day, kind in db.execute("SELECT day, kind FROM holidays ORDER BY day").fetchall()
    ]
    years = [y for (y,) in db.execute("SELECT year FROM holiday_years").fetchall()]
    return HolidayCalendar.from_rows(rows, years)


def rows_for_year(db: Database, year: int) -> list[tuple[HolidayRow, str]]:
    """The year's entries with where each came from (package, file or manual)."""
    return [
        (HolidayRow(date.fromisoformat(day), kind, name), source)
        for day, kind, name, source in db.execute(
            "SELECT day, kind, name, source FROM holidays WHERE day >= ? AND day <= ? ORDER BY day",
            [f"{year:04d}-01-01", f"{year:04d}-12-31"],
        ).fetchall()
    ]
