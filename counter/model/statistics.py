"""The hall's figures for a period, by department, item, window or clerk.

One pure computation over plain rows, used alike by a counter (its own store) and by
the central (every counter's synced rows): :func:`compute` takes facts built by the
``*_fact`` functions from row dicts with the local tables' column names, so both ends
read the same columns and get the same numbers.

Definitions (what a reviewer or an auditor will ask):

* tickets: issued on a day of the period; wait = first call − issue, service =
  finish − start, over tickets served (办结).
* accepted: item cases (standalone items and the items inside a bundle) accepted in the
  period; finished: item cases decided (办结准予/不予) in the period; on time: finished
  by the promised deadline; overdue: finished late in the period, plus cases still open
  whose promised deadline fell in the period and has passed.
* working days taken: working days from acceptance to decision (the acceptance day not
  counted, Art. 82) less paused days, against the promised days of the same cases.
* materials per case: per intake accepted in the period (a bundle is one intake), asked
  of the applicant against the naive sum of the items' own lists (the 8.9 → 5.1 figure).
* trips saved: per intake accepted in the period, the items beyond the first taken in
  one intake (一件事一次办), a 容缺 acceptance (no return trip before acceptance) and a
  mailed hand-over (no trip to collect).
* 好评率: 非常满意 + 满意 + 基本满意 over all ratings given in the period (defaults
  included, as the 好差评 rules count them).
* follow-ups: opened in the period; open and overdue as of ``now``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from counter.model.errors import ValidationError
from counter.model.ratings import LEVELS, Level
from counter.model.workdays import HolidayCalendar, count_working_days

MAX_RANGE_DAYS = 366
FINISH_ACTIONS = ("办结（准予）", "办结（不予）")
FOLLOWUP_CLOSED = ("已整改", "申诉成立", "已办结")


class Dimension(StrEnum):
    HALL = "全厅"
    DEPARTMENT = "部门"
    ITEM = "事项"
    WINDOW = "窗口"
    CLERK = "人员"


class PeriodKind(StrEnum):
    DAY = "日"
    WEEK = "周"
    MONTH = "月"
    RANGE = "时段"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: PeriodKind = PeriodKind.RANGE

    @classmethod
    def day(cls, d: date) -> Period:
        return cls(d, d, PeriodKind.DAY)

    @classmethod
    def week(cls, d: date) -> Period:
        monday = d - timedelta(days=d.weekday())
        return cls(monday, monday + timedelta(days=6), PeriodKind.WEEK)

    @classmethod
    def month(cls, d: date) -> Period:
        first = d.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(first, following - timedelta(days=1), PeriodKind.MONTH)

    @classmethod
    def range(cls, start: date, end: date) -> Period:
        if end < start:
            raise ValidationError("period_end", "结束日期不能早于开始日期")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise ValidationError("period_end", f"统计时段最长 {MAX_RANGE_DAYS} 天")
        return cls(start, end, PeriodKind.RANGE)

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year} 年 {self.start.month} 月"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


# --- facts: one per row, built from the tables' own column names ------------------------


@dataclass(frozen=True)
class TicketFact:
    day: date
    window: str
    clerk_id: str
    clerk_name: str
    served: bool
    wait_s: float | None
    service_s: float | None


@dataclass(frozen=True)
class CaseFact:
    top_level: bool  # an intake: a standalone item or a bundle's parent
    is_item: bool  # counts as one item case (not a bundle's parent)
    department: str
    item_code: str
    item_name: str
    window: str
    clerk_id: str
    clerk_name: str
    accepted_at: datetime | None
    finished_at: datetime | None
    promised_due: datetime | None
    promised_days: float
    paused_days: int
    closed: bool
    asked: int
    naive: int
    items_in_intake: int
    rongque: bool
    mailed: bool
    promise_lapsed_on: date | None = None


@dataclass(frozen=True)
class RatingFact:
    day: date
    level: Level
    default: bool
    department: str
    item_code: str
    item_name: str
    window: str
    clerk_id: str
    clerk_name: str


@dataclass(frozen=True)
class FollowUpFact:
    day: date
    closed: bool
    next_due: datetime | None
    department: str
    item: str
    window: str
    clerk_id: str
    clerk_name: str


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def ticket_fact(row: Mapping[str, Any]) -> TicketFact:
    issued = _time(row["issued_at"])
    called = _time(row.get("first_called_at"))
    started = _time(row.get("started_at"))
    finished = _time(row.get("finished_at"))
    served = row["state"] == "done"
    return TicketFact(
        day=date.fromisoformat(row["day"]),
        window=row.get("window") or "",
        clerk_id=row.get("clerk_id") or "",
        clerk_name=row.get("clerk_name") or "",
        served=served,
        wait_s=(called - issued).total_seconds() if called and issued else None,
        service_s=(finished - started).total_seconds() if served and finished and started else None,
    )


def case_fact(
    row: Mapping[str, Any], finished_at: str | None, items_in_intake: int, item_name: str = ""
) -> CaseFact:
    """``finished_at`` comes from the case's 办结 event; ``items_in_intake`` is the number
    of sub-cases of a bundle's parent (1 for a standalone item, 0 for a sub-case)."""
    return CaseFact(
        top_level=row.get("parent_id") is None,
        is_item=bool(row.get("item_code")),
        department=row.get("department") or "",
        item_code=row.get("item_code") or row.get("bundle_code") or "",
        item_name=item_name or row.get("title") or "",
        window=str(row.get("window") or ""),
        clerk_id=row.get("clerk_id") or "",
        clerk_name=row.get("clerk_name") or "",
        accepted_at=_time(row.get("accepted_at")),
        finished_at=_time(finished_at),
        promised_due=_time(row.get("promised_due")),
        promised_days=float(row.get("promised_days") or 0),
        paused_days=int(row.get("paused_days") or 0),
        closed=row["state"] in _CLOSED_CASE_STATES,
        asked=int(row.get("asked_count") or 0),
        naive=int(row.get("naive_count") or 0),
        items_in_intake=items_in_intake,
        rongque=bool(row.get("rongque")),
        promise_lapsed_on=_day(row.get("promise_lapsed_on")),
        mailed=row.get("delivery_method") == "邮寄",
    )


_CLOSED_CASE_STATES = ("不予受理", "办结（准予）", "办结（不予）", "已出件", "终止")


def rating_fact(row: Mapping[str, Any]) -> RatingFact:
    return RatingFact(
        day=datetime.fromisoformat(row["rated_at"]).date(),
        level=Level(int(row["level"])),
        default=row["channel"] == "默认评价",
        department=row.get("department") or "",
        item_code=row.get("item_code") or "",
        item_name=row.get("item_name") or "",
        window=str(row.get("window") or ""),
        clerk_id=row.get("clerk_id") or "",
        clerk_name=row.get("clerk_name") or "",
    )


def followup_fact(row: Mapping[str, Any], items: Sequence[str]) -> FollowUpFact:
    closed = row["state"] in FOLLOWUP_CLOSED
    first_due, final_due = _time(row.get("first_due")), _time(row["final_due"])
    due = (
        None if closed else (first_due if first_due and not row.get("first_done_at") else final_due)
    )
    return FollowUpFact(
        day=datetime.fromisoformat(row["opened_at"]).date(),
        closed=closed,
        next_due=due,
        department=row.get("department") or "",
        item=items[0] if items else "",
        window=str(row.get("window") or ""),
        clerk_id=row.get("clerk_id") or "",
        clerk_name=row.get("clerk_name") or "",
    )


@dataclass(frozen=True)
class Facts:
    tickets: list[TicketFact]
    cases: list[CaseFact]
    ratings: list[RatingFact]
    followups: list[FollowUpFact]


def facts_from_rows(
    tickets: Iterable[Mapping[str, Any]],
    cases: Iterable[Mapping[str, Any]],
    ratings: Iterable[Mapping[str, Any]],
    followups: Iterable[Mapping[str, Any]],
) -> Facts:
    """Rows as the local tables hold them; a case row also carries ``finished_at`` (its
    办结 event) and ``children`` (sub-cases of a bundle's parent).

    Ratings are de-duplicated per service: two counters holding the same service may
    both have defaulted it, or one rated it while the other defaulted; a real rating
    wins over a default.
    """
    best: dict[str, Mapping[str, Any]] = {}
    for r in ratings:
        key = r.get("request_id") or r["id"]
        held = best.get(key)
        if held is None or (held["channel"] == "默认评价" and r["channel"] != "默认评价"):
            best[key] = r
    return Facts(
        tickets=[ticket_fact(t) for t in tickets],
        cases=[
            case_fact(
                c,
                c.get("finished_at"),
                (int(c.get("children") or 0) or 1) if c.get("parent_id") is None else 0,
            )
            for c in cases
        ],
        ratings=[rating_fact(r) for r in best.values()],
        followups=[followup_fact(f, _items(f.get("items"))) for f in followups],
    )


def _items(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(v) for v in json.loads(value or "[]")]


# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    tickets: int | None = 0  # None: not attributable to this grouping (tickets by item)
    served: int | None = 0
    avg_wait_min: float | None = None
    avg_service_min: float | None = None
    accepted: int = 0
    finished: int = 0
    on_time: int = 0
    overdue: int = 0
    promises_lapsed: int = 0  # 容缺 promises that ran out in the period (one per intake)
    avg_taken_days: float | None = None
    avg_promised_days: float | None = None
    intakes: int = 0
    asked_per_case: float | None = None
    naive_per_case: float | None = None
    trips_saved: int = 0
    ratings: int = 0
    levels: tuple[int, ...] = (0, 0, 0, 0, 0)  # counts by LEVELS order (非常满意 first)
    defaults: int = 0
    good_rate: float | None = None
    bad: int = 0
    followups: int = 0
    followups_open: int = 0
    followups_overdue: int = 0
    gift_packs: int | None = None
    visits: int | None = None


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class DayPoint:
    day: date
    tickets: int
    accepted: int
    finished: int
    good: int
    bad: int


@dataclass(frozen=True)
class Report:
    period: Period
    dimension: Dimension
    total: Figures
    groups: tuple[Group, ...]
    daily: tuple[DayPoint, ...]
    computed_at: datetime
    scope: str = ""  # "本机" or "全厅（n 台设备）"

    @property
    def empty(self) -> bool:
        t = self.total
        return not (t.tickets or t.accepted or t.finished or t.ratings or t.followups)


def _mean(values: list[float]) -> float | None:
    """``fsum``: the same rows in any order (a counter's, the central's) give the same mean."""
    return math.fsum(values) / len(values) if values else None


class _Acc:
    """Running sums for one group."""

    def __init__(self) -> None:
        self.tickets = 0
        self.served = 0
        self.waits: list[float] = []
        self.services: list[float] = []
        self.accepted = 0
        self.finished = 0
        self.on_time = 0
        self.overdue = 0
        self.lapsed = 0
        self.taken: list[float] = []
        self.promised: list[float] = []
        self.intakes = 0
        self.asked = 0
        self.naive = 0
        self.trips = 0
        self.levels = dict.fromkeys(LEVELS, 0)
        self.defaults = 0
        self.followups = 0
        self.open = 0
        self.late = 0

    def figures(self, tickets_apply: bool) -> Figures:
        ratings = sum(self.levels.values())
        good = sum(n for level, n in self.levels.items() if not level.bad)
        return Figures(
            tickets=self.tickets if tickets_apply else None,
            served=self.served if tickets_apply else None,
            avg_wait_min=_minutes(_mean(self.waits)) if tickets_apply else None,
            avg_service_min=_minutes(_mean(self.services)) if tickets_apply else None,
            accepted=self.accepted,
            finished=self.finished,
            on_time=self.on_time,
            overdue=self.overdue,
            promises_lapsed=self.lapsed,
            avg_taken_days=_mean(self.taken),
            avg_promised_days=_mean(self.promised),
            intakes=self.intakes,
            asked_per_case=self.asked / self.intakes if self.intakes else None,
            naive_per_case=self.naive / self.intakes if self.intakes else None,
            trips_saved=self.trips,
            ratings=ratings,
            levels=tuple(self.levels[level] for level in LEVELS),
            defaults=self.defaults,
            good_rate=good / ratings if ratings else None,
            bad=ratings - good,
            followups=self.followups,
            followups_open=self.open,
            followups_overdue=self.late,
        )


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


Key = Callable[[Any], tuple[str, str] | None]


def _keys(dimension: Dimension) -> dict[str, Key]:
    """How each kind of fact is grouped; None leaves it out of the groups."""
    if dimension is Dimension.DEPARTMENT:
        return {
            "ticket": lambda f: None,
            "case": lambda f: (f.department, f.department) if f.department else None,
            "rating": lambda f: (f.department, f.department) if f.department else None,
            "followup": lambda f: (f.department, f.department) if f.department else None,
        }
    if dimension is Dimension.ITEM:
        return {
            "ticket": lambda f: None,
            # By name: follow-ups name their items, and a renumbered item stays one row.
            "case": lambda f: (f.item_name, f.item_name) if f.item_name else None,
            "rating": lambda f: (f.item_name, f.item_name) if f.item_name else None,
            "followup": lambda f: (f.item, f.item) if f.item else None,
        }
    if dimension is Dimension.WINDOW:
        by_window: Key = lambda f: (f.window, f"{f.window} 号窗口") if f.window else None  # noqa: E731
        return dict.fromkeys(("ticket", "case", "rating", "followup"), by_window)
    if dimension is Dimension.CLERK:
        by_clerk: Key = lambda f: (f.clerk_id, f.clerk_name) if f.clerk_id else None  # noqa: E731
        return dict.fromkeys(("ticket", "case", "rating", "followup"), by_clerk)
    return dict.fromkeys(("ticket", "case", "rating", "followup"), lambda f: None)


def compute(
    period: Period,
    dimension: Dimension,
    *,
    tickets: Iterable[TicketFact],
    cases: Iterable[CaseFact],
    ratings: Iterable[RatingFact],
    followups: Iterable[FollowUpFact],
    holidays: HolidayCalendar,
    now: datetime,
    gift_packs: int | None = None,
    visits: int | None = None,
    scope: str = "",
) -> Report:
    """The figures for ``period``; facts outside it are ignored, so callers may over-fetch."""
    keys = _keys(dimension)
    total = _Acc()
    groups: dict[str, _Acc] = defaultdict(_Acc)
    labels: dict[str, str] = {}
    days = {d: [0, 0, 0, 0, 0] for d in period.days()}

    def accs(kind: str, fact: Any) -> list[_Acc]:
        found = keys[kind](fact)
        if found is None:
            return [total]
        labels.setdefault(found[0], found[1] or found[0] or "（未填）")
        return [total, groups[found[0]]]

    for t in tickets:
        if t.day not in period:
            continue
        days[t.day][0] += 1
        for acc in accs("ticket", t):
            acc.tickets += 1
            if t.served:
                acc.served += 1
                if t.service_s is not None:
                    acc.services.append(t.service_s)
            if t.wait_s is not None:
                acc.waits.append(t.wait_s)

    for c in cases:
        accepted_in = c.accepted_at is not None and c.accepted_at.date() in period
        finished_in = c.finished_at is not None and c.finished_at.date() in period
        late_open = (
            not c.closed
            and c.is_item
            and c.promised_due is not None
            and c.promised_due.date() in period
            and c.promised_due < now
        )
        lapsed_in = (
            c.top_level and c.promise_lapsed_on is not None and c.promise_lapsed_on in period
        )
        if not (accepted_in or finished_in or late_open or lapsed_in):
            continue
        if accepted_in and c.is_item and c.accepted_at is not None:
            days[c.accepted_at.date()][1] += 1
        if finished_in and c.is_item and c.finished_at is not None:
            days[c.finished_at.date()][2] += 1
        taken = None
        if finished_in and c.is_item and c.accepted_at and c.finished_at:
            taken = (
                count_working_days(c.accepted_at.date(), c.finished_at.date(), holidays)
                - c.paused_days
            )
        for acc in accs("case", c):
            if c.is_item and accepted_in:
                acc.accepted += 1
            if c.is_item and finished_in and c.finished_at is not None:
                acc.finished += 1
                if c.promised_due is None or c.finished_at <= c.promised_due:
                    acc.on_time += 1
                else:
                    acc.overdue += 1
                if taken is not None:
                    acc.taken.append(max(taken, 0))
                    acc.promised.append(c.promised_days)
            if late_open:
                acc.overdue += 1
            if lapsed_in:
                acc.lapsed += 1
            if c.top_level and accepted_in and c.naive > 0:
                acc.intakes += 1
                acc.asked += c.asked
                acc.naive += c.naive
            if c.top_level and accepted_in:
                acc.trips += max(c.items_in_intake - 1, 0) + int(c.rongque) + int(c.mailed)

    for r in ratings:
        if r.day not in period:
            continue
        days[r.day][4 if r.level.bad else 3] += 1
        for acc in accs("rating", r):
            acc.levels[r.level] += 1
            acc.defaults += int(r.default)

    for f in followups:
        if f.day not in period:
            continue
        for acc in accs("followup", f):
            acc.followups += 1
            if not f.closed:
                acc.open += 1
                if f.next_due is not None and now > f.next_due:
                    acc.late += 1

    tickets_apply = dimension in (Dimension.HALL, Dimension.WINDOW, Dimension.CLERK)
    figures = replace(total.figures(True), gift_packs=gift_packs, visits=visits)
    ordered = sorted(groups.items(), key=lambda kv: (labels.get(kv[0], ""), kv[0]))
    return Report(
        period=period,
        dimension=dimension,
        total=figures,
        groups=tuple(Group(k, labels[k], acc.figures(tickets_apply)) for k, acc in ordered),
        daily=tuple(DayPoint(d, *v) for d, v in sorted(days.items())),
        computed_at=now,
        scope=scope,
    )


# --- text for tables, exports and the PDF ------------------------------------------------


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


def _f(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


#: Column header and text for every figure, in the order tables and exports show them.
COLUMNS: tuple[tuple[str, Callable[[Figures], str]], ...] = (
    ("取号", lambda f: _n(f.tickets)),
    ("办结号", lambda f: _n(f.served)),
    ("平均等候(分)", lambda f: _f(f.avg_wait_min)),
    ("平均办理(分)", lambda f: _f(f.avg_service_min)),
    ("受理", lambda f: str(f.accepted)),
    ("办结", lambda f: str(f.finished)),
    ("按时办结", lambda f: str(f.on_time)),
    ("超期", lambda f: str(f.overdue)),
    ("容缺逾期", lambda f: str(f.promises_lapsed)),
    ("平均用时(工作日)", lambda f: _f(f.avg_taken_days)),
    ("平均承诺(工作日)", lambda f: _f(f.avg_promised_days)),
    ("件均材料", lambda f: _f(f.asked_per_case)),
    ("简单相加", lambda f: _f(f.naive_per_case)),
    ("少跑次数", lambda f: str(f.trips_saved)),
    ("评价数", lambda f: str(f.ratings)),
    *((level.label, (lambda i: lambda f: str(f.levels[i]))(n)) for n, level in enumerate(LEVELS)),
    ("默认好评", lambda f: str(f.defaults)),
    ("好评率", lambda f: _pct(f.good_rate)),
    ("整改事项", lambda f: str(f.followups)),
    ("未结", lambda f: str(f.followups_open)),
    ("逾期", lambda f: str(f.followups_overdue)),
    ("大礼包", lambda f: _n(f.gift_packs)),
    ("帮代办走访", lambda f: _n(f.visits)),
)


def table_rows(report: Report) -> list[list[str]]:
    """Header row, the groups, then the total: what CSV, XLSX and the page show."""
    rows = [[report.dimension.value, *(name for name, _ in COLUMNS)]]
    for g in report.groups:
        rows.append([g.label, *(text(g.figures) for _, text in COLUMNS)])
    rows.append(["合计", *(text(report.total) for _, text in COLUMNS)])
    return rows


def headlines(report: Report) -> list[tuple[str, str]]:
    """The few figures a reader looks for first (the PDF and the page's summary)."""
    t = report.total
    materials = f"{_f(t.asked_per_case)}（简单相加 {_f(t.naive_per_case)}）" if t.intakes else "—"
    return [
        ("取号", _n(t.tickets)),
        ("平均等候", f"{_f(t.avg_wait_min)} 分钟"),
        ("受理办件", str(t.accepted)),
        ("办结 / 按时 / 超期", f"{t.finished} / {t.on_time} / {t.overdue}"),
        ("容缺承诺逾期", str(t.promises_lapsed)),
        ("平均用时 / 承诺", f"{_f(t.avg_taken_days)} / {_f(t.avg_promised_days)} 个工作日"),
        ("件均提交材料", materials),
        ("少跑次数", str(t.trips_saved)),
        ("好评率", f"{_pct(t.good_rate)}（{t.ratings} 次评价，差评 {t.bad}）"),
        ("整改 未结 / 逾期", f"{t.followups_open} / {t.followups_overdue}"),
        ("大礼包 / 走访", f"{_n(t.gift_packs)} / {_n(t.visits)}"),
    ]


def csv_text(report: Report) -> str:
    """The table as CSV (UTF-8 with BOM when written, so Excel opens the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"统计时段：{report.period.label}", report.scope])
    writer.writerows(table_rows(report))
    return out.getvalue()
