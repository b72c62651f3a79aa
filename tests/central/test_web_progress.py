"""办件进度查询 on the central (issue 31, point 2): the holder of a case number and four
digits sees how far the case has got, and nobody else learns anything, on both engines."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from counter.central.app import RateLimiter
from counter.central.engine import Engine
from counter.central.migrations import LOOKUPS, json_field
from counter.central.threads import DatabaseThreads
from counter.central.web import CSRF_COOKIE, add_web_routes
from counter.model.progress import NOT_FOUND, WRONG_TRIES

NUMBER = "SQ20261201-0001-07"
CASE_ID = "case-progress-1"


def put_case(engine: Engine, **changes: object) -> None:
    """A case as a counter syncs it: the row, its events and its materials."""
    case = {
        "id": CASE_ID,
        "number": NUMBER,
        "title": "食品经营许可（新办）",
        "state": "待补正",
        "applicant_name": "欧阳明月",
        "applicant_id_number": "11010119900307123X",
        "applicant_phone": "13812345678",
        "agent_id_number": "",
        "window": "3",
        "promised_due": "2099-12-31T17:30:00+08:00",
        "delivery_method": "当场领取",
    } | changes
    engine.publish("cases", CASE_ID, case, 1)
    events = [
        ("e1", "登记预审", "2026-12-01T09:10:00+08:00"),
        ("e2", "一次性告知补正", "2026-12-01T09:20:00+08:00"),
        ("e3", "补打通知书", "2026-12-01T09:25:00+08:00"),
    ]
    for event_id, action, at in events:
        engine.publish(
            "case_events", event_id,
            {"id": event_id, "case_id": CASE_ID, "action": action, "at": at,
             "staff_name": "李娜", "reason": "内部备注"}, 1, kind="insert",
        )  # fmt: skip
    materials = [
        ("m1", 1, "营业执照", "原件已收", 1),
        ("m2", 2, "健康证明", "未提交", 1),
        ("m3", 3, "场所平面图", "未提交", 0),
    ]
    for material_id, position, name, status, required in materials:
        engine.publish(
            "case_materials", f"{CASE_ID}|{material_id}",
            {"case_id": CASE_ID, "material_id": material_id, "position": position,
             "name": name, "status": status, "required": required, "asked_by": "[]"}, 1,
        )  # fmt: skip


def ask(client: TestClient, number: str, last4: str) -> tuple[int, str]:
    form = client.get("/progress")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/progress", data={"csrf": token.group(1), "number": number, "last4": last4}
    )
    return answer.status_code, answer.text


def test_the_holder_sees_the_state_each_step_the_deadline_and_what_is_missing(
    engine: Engine, client: TestClient
) -> None:
    put_case(engine)
    status, page = ask(client, NUMBER.lower(), "123x")  # typed as it comes: case-blind
    assert status == 200, page
    for shown in ("食品经营许可（新办）", "待补正", "收件预审", "一次性告知需补正材料",
                  "2026-12-01", "2099-12-31", "健康证明", "3号窗口领取", "欧**月"):  # fmt: skip
        assert shown in page, shown
    assert "场所平面图" not in page  # optional and not asked for: not owed
    assert "营业执照" not in page  # received
    # The phone's last four open it as well.
    assert ask(client, NUMBER, "5678")[0] == 200


def test_the_answer_shows_nothing_more_personal_than_the_masked_name(
    engine: Engine, client: TestClient
) -> None:
    put_case(engine)
    _, page = ask(client, NUMBER, "123X")
    for secret in ("欧阳明月", "11010119900307123X", "13812345678", "李娜", "内部备注",
                   "补打通知书"):  # fmt: skip
        assert secret not in page, secret


def test_a_closed_case_shows_no_deadline_and_nothing_missing(
    engine: Engine, client: TestClient
) -> None:
    put_case(engine, state="已出件", delivery_method="邮寄")
    _, page = ask(client, NUMBER, "123X")
    assert "已出件" in page and "邮寄送达" in page
    assert "承诺办结" not in page and "健康证明" not in page


def test_a_wrong_pair_and_an_unknown_number_get_the_same_answer(
    engine: Engine, client: TestClient
) -> None:
    put_case(engine)
    wrong = ask(client, NUMBER, "0000")
    unknown = ask(client, "SQ20261201-9999", "123X")
    assert wrong[0] == unknown[0] == 404
    assert NOT_FOUND in wrong[1] and NOT_FOUND in unknown[1]
    assert "食品经营许可" not in wrong[1]


def test_guessing_the_digits_locks_the_number_even_for_its_holder(
    engine: Engine, client: TestClient
) -> None:
    """The attacker tries four digits after another; after the allowed wrong tries the
    number is locked, so the right digits found on the next try open nothing either."""
    put_case(engine)
    answers = [ask(client, NUMBER, f"{n:04d}")[0] for n in range(WRONG_TRIES + 2)]
    assert answers == [404] * WRONG_TRIES + [429, 429]
    status, page = ask(client, NUMBER, "123X")
    assert status == 429 and "欧**月" not in page and "暂停查询" in page


def test_a_post_from_another_site_without_the_forms_token_is_refused(
    engine: Engine, client: TestClient
) -> None:
    """Cross-site posting: the attacker's page can send the fields but neither read the
    token nor set the cookie."""
    put_case(engine)
    client.get("/progress")  # the victim's browser holds a cookie
    forged = client.post("/progress", data={"csrf": "guess", "number": NUMBER, "last4": "123X"})
    assert forged.status_code == 403 and "欧**月" not in forged.text
    client.cookies.delete(CSRF_COOKIE)
    bare = client.post("/progress", data={"number": NUMBER, "last4": "123X"})
    assert bare.status_code == 403


def test_bad_input_is_answered_beside_its_field_in_chinese(
    engine: Engine, client: TestClient
) -> None:
    status, page = ask(client, "", "123X")
    assert status == 400 and 'id="number-error"' in page and "请输入办件编号" in page
    status, page = ask(client, NUMBER, "12")
    assert status == 400 and 'id="last4-error"' in page and "后四位" in page
    assert 'aria-invalid="true"' in page
    assert NUMBER in page  # what was typed stays in the field


def test_the_answer_is_never_cached_or_framed(engine: Engine, client: TestClient) -> None:
    put_case(engine)
    form = client.get("/progress")
    assert form.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
    cookie = form.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_one_address_asking_too_fast_is_turned_away_before_any_lookup(engine: Engine) -> None:
    """A scraper from one address walking through case numbers: past its budget every
    post is answered 429 before the database is asked (a budget that never refills, so
    the count does not depend on the machine's speed)."""
    put_case(engine)
    app = FastAPI()
    threads = DatabaseThreads(2)
    add_web_routes(app, engine, threads.run, lambda: 0, RateLimiter(0.0, 3), https=False)
    with TestClient(app) as scraper:
        statuses = [ask(scraper, f"SQ20261201-{n:04d}", "0000")[0] for n in range(8)]
        assert statuses == [404] * 3 + [429] * 5
        assert ask(scraper, NUMBER, "123X")[0] == 429


def test_the_lookups_read_through_their_indexes_not_every_synced_row(engine: Engine) -> None:
    """The page answers any phone on the internet: a query must not scan every row the
    hall ever synced (central migration 2)."""
    for n in range(1000):
        for table, field in LOOKUPS.items():
            engine.publish(table, f"r{n}", {"id": f"r{n}", field: f"SQ-{n:06d}"}, 1)
    if engine.dialect == "postgres":
        with engine._write() as cur:  # the planner's statistics, as autovacuum would
            engine._q(cur, "ANALYZE rows")
    for table, field in LOOKUPS.items():
        sql = (
            f"EXPLAIN {'' if engine.dialect == 'postgres' else 'QUERY PLAN '}"
            f"SELECT payload FROM rows WHERE table_name = '{table}' AND kind <> 'delete'"
            f" AND {json_field(engine.dialect, field)} = ?"
        )
        plan = " ".join(str(part) for row in engine.query(sql, ["SQ-000007"]) for part in row)
        assert f"rows_{table}_by_{field}" in plan, plan
