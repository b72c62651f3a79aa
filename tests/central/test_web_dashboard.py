"""电子监察 (/hall, issue 31 point 5) on both engines: who may see it, that its figures
are the report's, what it lists (masked), and that its stream follows the queue."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from central_support import enrol
from fastapi.testclient import TestClient
from test_report import ops_of, push
from web_support import put_staff, sign_in

from benchmarks.hall_data import generate
from counter.central.app import create_app
from counter.central.engine import Engine
from counter.central.published import published_settings
from counter.central.report import hall_report, hall_rows, report_text
from counter.central.web_dashboard import WALL_ROWS, rows_part
from counter.central.web_staff import SESSION_COOKIE, open_session
from counter.model.clock import HALL_TZ, iso
from counter.model.staff import Role
from counter.model.statistics import Dimension, Period, headlines
from counter.store.outbox import uuid7

#: The central's clock in these tests: a Friday morning in the hall.
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)
ISSUE = {
    "category": "A",
    "category_name": "企业开办",
    "numbering": "2026-11-27",
    "lane": 2,
    "one_waiting_per_person": True,
    "at": "2026-11-27T09:30:00.000+08:00",
}


@pytest.fixture
def hall(engine: Engine) -> Iterator[TestClient]:
    """The central with its clock at :data:`NOW`."""
    app = create_app(
        engine, rate_per_second=1000, rate_burst=1000, clock_ms=lambda: int(NOW.timestamp() * 1000)
    )
    with TestClient(app) as client:
        yield client


def signed_in_supervisor(engine: Engine, client: TestClient) -> None:
    put_staff(engine, "wang", Role.SUPERVISOR)
    assert sign_in(client, "wang").status_code == 303


def case_row(number: str, accepted: datetime, promised: float, **extra: Any) -> dict[str, Any]:
    """A case as a window syncs it (the counter's ``cases`` columns)."""
    return {
        "id": f"case-{number}", "number": number, "title": "食品经营许可（新办）",
        "state": "已受理", "applicant_kind": "个人", "applicant_name": "张三丰",
        "applicant_id_number": "350102199001011234", "applicant_phone": "13812345678",
        "clerk_id": "s-lina", "clerk_name": "李娜", "window": "3", "parent_id": None,
        "item_code": "SCJG-0002", "created_at": iso(accepted), "received_at": iso(accepted),
        "accepted_at": iso(accepted), "promised_days": promised, "legal_days": promised * 4,
        "extension_days": 0, "paused_days": 0, "rongque": 0, "deemed_accepted": 0,
        **extra,
    }  # fmt: skip


def publish(engine: Engine, table: str, row: dict[str, Any]) -> None:
    engine.publish(table, row["id"], row, 1)


def page_version(text: str) -> int:
    found = re.search(r'data-version="(\d+)"', text)
    assert found, text
    return int(found.group(1))


def stream_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for block in text.split("\n\n"):
        kind = re.search(r"^event: (.+)$", block, re.M)
        data = re.search(r"^data: (.+)$", block, re.M)
        if kind and data:
            found.append((kind.group(1), json.loads(data.group(1))))
    return found


# --- who may see it --------------------------------------------------------------------


def test_the_dashboard_sends_nobody_signed_in_to_the_sign_in_page(
    engine: Engine, hall: TestClient
) -> None:
    answer = hall.get("/hall?wall=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/login?next=/hall%3Fwall%3D1"


def test_a_supervisor_and_an_administrator_see_the_dashboard(
    engine: Engine, hall: TestClient
) -> None:
    put_staff(engine, "it", Role.ADMIN, name="信息科")
    assert sign_in(hall, "it").status_code == 303
    page = hall.get("/hall")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    for title in ("排队", "窗口", "今日", "办件时限", "差评整改", "办不成事", "本月"):
        assert f">{title}" in page.text
    assert '<script src="/static/hall.js"' in page.text and 'href="/hall">刷新' in page.text


def test_a_clerk_holding_a_session_is_refused_the_page_and_the_stream(
    engine: Engine, hall: TestClient
) -> None:
    """A clerk cannot sign in here; a session made for her anyway (or kept from before
    her role changed) opens neither the page nor the stream."""
    put_staff(engine, "li", Role.CLERK, name="李窗口")
    staff = engine.staff_record("staff-li")
    assert staff is not None
    hall.cookies.set(SESSION_COOKIE, open_session(engine, staff, int(NOW.timestamp() * 1000)))
    assert hall.get("/hall", follow_redirects=False).status_code == 303
    assert hall.get("/hall/stream?limit=1").status_code == 401


def test_a_supervisor_demoted_to_clerk_loses_the_stream_at_once(
    engine: Engine, hall: TestClient
) -> None:
    signed_in_supervisor(engine, hall)
    assert hall.get("/hall/stream?limit=1").status_code == 200
    put_staff(engine, "wang", Role.CLERK)
    refused = hall.get("/hall/stream?limit=1")
    assert refused.status_code == 401 and "请重新登录" in refused.text


def test_the_stream_refuses_without_a_session_or_with_a_forged_one(
    engine: Engine, hall: TestClient
) -> None:
    assert hall.get("/hall/stream").status_code == 401
    hall.cookies.set(SESSION_COOKIE, "made-up-token")
    answer = hall.get("/hall/stream")
    assert answer.status_code == 401 and "hall" not in answer.text


def test_a_signed_out_session_is_refused_the_stream(engine: Engine, hall: TestClient) -> None:
    signed_in_supervisor(engine, hall)
    engine.execute("DELETE FROM web_sessions")  # signed out elsewhere, or expired
    assert hall.get("/hall/stream?limit=1").status_code == 401


# --- the figures -----------------------------------------------------------------------


def test_the_month_figures_equal_the_reports_for_the_same_month(
    engine: Engine, hall: TestClient
) -> None:
    generated = generate(date(2026, 10, 20), 40, tickets_per_day=8, intakes_per_day=4)
    push(engine, "dev-a", ops_of(generated, {"1", "2", "3", "4"}))
    push(engine, "dev-b", ops_of(generated, {"5", "6", "7", "8"}))
    november = Period.month(NOW.date())
    report = hall_report(engine, november, Dimension.HALL, NOW)
    assert report.total.tickets and report.total.ratings  # the month has figures to compare

    seen = rows_part(hall_rows(engine), published_settings(engine), NOW)
    assert seen.month.total == report.total
    assert (
        seen.today.total == hall_report(engine, Period.day(NOW.date()), Dimension.HALL, NOW).total
    )

    signed_in_supervisor(engine, hall)
    page = hall.get("/hall").text
    # What ``counter-central report`` prints for the month, line by line, is on the page.
    printed = report_text(report, "text").splitlines()
    for name, value in headlines(report):
        assert f"{name}：{value}" in printed
        assert f"<dt>{name}</dt><dd>{value}</dd>" in page
    assert f"{report.total.good_rate * 100:.1f}%" in page  # type: ignore[operator]


# --- what it lists ---------------------------------------------------------------------


def test_cases_in_yellow_and_red_are_listed_with_window_clerk_and_masked_name(
    engine: Engine, hall: TestClient
) -> None:
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=HALL_TZ)
    publish(engine, "cases", case_row("Z-RED", monday, 3))  # due 19 Nov: overdue
    publish(engine, "cases", case_row("Z-YEL", NOW - timedelta(days=7), 5))  # due tonight
    publish(engine, "cases", case_row("Z-GRN", NOW - timedelta(hours=1), 20))
    publish(engine, "cases", case_row("Z-DONE", monday, 3, state="办结（准予）"))
    signed_in_supervisor(engine, hall)
    cases = hall.get("/hall").text.split('id="sec-cases"')[1].split("</section>")[0]

    assert "黄灯 1" in cases and "红灯 1" in cases and "超期 1" in cases
    red = re.search(r'<tr class="red">(.*?)</tr>', cases, re.S)
    yellow = re.search(r'<tr class="yellow">(.*?)</tr>', cases, re.S)
    assert red and yellow
    assert "Z-RED" in red.group(1) and "超期" in red.group(1)
    assert "Z-YEL" in yellow.group(1) and "即将到期" in yellow.group(1)
    for row in (red.group(1), yellow.group(1)):
        assert ">3<" in row and "李娜" in row and "食品经营许可（新办）" in row
    assert "Z-GRN" not in cases and "Z-DONE" not in cases
    assert "张*丰" in cases and "张三丰" not in cases
    assert "350102199001011234" not in cases and "13812345678" not in cases


def test_the_wall_shows_the_first_rows_and_counts_the_rest(
    engine: Engine, hall: TestClient
) -> None:
    late = datetime(2026, 11, 2, 9, 0, tzinfo=HALL_TZ)
    for n in range(WALL_ROWS + 4):
        publish(engine, "cases", case_row(f"Z-{n:02d}", late + timedelta(hours=n), 3))
    signed_in_supervisor(engine, hall)
    wall = hall.get("/hall?wall=1").text
    assert "/static/hall-wall.css" in wall and "另有 4 件" in wall
    assert wall.count('<tr class="red">') == WALL_ROWS
    phone = hall.get("/hall").text
    assert phone.count('<tr class="red">') == WALL_ROWS + 4 and "另有" not in phone


def test_open_follow_ups_are_listed_with_deadlines_and_the_overdue_marked(
    engine: Engine, hall: TestClient
) -> None:
    base = {"contact": "13912345678", "why": "", "handler": "王值班", "items": "[]",
            "first_done_at": None, "closed_at": None, "department": "市场监管局",
            "window": "3", "clerk_id": "s-lina", "clerk_name": "李娜"}  # fmt: skip
    publish(engine, "followups", {**base, "id": "f1", "kind": "差评整改", "state": "待回访",
        "opened_at": "2026-11-20T10:00:00+08:00", "first_due": "2026-11-23T10:00:00+08:00",
        "final_due": "2026-12-11T10:00:00+08:00", "who": "李四", "matter": "等候太久"})  # fmt: skip
    publish(engine, "followups", {**base, "id": "f2", "kind": "办不成事", "state": "待办理",
        "opened_at": "2026-11-26T10:00:00+08:00", "first_due": None,
        "final_due": "2026-12-03T10:00:00+08:00", "who": "王小明",
        "matter": "跨省迁移无法办理", "items": json.dumps(["户籍迁移"])})  # fmt: skip
    publish(engine, "followups", {**base, "id": "f3", "kind": "差评整改", "state": "已整改",
        "opened_at": "2026-11-02T10:00:00+08:00", "first_due": "2026-11-03T10:00:00+08:00",
        "final_due": "2026-11-20T10:00:00+08:00", "who": "赵五",
        "matter": "已处理的事"})  # fmt: skip
    signed_in_supervisor(engine, hall)
    part = hall.get("/hall").text.split('id="sec-followups"')[1].split("</section>")[0]
    bad, cannot = part.split("<h3>办不成事")
    assert "1 件未结" in bad and "1 件逾期" in bad
    assert "11-23 10:00" in bad and "已逾期" in bad and "等候太久" in bad and "李*" in bad
    assert "12-03 10:00" in cannot and "已逾期" not in cannot
    assert "户籍迁移：跨省迁移无法办理" in cannot and "王*明" in cannot and "李娜" in cannot
    assert "已处理的事" not in part and "李四" not in part and "13912345678" not in part


# --- live ------------------------------------------------------------------------------


def test_the_stream_sends_the_queue_again_after_a_ticket_is_issued(
    engine: Engine, hall: TestClient
) -> None:
    signed_in_supervisor(engine, hall)
    page = hall.get("/hall").text
    assert "今天还没有取号" in page
    device = {"Authorization": f"Bearer {enrol(engine, 'kiosk-a')}"}
    assert hall.post("/v1/queue/issue", json=ISSUE, headers=device).status_code == 200

    answer = hall.get(f"/hall/stream?since={page_version(page)}&limit=1")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.headers["cache-control"] == "no-store"
    (kind, data), *rest = stream_events(answer.text)
    assert kind == "hall" and not rest and data["version"] > page_version(page)
    assert "共 <strong>1</strong> 人等候" in data["sections"]["queue"]
    assert set(data["sections"]) == {"queue", "windows", "today", "cases", "followups", "month"}


def test_each_window_shows_its_state_clerk_and_ticket(engine: Engine, hall: TestClient) -> None:
    row = {"id": "s1", "login": "lina", "name": "李娜", "role": "clerk", "active": 1}
    engine.publish("staff", "s1", row, 1)
    device = {"Authorization": f"Bearer {enrol(engine, 'w-3', window='3')}"}
    enrol(engine, "w-5", window="5")
    enrol(engine, "w-6", window="6")
    assert hall.post("/v1/queue/issue", json=ISSUE, headers=device).status_code == 200
    call = {"window": "3", "staff_id": "s1", "staff_name": "李娜",
            "at": "2026-11-27T09:40:00.000+08:00", "codes": ["A"], "interleave": 3}  # fmt: skip
    assert hall.post("/v1/queue/call-next", json=call, headers=device).status_code == 200
    # Window 5's clerk came in and went on a break: her states arrive as synced rows.
    for minutes, state in ((-30, "idle"), (-5, "break")):
        at = NOW + timedelta(minutes=minutes)
        uid = uuid7(int(at.timestamp() * 1000))
        publish(engine, "clerk_states", {"id": uid, "uid": uid, "staff_id": "s-wf",
            "staff_name": "王芳", "window": "5", "state": state, "at": iso(at),
            "day": at.date().isoformat()})  # fmt: skip
    signed_in_supervisor(engine, hall)
    windows = hall.get("/hall").text.split('id="sec-windows"')[1].split("</section>")[0]
    tiles = dict(re.findall(r'<li class="win (\w+)"><span class="no">(\d+) 号', windows))
    assert {v: k for k, v in tiles.items()} == {"3": "busy", "5": "break", "6": "away"}
    three = re.search(r'<li class="win busy">(.*?)</li>', windows, re.S)
    assert three and "办理中" in three.group(1)
    assert "A001" in three.group(1) and "李娜" in three.group(1)
    five = re.search(r'<li class="win break">(.*?)</li>', windows, re.S)
    assert five and "暂停服务" in five.group(1) and "王芳" in five.group(1)
    six = re.search(r'<li class="win away">(.*?)</li>', windows, re.S)
    assert six and "离开" in six.group(1)
