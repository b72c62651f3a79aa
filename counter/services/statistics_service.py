"""The supervisor's statistics over this counter's store (the central has its own reader).

The figures themselves are :func:`counter.model.statistics.compute`; this module only
fetches the rows of the period and the counts other capabilities keep (gift packs,
site visits), which are read through their services when those exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from counter.model.audit import AuditAction
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period, Report, compute, facts_from_rows
from counter.services import audit_trail, roles
from counter.services.calendar_service import CalendarService
from counter.services.catalog_service import CatalogService
from counter.services.giftpack_service import GiftPackService
from counter.services.ratings_service import RatingsService
from counter.services.session import Session
from counter.services.visits_service import VisitsService
from counter.store import outbox, ratings_store
from counter.store.db import connect, immediate


class StatisticsService:
    def __init__(self, db: Database, calendar: CalendarService, ratings: RatingsService) -> None:
        self.db = db
        self.calendar = calendar
        self.ratings = ratings

    def report(
        self, session: Session, period: Period, dimension: Dimension, now: datetime
    ) -> Report:
        session.require(*roles.SUPERVISORS)
        return self.compute(period, dimension, now)

    def record_export(
        self, session: Session, report: Report, kind: str, dest: Path, now: datetime
    ) -> None:
        """The figures leave the counter in a file: logged (what, which period, where to)
        before the file is written, as the backup is."""
        session.require(*roles.SUPERVISORS)
        target = f"statistics:{report.period.start}..{report.period.end}"
        detail = {"kind": kind, "dimension": report.dimension.value, "to": str(dest)}
        with immediate(self.db):
            audit_trail.record(self.db, session, AuditAction.EXPORT, target, detail, now)

    def compute(self, period: Period, dimension: Dimension, now: datetime) -> Report:
        """Without the role check: for the benchmark and the monthly job."""
        self.ratings.apply_defaults(now)
        facts = facts_from_rows(
            ratings_store.ticket_rows(self.db, period.start, period.end),
            ratings_store.case_rows(self.db, period.start, period.end, now.date()),
            ratings_store.rating_rows(self.db, period.start, period.end, outbox.device_id(self.db)),
            ratings_store.followup_rows(self.db, period.start, period.end),
        )
        return compute(
            period,
            dimension,
            tickets=facts.tickets,
            cases=facts.cases,
            ratings=facts.ratings,
            followups=facts.followups,
            holidays=self.calendar.calendar,
            now=now,
            gift_packs=self._monthly(period, self._gift_packs),
            visits=self._monthly(period, self._visits),
            scope="本机",
        )

    def _gift_packs(self, month: str) -> int:
        service = GiftPackService(self.db, self.ratings.settings, ())
        return service.figures(month).handovers

    def _visits(self, month: str) -> int:
        service = VisitsService(self.db, CatalogService(self.db), self.ratings.settings)
        return service.monthly_counts(month).visits

    @staticmethod
    def _monthly(period: Period, count: Callable[[str], int]) -> int | None:
        """Gift packs and visits are counted by month (their services' figures); a period
        of whole months sums them, any other period shows them as not available."""
        months = whole_months(period)
        return None if months is None else sum(count(m) for m in months)


def whole_months(period: Period) -> list[str] | None:
    """``["2026-09", …]`` when the period is exactly whole months, else None."""
    if period.start.day != 1 or (period.end + timedelta(days=1)).day != 1:
        return None
    months, d = [], period.start
    while d <= period.end:
        months.append(f"{d:%Y-%m}")
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


@contextmanager
def statistics_in(store_path: Path, settings: Settings) -> Iterator[StatisticsService]:
    """The service on a connection of its own, closed after: the 统计 page computes a
    month over a busy hall's rows on a worker thread, not the GUI thread's store."""
    db = connect(store_path)
    try:
        calendar = CalendarService(db, settings.working_hours)
        yield StatisticsService(db, calendar, RatingsService(db, calendar, settings))
    finally:
        db.close()
