"""The hall-wide report: the counter's computation over every counter's synced rows."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from central_support import enrol, now_ms
from fastapi.testclient import TestClient
from sqlite_utils import Database

from benchmarks.hall_data import Hall, generate, write
from counter.central.cli import main as central_main
from counter.central.engine import Engine
from counter.central.report import ReportAnswer, hall_report
from counter.central.serving import open_engine
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.statistics_service import StatisticsService

SEPTEMBER = Period.month(date(2026, 9, 1))


def ops_of(hall: Hall, windows: set[str]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The generated hall as the outbox ops the counters at ``windows`` would push."""
    mine = [c for c in hall.cases if c["window"] in windows]
    ids = {c["id"] for c in mine}
    found: list[tuple[str, str, str, dict[str, Any]]] = []
    found += [("tickets", t["id"], "upsert", t) for t in hall.tickets if t["window"] in windows]
    found += [("cases", c["id"], "upsert", c) for c in mine]
    found += [
        ("case_events", f"e-{cid}", "event",
         {"id": f"e-{cid}", "case_id": cid, "action": "办结（准予）", "at": at})
        for cid, at in hall.finished.items() if cid in ids
    ]  # fmt: skip
    found += [("ratings", r["id"], "insert", r) for r in hall.ratings if r["window"] in windows]
    found += [("followups", f["id"], "upsert", f) for f in hall.followups if f["window"] in windows]
    return found


def push(engine: Engine, device: str, ops: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    """The rows as the central holds them once the counters' pushes were accepted. Written
    straight in: a generated year arrives in final states, which the central's check of
    each change (authority.py, tested in test_hostile_devices) would rightly refuse."""
    enrol(engine, device)
    for table, row_id, kind, payload in ops:
        engine.publish(table, row_id, payload, now_ms(), kind)


def test_the_hall_report_equals_the_counter_computation_over_the_same_rows(
    engine: Engine, db: Database, now: datetime
) -> None:
    hall = generate(date(2026, 8, 25), 42, tickets_per_day=10, intakes_per_day=5)
    write(db, hall)
    push(engine, "dev-a", ops_of(hall, {"1", "2", "3", "4"}))
    push(engine, "dev-b", ops_of(hall, {"5", "6", "7", "8"}))
    calendar = CalendarService(db, Settings().working_hours)
    local = StatisticsService(db, calendar, RatingsService(db, calendar, Settings()))
    for dimension in (Dimension.HALL, Dimension.WINDOW, Dimension.DEPARTMENT):
        counter_side = local.compute(SEPTEMBER, dimension, now)
        central_side = hall_report(engine, SEPTEMBER, dimension, now)
        assert central_side.total == counter_side.total
        assert central_side.groups == counter_side.groups
    assert "2 台设备" in hall_report(engine, SEPTEMBER, Dimension.HALL, now).scope


def test_a_period_with_no_data_is_an_empty_hall_report(engine: Engine, now: datetime) -> None:
    report = hall_report(engine, SEPTEMBER, Dimension.CLERK, now)
    assert report.empty and report.total.tickets == 0


def test_the_report_endpoint_answers_with_the_figures(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = client.get("/v1/report?start=2026-09-01&end=2026-09-30&by=window", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["period"]["label"] == "2026-09-01 至 2026-09-30"
    assert body["total"]["tickets"] == 0 and len(body["daily"]) == 30


def test_the_report_answer_matches_the_model_the_schema_publishes(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = client.get("/v1/report?start=2026-09-01&end=2026-09-07&by=window", headers=headers)
    report = ReportAnswer.model_validate(answer.json())
    assert report.dimension == "窗口" and report.daily[0].day == "2026-09-01"


def test_the_report_endpoint_refuses_a_backwards_range(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = client.get("/v1/report?start=2026-09-30&end=2026-09-01", headers=headers)
    assert answer.status_code == 422 and answer.json()["field"] == "period_end"


def test_the_report_endpoint_needs_a_device_token(client: TestClient) -> None:
    assert client.get("/v1/report?start=2026-09-01&end=2026-09-30").status_code == 401


def test_the_report_command_prints_json(tmp_path: Any, capsys: Any) -> None:
    open_engine(f"sqlite:///{tmp_path / 'c.db'}").close()  # an initialised central
    central_main(["report", "--db", f"sqlite:///{tmp_path / 'c.db'}", "--month", "2026-09",
                  "--by", "clerk", "--format", "json"])  # fmt: skip
    body = json.loads(capsys.readouterr().out)
    assert body["dimension"] == "人员" and body["period"]["start"] == "2026-09-01"


def test_the_report_command_refuses_a_bad_month(tmp_path: Any, capsys: Any) -> None:
    open_engine(f"sqlite:///{tmp_path / 'c.db'}").close()  # an initialised central
    try:
        central_main(["report", "--db", f"sqlite:///{tmp_path / 'c.db'}", "--month", "2026-13"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "YYYY-MM" in capsys.readouterr().err
