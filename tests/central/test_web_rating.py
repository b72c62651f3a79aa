"""扫码评价 on the central (issue 31, point 1): the hand-over receipt's token opens the
rating page of that one service; it is rated once, as the pad would, and the central
publishes the rating (and a 差评's follow-up) for every counter; on both engines.

Each test that attacks the page plays the attacker: a guessed or forged token, another
service's token, a replayed post, a post from another site, too many posts from one
address, sub-ratings that are not levels, an over-long comment."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from counter.central import web_rating
from counter.central.app import RateLimiter
from counter.central.engine import Engine
from counter.central.migrations import json_field
from counter.central.threads import DatabaseThreads
from counter.central.web import add_web_routes
from counter.central.web_pages import HallFacts
from counter.central.web_rating import NOT_FOUND, Rater
from counter.model.clock import HALL_TZ, iso, to_ms
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.ratings import (
    MAX_COMMENT,
    Channel,
    Level,
    Scores,
    check_scores,
    followup_id,
    rating_id,
)
from counter.model.workdays import HolidayCalendar

TOKEN = "Qm9vb29vb29vb29vb29vb2"  # 22 URL-safe characters: 128 bits, as the window makes
OTHER = "Xm9vb29vb29vb29vb29vb2"
CASE_ID = "case-rate-1"
NUMBER = "SQ20261201-0001-07"
SERVED = datetime(2026, 12, 1, 10, 0, tzinfo=HALL_TZ)
NOW = SERVED + timedelta(hours=2)


def put_case(
    engine: Engine, case_id: str = CASE_ID, token: str = TOKEN, *, delivered: bool = True
) -> None:
    """A case handed over at window 3 of device dev-a, as that counter syncs it."""
    engine.publish(
        "cases", case_id,
        {"id": case_id, "number": NUMBER if case_id == CASE_ID else f"{NUMBER}-{case_id}",
         "title": "食品经营许可（新办）", "item_code": "SP-001", "department": "市场监管局",
         "state": "已出件", "applicant_name": "欧阳明月",
         "applicant_id_number": "11010119900307123X",
         "applicant_phone": "13812345678", "window": "3", "rating_token": token}, 1,
    )  # fmt: skip
    if delivered:
        event = f"{case_id}-out"
        payload = {"id": event, "case_id": case_id, "action": "出件", "at": iso(SERVED),
                   "staff_id": "c-7", "staff_name": "李娜", "window": "3"}  # fmt: skip
        engine.publish("case_events", event, payload, 1, kind="insert")
        with engine._write() as cur:  # the event came from that window's counter
            engine._q(cur, "UPDATE rows SET owner = 'dev-a' WHERE row_id = ?", [event])


def web(engine: Engine, now: datetime = NOW, limiter: RateLimiter | None = None) -> TestClient:
    app = FastAPI()
    threads = DatabaseThreads(2)
    budget = limiter or RateLimiter(1000.0, 1000)
    add_web_routes(app, engine, threads.run, lambda: to_ms(now), budget, https=False)
    return TestClient(app)


@pytest.fixture
def phone(engine: Engine) -> Iterator[TestClient]:
    with web(engine) as client:
        yield client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def rate(client: TestClient, token: str = TOKEN, **fields: str) -> tuple[int, str]:
    form = client.get(f"/rate/{token}")
    data = {"csrf": csrf(form.text), "level": "5", **fields}
    answer = client.post(f"/rate/{token}", data=data)
    return answer.status_code, answer.text


def held(engine: Engine, table: str) -> list[dict[str, object]]:
    found = engine.query("SELECT payload FROM rows WHERE table_name = ?", [table])
    return [json.loads(p) for (p,) in found]


def ratings(engine: Engine) -> list[dict[str, object]]:
    return held(engine, "ratings")


def followups(engine: Engine) -> list[dict[str, object]]:
    return held(engine, "followups")


def test_the_page_shows_the_service_and_never_the_applicant(
    engine: Engine, phone: TestClient
) -> None:
    put_case(engine)
    page = phone.get(f"/rate/{TOKEN}")
    assert page.status_code == 200, page.text
    for shown in ("办件 " + NUMBER, "食品经营许可（新办）", "3 号窗口 李娜", "2026-12-01",
                  "非常满意", "非常不满意", 'name="csrf"', 'maxlength="300"'):  # fmt: skip
        assert shown in page.text, shown
    for hidden in ("欧阳", "明月", "1101011990", "13812345678", "1234"):
        assert hidden not in page.text, hidden
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"


def test_a_rating_is_the_pads_record_published_for_every_counter(
    engine: Engine, phone: TestClient
) -> None:
    put_case(engine)
    status, page = rate(phone, level="4", comment="  办得很快  ")
    assert status == 200, page
    assert "感谢您的评价：满意" in page
    [row] = ratings(engine)
    assert row["id"] == rating_id(f"case:{CASE_ID}")
    expected = {
        "channel": "扫码", "level": 4, "comment": "办得很快", "reference": NUMBER,
        "window": "3", "clerk_name": "李娜", "item_code": "SP-001", "device_id": "dev-a",
        "request_id": f"case:{CASE_ID}",
    }  # fmt: skip
    assert {k: row[k] for k in expected} == expected
    assert row["efficiency"] is None and row["skill"] is None and row["attitude"] is None
    assert (
        engine.scalar(
            "SELECT count(*) FROM changes WHERE table_name = 'ratings' AND row_id = ?", [row["id"]]
        )
        == 1
    )
    assert followups(engine) == []  # a good rating opens nothing


def test_a_bad_rating_opens_the_same_follow_up_as_the_pad(
    engine: Engine, phone: TestClient
) -> None:
    put_case(engine)
    status, page = rate(phone, level="2", comment="等了很久")
    assert status == 200, page
    assert "1 个工作日内" in page
    [rating] = ratings(engine)
    [followup] = followups(engine)
    assert followup["id"] == followup_id(str(rating["id"]))
    assert followup["rating_id"] == rating["id"]
    assert followup["kind"] == "差评整改"
    assert followup["matter"] == "等了很久"
    assert followup["who"] == "欧阳明月"  # for the supervisor's call-back only
    assert followup["state"] == "待回访"
    assert str(followup["first_due"]) > iso(NOW)


def test_a_service_is_rated_once_a_replay_gets_a_clear_answer(
    engine: Engine, phone: TestClient
) -> None:
    put_case(engine)
    assert rate(phone, level="5")[0] == 200
    form = phone.get(f"/rate/{TOKEN}")
    assert form.status_code == 409 and "已经评价过了" in form.text
    # The attacker replays the post with the first form's token still in the cookie.
    status, page = rate_again(phone, level="1")
    assert status == 409 and "已经评价过了" in page
    assert [r["level"] for r in ratings(engine)] == [5]
    assert followups(engine) == []


def rate_again(client: TestClient, **fields: str) -> tuple[int, str]:
    token = client.cookies.get("counter_csrf") or ""
    answer = client.post(f"/rate/{TOKEN}", data={"csrf": token, **fields})
    return answer.status_code, answer.text


def test_a_service_rated_on_the_pad_or_defaulted_cannot_be_rated_again(engine: Engine) -> None:
    put_case(engine)
    pad = {"id": "01-old-random-id", "request_id": f"case:{CASE_ID}", "channel": "评价器",
           "level": 3, "kind": "case", "reference": NUMBER, "served_at": iso(SERVED),
           "rated_at": iso(SERVED)}  # fmt: skip
    engine.publish("ratings", pad["id"], pad, 1, kind="insert")
    with web(engine) as phone:
        page = phone.get(f"/rate/{TOKEN}")
        assert page.status_code == 409 and "已经评价过了" in page.text
    late = SERVED + timedelta(days=7, minutes=1)
    put_case(engine, "case-2", OTHER)
    with web(engine, late) as phone:
        page = phone.get(f"/rate/{OTHER}")
        assert page.status_code == 409 and "超过 7 天" in page.text
        assert rate_again_at(phone, OTHER)[0] == 409
    assert len(ratings(engine)) == 1


def rate_again_at(client: TestClient, token: str) -> tuple[int, str]:
    cookie = client.cookies.get("counter_csrf") or "x"
    client.cookies.set("counter_csrf", cookie)
    answer = client.post(f"/rate/{token}", data={"csrf": cookie, "level": "5"})
    return answer.status_code, answer.text


@pytest.mark.parametrize(
    "token",
    [
        "Zm9vb29vb29vb29vb29vb2",  # well formed, nobody's
        TOKEN[:-1],  # one character short
        TOKEN.lower(),  # another token by case
        "not-a-token!",
        "' OR '1'='1",
        "x" * 500,
    ],
)
def test_a_guessed_or_forged_token_gets_the_same_answer_as_one_not_yet_synced(
    engine: Engine, phone: TestClient, token: str
) -> None:
    put_case(engine)
    put_case(engine, "case-waiting", OTHER, delivered=False)  # its 出件 not here yet
    unsynced = phone.get(f"/rate/{OTHER}")
    forged = phone.get(f"/rate/{token}")
    assert unsynced.status_code == forged.status_code == 404
    assert NOT_FOUND in unsynced.text and NOT_FOUND in forged.text
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", unsynced.text) == strip.sub("", forged.text)
    answer = phone.post(f"/rate/{token}", data={"csrf": "x", "level": "1"})
    assert answer.status_code == 404
    assert ratings(engine) == []


def test_another_services_token_rates_that_service_only(engine: Engine, phone: TestClient) -> None:
    """A receipt's token names one service: holding one receipt gives no way to rate
    another's (its token is not derived from anything on the receipt)."""
    put_case(engine)
    put_case(engine, "case-2", OTHER)
    assert rate(phone, OTHER, level="1")[0] == 200
    [row] = ratings(engine)
    assert row["request_id"] == "case:case-2"
    assert phone.get(f"/rate/{TOKEN}").status_code == 200  # still its own to rate


def test_a_sub_case_token_rates_nothing(engine: Engine, phone: TestClient) -> None:
    put_case(engine)
    engine.publish(
        "cases", "sub-1", {"id": "sub-1", "parent_id": CASE_ID, "rating_token": OTHER}, 1
    )
    assert phone.get(f"/rate/{OTHER}").status_code == 404


def test_a_post_from_another_site_without_the_forms_token_is_refused(
    engine: Engine, phone: TestClient
) -> None:
    put_case(engine)
    phone.get(f"/rate/{TOKEN}")
    answer = phone.post(f"/rate/{TOKEN}", data={"csrf": "forged", "level": "1"})
    assert answer.status_code == 403 and "页面已过期" in answer.text
    other_site = web(engine)
    answer = other_site.post(f"/rate/{TOKEN}", data={"csrf": "forged", "level": "1"})
    assert answer.status_code == 403
    assert ratings(engine) == []


def test_the_receipts_qr_carries_the_sub_ratings_as_the_pad_does(
    engine: Engine, phone: TestClient
) -> None:
    """The hall's own page, read right after the service: efficiency, skill and
    attitude are offered, each optional; what is not a level is taken as not chosen."""
    put_case(engine)
    page = phone.get(f"/rate/{TOKEN}").text
    for label in ("办事效率", "业务能力", "服务态度"):
        assert label in page
    status, _ = rate(phone, level="4", efficiency="5", attitude="2", skill="nine")
    assert status == 200
    [held] = ratings(engine)
    assert (held["efficiency"], held["skill"], held["attitude"]) == (5, None, 2)


def test_the_regional_platforms_channels_still_rate_overall_only() -> None:
    """docs/domain.md: the web and app channels carry no sub-ratings."""
    for channel in (Channel.WEB, Channel.APP):
        with pytest.raises(ValidationError, match="只评总体满意度"):
            check_scores(Scores(Level.SATISFIED, efficiency=Level.SATISFIED), channel)
    assert check_scores(Scores(Level.SATISFIED, skill=Level.BASIC), Channel.QR).skill is Level.BASIC


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"level": ""}, "level", "请选择一个满意程度"),
        ({"level": "9"}, "level", "请选择一个满意程度"),
        ({"level": "five"}, "level", "请选择一个满意程度"),
        ({"comment": "慢" * (MAX_COMMENT + 1)}, "comment", f"最多 {MAX_COMMENT} 字"),
        ({"comment": "慢" * 1000}, "comment", f"最多 {MAX_COMMENT} 字"),
    ],
)
def test_bad_input_is_answered_in_chinese_beside_its_field(
    engine: Engine, phone: TestClient, fields: dict[str, str], field: str, said: str
) -> None:
    put_case(engine)
    status, page = rate(phone, **fields)
    assert status == 400
    assert re.search(rf'id="{field}-error" role="alert">[^<]*{re.escape(said)}', page), page
    assert ratings(engine) == []


def test_a_comment_far_past_any_form_is_refused_unread(engine: Engine, phone: TestClient) -> None:
    """100,000 characters: past the bound every page's form is read with (web_pages)."""
    put_case(engine)
    status, page = rate(phone, level="2", comment="慢" * 100_000)
    assert status == 413 and "太长" in page
    assert ratings(engine) == []


def test_a_comment_of_the_full_length_is_kept(engine: Engine, phone: TestClient) -> None:
    put_case(engine)
    assert rate(phone, level="3", comment="好" * MAX_COMMENT)[0] == 200
    assert ratings(engine)[0]["comment"] == "好" * MAX_COMMENT


def test_one_address_posting_too_fast_is_turned_away_before_any_lookup(engine: Engine) -> None:
    """A budget that never refills: the count does not depend on the machine's speed."""
    put_case(engine)
    with web(engine, limiter=RateLimiter(0.0, 3)) as scraper:
        statuses = [scraper.get(f"/rate/Zm9vb29vb29vb29vb29v{n:02d}").status_code for n in range(6)]
        assert statuses == [404] * 3 + [429] * 3
        assert scraper.post(f"/rate/{TOKEN}", data={"level": "1"}).status_code == 429
    assert ratings(engine) == []


def test_the_lookups_read_through_their_indexes(engine: Engine) -> None:
    """Any phone on the internet asks: no query scans every synced case (migration 5)."""
    for n in range(500):
        engine.publish("cases", f"c{n}", {"id": f"c{n}", "rating_token": f"t{n}"}, 1)
        engine.publish("ratings", f"r{n}", {"id": f"r{n}", "request_id": f"case:c{n}"}, 1)
    if engine.dialect == "postgres":
        with engine._write() as cur:
            engine._q(cur, "ANALYZE rows")
    explain = "EXPLAIN " if engine.dialect == "postgres" else "EXPLAIN QUERY PLAN "
    for table, field, index in (
        ("cases", "rating_token", "rows_cases_by_rating_token"),
        ("ratings", "request_id", "rows_ratings_by_request_id"),
    ):
        sql = (
            f"{explain}SELECT payload, owner FROM rows WHERE table_name = '{table}'"
            f" AND kind <> 'delete' AND {json_field(engine.dialect, field)} = ?"
        )
        plan = " ".join(str(part) for row in engine.query(sql, ["t7"]) for part in row)
        assert index in plan, plan


def test_two_processes_rating_one_service_record_the_first_and_one_follow_up(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ``--workers`` processes (two Raters on one database) both get a post for the
    same service and both look before either writes (played by the second's look
    finding nothing): only the first write lands; the second is told, and the hall
    holds one rating and one follow-up."""
    put_case(engine)
    hall = HallFacts("示范市政务服务中心", HolidayCalendar.weekends_only())
    first, second = Rater(engine), Rater(engine)
    first.rate(TOKEN, Scores(Level.DISSATISFIED, comment="第一次"), hall, to_ms(NOW))
    looked = iter([None])  # the second's look, made before the first wrote
    real = web_rating.rating_for
    monkeypatch.setattr(
        web_rating,
        "rating_for",
        lambda engine, request_id: next(looked, None) or real(engine, request_id),
    )
    with pytest.raises(NotAllowedError, match="已经评价过了"):
        second.rate(TOKEN, Scores(Level.VERY_DISSATISFIED), hall, to_ms(NOW))
    [(payload,)] = engine.query("SELECT payload FROM rows WHERE table_name = 'ratings'")
    assert json.loads(payload)["comment"] == "第一次"
    assert engine.query("SELECT count(*) FROM rows WHERE table_name = 'followups'") == [(1,)]


def test_publish_new_writes_nothing_when_its_first_row_is_held(engine: Engine) -> None:
    engine.publish("ratings", "rating:x", {"id": "rating:x", "level": 5}, 1)
    rows = [("ratings", "rating:x", {"id": "rating:x", "level": 1}),
            ("followups", "followup:x", {"id": "followup:x"})]  # fmt: skip
    assert engine.publish_new(rows, 2) is False
    assert engine.query("SELECT count(*) FROM rows WHERE table_name = 'followups'") == [(0,)]
    assert engine.publish_new([("ratings", "rating:y", {"id": "rating:y"}), rows[1]], 3)
    assert engine.query("SELECT count(*) FROM rows WHERE table_name = 'followups'") == [(1,)]
