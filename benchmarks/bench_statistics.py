"""Monthly statistics over a year of generated hall data.

A store is filled with a year of work (default 700,000 tickets and about 600,000
cases, with their 办结 events, ratings and follow-ups), then the month's figures are
computed the way the statistics page does (rows of the month → facts → figures), by
hall and by window. Prints the sizes and the median of three runs each.

    python -m benchmarks.bench_statistics [tickets_per_year] [cases_per_year]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks.hall_data import generate, write
from counter.model.clock import HALL_TZ
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period
from counter.services.bootstrap import prepare_store
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.statistics_service import StatisticsService
from counter.store.db import open_store

YEAR_START = date(2025, 12, 1)
DAYS = 365
CHUNK_DAYS = 15
CASES_PER_INTAKE = 1.3  # 10 % are 3-item bundles: a parent and three sub-cases
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=HALL_TZ)


def fill(path: Path, tickets: int, cases: int) -> tuple[int, float]:
    db = open_store(path)
    prepare_store(db, NOW)
    per_day_tickets = round(tickets / DAYS)
    per_day_intakes = round(cases / DAYS / CASES_PER_INTAKE)
    started = time.perf_counter()
    for offset in range(0, DAYS, CHUNK_DAYS):
        days = min(CHUNK_DAYS, DAYS - offset)
        hall = generate(
            YEAR_START + timedelta(days=offset),
            days,
            per_day_tickets,
            per_day_intakes,
            seed=offset,
        )
        write(db, hall)
    made = int(db.execute("SELECT count(*) FROM cases").fetchone()[0])
    db.close()
    return made, time.perf_counter() - started


def main() -> None:
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 700_000
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 600_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "counter.db"
        made, seconds = fill(path, tickets, cases)
        db = open_store(path)
        counts = {
            t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("tickets", "cases", "case_events", "ratings", "followups")
        }
        print(
            f"generated in {seconds:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
        calendar = CalendarService(db, Settings().working_hours)
        service = StatisticsService(db, calendar, RatingsService(db, calendar, Settings()))
        month = Period.month(date(2026, 6, 1))
        for dimension in (Dimension.HALL, Dimension.WINDOW, Dimension.ITEM):
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                report = service.compute(month, dimension, NOW)
                runs.append(time.perf_counter() - started)
            print(
                f"monthly statistics ({month.label}, by {dimension.name.lower()}):"
                f" median {statistics.median(runs):.2f} s over 3 runs"
                f" — {report.total.tickets:,} tickets, {report.total.accepted:,} accepted,"
                f" {report.total.ratings:,} ratings"
            )
        db.close()
    assert made > 0


if __name__ == "__main__":
    main()
