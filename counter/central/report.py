"""The hall-wide statistics: the same computation as a counter's, over every counter's rows.

The central keeps the current version of each shared row (``rows``, payload as JSON with
the counters' own column names), so the rows are read back, filtered to the period and
handed to :func:`counter.model.statistics.facts_from_rows` and
:func:`~counter.model.statistics.compute` unchanged. The holiday table is the hall's
shared one when counters have sent it, else the one the ``chinesecalendar`` package ships.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from counter.central.engine import Engine
from counter.central.openapi import AUTH_STATUSES, Day, error_responses
from counter.model.clock import HALL_TZ
from counter.model.errors import ValidationError
from counter.model.holiday_file import package_rows
from counter.model.statistics import (
    FINISH_ACTIONS,
    Dimension,
    Period,
    Report,
    compute,
    csv_text,
    facts_from_rows,
    headlines,
)
from counter.model.workdays import HolidayCalendar
from counter.sync.protocol import ErrorBody

#: ``--by`` / ``?by=`` names of the groupings.
DIMENSIONS = {
    "hall": Dimension.HALL,
    "department": Dimension.DEPARTMENT,
    "item": Dimension.ITEM,
    "window": Dimension.WINDOW,
    "clerk": Dimension.CLERK,
}


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class PeriodOut(_Answer):
    start: str
    end: str
    label: str


class GroupOut(_Answer):
    key: str
    label: str
    figures: dict[str, Any]


class DayOut(_Answer):
    day: str
    tickets: int
    accepted: int
    finished: int
    good: int
    bad: int


class ReportAnswer(_Answer):
    """What ``GET /v1/report`` answers (:func:`report_json`); ``figures`` hold the same
    names as ``counter.model.statistics.Figures``."""

    period: PeriodOut
    dimension: str
    scope: str
    computed_at: str
    total: dict[str, Any]
    groups: list[GroupOut]
    daily: list[DayOut]


class PeriodRefusal(BaseModel):
    """A period the statistics refuse (backwards, too long): the field and why."""

    field: str
    reason: str


def _payloads(engine: Engine, table: str) -> list[dict[str, Any]]:
    return [
        json.loads(text)
        for (text,) in engine.query(
            "SELECT payload FROM rows WHERE table_name = ? AND kind <> 'delete'", [table]
        )
    ]


def _ticket_row(payload: dict[str, Any]) -> dict[str, Any]:
    """Older counters sent ``{"ticket": row, ...}``; newer ones the row itself."""
    row = payload.get("ticket")
    return row if isinstance(row, dict) else payload


def hall_calendar(engine: Engine) -> HolidayCalendar:
    """The hall's shared holiday table as the counters sent it (else the package's)."""
    days: dict[date, str] = {}
    known: set[int] = set()
    for payload in _payloads(engine, "holiday_years"):
        known.update(int(y) for y in payload.get("years", []))
        for day, kind, _name in payload.get("rows", []):
            days[date.fromisoformat(day)] = kind
    for payload in _payloads(engine, "holidays"):
        if payload.get("kind"):
            days[date.fromisoformat(payload["day"])] = payload["kind"]
    if not days:
        rows, years = package_rows()
        return HolidayCalendar.from_rows([(r.day, r.kind) for r in rows], years)
    return HolidayCalendar.from_rows(sorted(days.items()), known)


def _between(text: str | None, period: Period) -> bool:
    return bool(text) and datetime.fromisoformat(str(text)).date() in period


@dataclass(frozen=True)
class HallRows:
    """Every synced row the hall-wide figures are made of, read once: a caller that
    needs figures for several periods (the 电子监察 dashboard: today and this month)
    reads the rows once and computes each with :func:`report_of`."""

    tickets: list[dict[str, Any]]
    case_events: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    followups: list[dict[str, Any]]
    giftpack_handovers: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    devices: int
    calendar: HolidayCalendar


def hall_rows(engine: Engine) -> HallRows:
    return HallRows(
        tickets=[_ticket_row(p) for p in _payloads(engine, "tickets")],
        case_events=_payloads(engine, "case_events"),
        cases=_payloads(engine, "cases"),
        ratings=_payloads(engine, "ratings"),
        followups=_payloads(engine, "followups"),
        giftpack_handovers=_payloads(engine, "giftpack_handovers"),
        visits=_payloads(engine, "visits"),
        devices=engine.scalar("SELECT count(*) FROM devices WHERE revoked = 0") or 0,
        calendar=hall_calendar(engine),
    )


def hall_report(engine: Engine, period: Period, dimension: Dimension, now: datetime) -> Report:
    return report_of(hall_rows(engine), period, dimension, now)


def report_of(rows: HallRows, period: Period, dimension: Dimension, now: datetime) -> Report:
    """The hall-wide report for ``period`` from rows already read (:func:`hall_rows`)."""
    tickets = [
        row for row in rows.tickets if row.get("day") and date.fromisoformat(row["day"]) in period
    ]
    finished: dict[str, str] = {}
    for event in rows.case_events:
        if event.get("action") in FINISH_ACTIONS and _between(event.get("at"), period):
            held = finished.get(event["case_id"])
            if held is None or event["at"] > held:
                finished[event["case_id"]] = event["at"]
    all_cases = rows.cases
    children = Counter(c["parent_id"] for c in all_cases if c.get("parent_id"))
    cases = [
        {**c, "finished_at": finished.get(c["id"]), "children": children.get(c["id"], 0)}
        for c in all_cases
        if c["id"] in finished
        or _between(c.get("accepted_at"), period)
        or _between(c.get("promised_due"), period)
    ]
    ratings = [r for r in rows.ratings if _between(r.get("rated_at"), period)]
    followups = [f for f in rows.followups if _between(f.get("opened_at"), period)]
    facts = facts_from_rows(tickets, cases, ratings, followups)
    return compute(
        period,
        dimension,
        tickets=facts.tickets,
        cases=facts.cases,
        ratings=facts.ratings,
        followups=facts.followups,
        holidays=rows.calendar,
        now=now,
        gift_packs=sum(_between(h.get("at"), period) for h in rows.giftpack_handovers),
        visits=sum(_between(v.get("visited_on"), period) for v in rows.visits),
        scope=f"全厅（{rows.devices} 台设备）",
    )


def report_json(report: Report) -> dict[str, Any]:
    """The report for the HTTP API: plain numbers, groups and days."""

    def figures(f: Any) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in f.__dict__.items()}

    return {
        "period": {
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
            "label": report.period.label,
        },
        "dimension": report.dimension.value,
        "scope": report.scope,
        "computed_at": report.computed_at.isoformat(),
        "total": figures(report.total),
        "groups": [
            {"key": g.key, "label": g.label, "figures": figures(g.figures)} for g in report.groups
        ],
        "daily": [
            {
                "day": d.day.isoformat(),
                "tickets": d.tickets,
                "accepted": d.accepted,
                "finished": d.finished,
                "good": d.good,
                "bad": d.bad,
            }
            for d in report.daily
        ],
    }


_BY_PATTERN = "^(" + "|".join(DIMENSIONS) + ")$"


def add_report_route(
    app: FastAPI,
    engine: Engine,
    authenticate: Callable[[Request], Awaitable[Any]],
    in_thread: Callable[..., Awaitable[Any]],
    now_ms: Callable[[], int],
) -> None:
    """``GET /v1/report``: the hall-wide figures, for a device holding a token."""

    @app.get(
        "/v1/report",
        summary="全厅统计 / hall-wide statistics for a period",
        responses=error_responses(
            *AUTH_STATUSES, bodies={200: ReportAnswer, 422: ErrorBody | PeriodRefusal}
        ),
    )
    async def report(
        request: Request,
        start: Annotated[Day, Query(description="开始日期 YYYY-MM-DD")],
        end: Annotated[Day, Query(description="结束日期 YYYY-MM-DD（含）")],
        by: Annotated[
            str, Query(description="hall/department/item/window/clerk", pattern=_BY_PATTERN)
        ] = "hall",
    ) -> JSONResponse:
        await authenticate(request)
        try:
            period = Period.range(start, end)
        except ValidationError as exc:
            return JSONResponse({"field": exc.field, "reason": exc.message}, status_code=422)
        now = datetime.fromtimestamp(now_ms() / 1000, HALL_TZ)
        found = await in_thread(hall_report, engine, period, DIMENSIONS[by], now)
        return JSONResponse(report_json(found))


def period_from(month: str | None, start: str | None, end: str | None, today: date) -> Period:
    """``--month 2026-09``, or ``--from``/``--to``; neither: the current month."""
    try:
        if month:
            return Period.month(date.fromisoformat(f"{month}-01"))
        if start or end:
            first = date.fromisoformat(start or "")
            return Period.range(first, date.fromisoformat(end) if end else first)
    except ValueError:
        raise ValidationError("period", "日期应写作 YYYY-MM-DD，月份写作 YYYY-MM") from None
    return Period.month(today)


def report_text(report: Report, fmt: str) -> str:
    """What ``counter-central report`` prints: a readable summary, JSON or CSV."""
    if fmt == "json":
        return json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return csv_text(report)
    lines = [f"{report.scope}　{report.period.label}"]
    lines += [f"{name}：{value}" for name, value in headlines(report)]
    if report.empty:
        lines.append("本时段没有数据。")
    for group in report.groups:
        f = group.figures
        lines.append(
            f"  {group.label}：受理 {f.accepted}，办结 {f.finished}，超期 {f.overdue}，"
            f"评价 {f.ratings}，差评 {f.bad}"
        )
    return "\n".join(lines) + "\n"
