"""Statistics over a generated month equal figures computed independently here."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from sqlite_utils import Database

from benchmarks.hall_data import Hall, generate, write
from counter.model.errors import NotAllowedError
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.session import Session, sign_in
from counter.services.statistics_service import StatisticsService

SEPTEMBER = Period.month(date(2026, 9, 1))
CLOSED = {"不予受理", "办结（准予）", "办结（不予）", "已出件", "终止"}


@pytest.fixture(scope="module")
def hall() -> Hall:
    return generate(date(2026, 8, 25), 42, tickets_per_day=30, intakes_per_day=12)


@pytest.fixture
def stats(db: Database, hall: Hall) -> StatisticsService:
    write(db, hall)
    calendar = CalendarService(db, Settings().working_hours)
    return StatisticsService(db, calendar, RatingsService(db, calendar, Settings()))


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def in_month(text: str | None) -> bool:
    return text is not None and t(text).date() in SEPTEMBER


def workdays(start: date, end: date) -> int:
    """Independent of the model: the chinesecalendar package, day by day."""
    count, d = 0, start + timedelta(days=1)
    while d <= end:
        count += chinese_calendar.is_workday(d)
        d += timedelta(days=1)
    return count


def test_ticket_figures_match(stats: StatisticsService, hall: Hall, now: datetime) -> None:
    report = stats.compute(SEPTEMBER, Dimension.HALL, now)
    month = [r for r in hall.tickets if date.fromisoformat(r["day"]) in SEPTEMBER]
    served = [r for r in month if r["state"] == "done"]
    waits = [(t(r["first_called_at"]) - t(r["issued_at"])).total_seconds() / 60 for r in month]
    service = [(t(r["finished_at"]) - t(r["started_at"])).total_seconds() / 60 for r in served]
    assert report.total.tickets == len(month) == 30 * 30
    assert report.total.served == len(served)
    assert report.total.avg_wait_min == pytest.approx(sum(waits) / len(waits))
    assert report.total.avg_service_min == pytest.approx(sum(service) / len(service))


def test_case_figures_match(stats: StatisticsService, hall: Hall, now: datetime) -> None:
    report = stats.compute(SEPTEMBER, Dimension.HALL, now)
    items = [c for c in hall.cases if c["item_code"]]
    accepted = [c for c in items if in_month(c["accepted_at"])]
    finished = [c for c in items if in_month(hall.finished.get(c["id"]))]
    on_time = [c for c in finished if t(hall.finished[c["id"]]) <= t(c["promised_due"])]
    open_late = [
        c
        for c in items
        if c["state"] not in CLOSED and in_month(c["promised_due"]) and t(c["promised_due"]) < now
    ]
    taken = [
        workdays(t(c["accepted_at"]).date(), t(hall.finished[c["id"]]).date()) for c in finished
    ]
    assert report.total.accepted == len(accepted)
    assert report.total.finished == len(finished)
    assert report.total.on_time == len(on_time)
    assert report.total.overdue == len(finished) - len(on_time) + len(open_late)
    assert report.total.avg_taken_days == pytest.approx(sum(taken) / len(taken))
    promised = [c["promised_days"] for c in finished]
    assert report.total.avg_promised_days == pytest.approx(sum(promised) / len(promised))


def test_materials_and_trips_match(stats: StatisticsService, hall: Hall, now: datetime) -> None:
    report = stats.compute(SEPTEMBER, Dimension.HALL, now)
    intakes = [c for c in hall.cases if c["parent_id"] is None and in_month(c["accepted_at"])]
    children = {c["parent_id"] for c in hall.cases if c["parent_id"]}
    asked = sum(c["asked_count"] for c in intakes) / len(intakes)
    naive = sum(c["naive_count"] for c in intakes) / len(intakes)
    trips = sum(
        (2 if c["id"] in children else 0) + c["rongque"] + (c["delivery_method"] == "邮寄")
        for c in intakes
    )
    assert report.total.asked_per_case == pytest.approx(asked)
    assert report.total.naive_per_case == pytest.approx(naive)
    assert report.total.asked_per_case < report.total.naive_per_case
    assert report.total.trips_saved == trips


def test_rating_and_follow_up_figures_match(
    stats: StatisticsService, hall: Hall, now: datetime
) -> None:
    report = stats.compute(SEPTEMBER, Dimension.HALL, now)
    month = [r for r in hall.ratings if in_month(r["rated_at"])]
    counts = tuple(sum(r["level"] == level for r in month) for level in (5, 4, 3, 2, 1))
    assert report.total.levels == counts
    assert report.total.good_rate == pytest.approx(sum(counts[:3]) / len(month))
    followups = [f for f in hall.followups if in_month(f["opened_at"])]
    still_open = [f for f in followups if f["state"] != "已整改"]
    assert report.total.followups == len(followups)
    assert report.total.followups_open == len(still_open)
    assert report.total.followups_overdue == sum(now > t(f["first_due"]) for f in still_open)


def test_groups_by_window_add_up_to_the_total(
    stats: StatisticsService, hall: Hall, now: datetime
) -> None:
    report = stats.compute(SEPTEMBER, Dimension.WINDOW, now)
    assert sum(g.figures.tickets or 0 for g in report.groups) == report.total.tickets
    assert sum(g.figures.accepted for g in report.groups) == report.total.accepted
    window3 = [
        r for r in hall.tickets if r["window"] == "3" and date.fromisoformat(r["day"]) in SEPTEMBER
    ]
    assert next(g for g in report.groups if g.key == "3").figures.tickets == len(window3)


def test_groups_by_item_leave_tickets_unattributed(stats: StatisticsService, now: datetime) -> None:
    report = stats.compute(SEPTEMBER, Dimension.ITEM, now)
    assert {g.figures.tickets for g in report.groups} == {None}
    assert sum(g.figures.accepted for g in report.groups) == report.total.accepted


def test_a_range_with_no_data_is_an_empty_report(
    stats: StatisticsService, supervisor: Session, now: datetime
) -> None:
    empty = Period.range(date(2020, 1, 1), date(2020, 1, 31))
    report = stats.report(supervisor, empty, Dimension.CLERK, now)
    assert report.empty and report.groups == () and report.total.good_rate is None
    assert len(report.daily) == 31


def test_a_clerk_may_not_see_the_statistics(db: Database, stats: StatisticsService,
                                            now: datetime) -> None:  # fmt: skip
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    with pytest.raises(NotAllowedError):
        stats.report(clerk, SEPTEMBER, Dimension.HALL, now)


def test_follow_up_items_group_by_item(stats: StatisticsService, hall: Hall, now: datetime) -> None:
    report = stats.compute(SEPTEMBER, Dimension.ITEM, now)
    named = [
        f
        for f in hall.followups
        if in_month(f["opened_at"]) and json.loads(f["items"]) == ["企业设立登记"]
    ]
    group = next((g for g in report.groups if g.key == "企业设立登记"), None)
    assert group is not None
    assert group.figures.followups == len(named)


def test_gift_packs_and_visits_are_counted_for_whole_months_only(
    stats: StatisticsService, now: datetime
) -> None:
    half = stats.compute(Period.range(date(2026, 9, 1), date(2026, 9, 15)), Dimension.HALL, now)
    assert half.total.gift_packs is None and half.total.visits is None
    month = stats.compute(SEPTEMBER, Dimension.HALL, now)
    assert month.total.gift_packs == 0 and month.total.visits == 0
