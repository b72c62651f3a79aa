"""扫码看排队 on the central (issue 31, point 4): the kiosk slip's QR opens the ticket's
place in the queue, live; a token nobody was given opens nothing; on both engines."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from central_support import enrol
from fastapi import FastAPI
from fastapi.testclient import TestClient

from counter.central.app import RateLimiter, create_app
from counter.central.engine import Engine
from counter.central.hall_queue import LINK_KEPT_DAYS, HallQueue, Issued, issue_answer
from counter.central.threads import DatabaseThreads
from counter.central.web import add_web_routes
from counter.central.web_queue_view import NEUTRAL, QueueFollower
from counter.model.clock import HALL_TZ, to_ms
from counter.model.devices import DeviceKind
from counter.model.queue import CallRule, Category, Lane
from counter.sync.queue_protocol import IssueAnswer

DAY = "2026-11-27"
#: The central's clock in these tests: the tickets' day, mid-morning.
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=HALL_TZ)
NAME, ID_NUMBER = "欧阳明月", "11010119900307123X"


def at(hour: int, minute: int) -> str:
    return f"{DAY}T{hour:02d}:{minute:02d}:00.000+08:00"


@pytest.fixture(autouse=True)
def clerk_on_the_central(engine: Engine) -> None:
    row = {"id": "s1", "login": "lina", "name": "李娜", "role": "clerk", "active": 1}
    engine.publish("staff", "s1", row, 1)


@pytest.fixture
def hall(engine: Engine) -> Iterator[TestClient]:
    """The central (device API and pages) with its clock on the tickets' day."""
    app = create_app(
        engine,
        rate_per_second=1000,
        rate_burst=1000,
        web_rate=1000,
        clock_ms=lambda: int(NOW.timestamp() * 1000),
    )
    with TestClient(app) as client:
        yield client


@pytest.fixture
def kiosk(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {enrol(engine, 'kiosk-1', DeviceKind.KIOSK)}"}


@pytest.fixture
def window(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {enrol(engine, 'win-1', DeviceKind.WINDOW, '1')}"}


def issue(client: TestClient, kiosk: dict[str, str], minute: int, **extra: Any) -> IssueAnswer:
    body = {
        "category": "A",
        "category_name": "企业开办",
        "numbering": DAY,
        "lane": 2,
        "one_waiting_per_person": False,
        "at": at(9, minute),
    } | extra
    answer = client.post("/v1/queue/issue", json=body, headers=kiosk)
    assert answer.status_code == 200, answer.text
    return IssueAnswer.model_validate(answer.json())


def call_next(client: TestClient, window: dict[str, str], when: str) -> str:
    body = {"window": "1", "staff_id": "s1", "staff_name": "", "at": when, "codes": ["A"],
            "interleave": 3}  # fmt: skip
    answer = client.post("/v1/queue/call-next", json=body, headers=window)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["ticket"]["id"])


def finish(client: TestClient, window: dict[str, str], ticket_id: str, when: str) -> None:
    body = {"window": "1", "staff_id": "s1", "staff_name": "", "at": when,
            "ticket_id": ticket_id, "action": "finish",
            "params": {"services": ["设立登记"]}}  # fmt: skip
    answer = client.post("/v1/queue/act", json=body, headers=window)
    assert answer.status_code == 200, answer.text


def view(client: TestClient, token: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"/queue/{token}.json", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_an_issue_through_the_central_answers_a_token_the_same_on_a_retry(
    hall: TestClient, kiosk: dict[str, str]
) -> None:
    key = {"Idempotency-Key": "kiosk-press-000000000001"}
    first = issue(hall, kiosk | key, 0)
    again = issue(hall, kiosk | key, 0)
    other = issue(hall, kiosk, 1)
    assert re.fullmatch(r"[0-9A-Za-z_-]{22}", first.view_token)
    assert again.view_token == first.view_token and again.ticket.number == first.ticket.number
    assert other.view_token not in {"", first.view_token}
    # The token is nothing the ticket's own fields give away.
    assert first.ticket.number not in first.view_token


def test_the_place_and_the_number_called_follow_the_calls(
    hall: TestClient, kiosk: dict[str, str], window: dict[str, str]
) -> None:
    tokens = [issue(hall, kiosk, n).view_token for n in range(3)]
    mine = view(hall, tokens[2])
    assert (mine["number"], mine["category"], mine["text"]) == ("A003", "企业开办", "等候中")
    assert (mine["ahead"], mine["calling"], mine["turn"]) == (2, "", False)

    first = call_next(hall, window, at(10, 0))
    mine = view(hall, tokens[2])
    assert (mine["ahead"], mine["calling"]) == (1, "A001（1 号窗口）")
    assert view(hall, tokens[0])["text"] == "请到 1 号窗口办理"

    finish(hall, window, first, at(10, 10))
    assert view(hall, tokens[0])["text"] == "已办理"
    second = call_next(hall, window, at(10, 11))
    finish(hall, window, second, at(10, 21))
    call_next(hall, window, at(10, 22))
    mine = view(hall, tokens[2])
    assert mine["turn"] is True and mine["text"] == "请到 1 号窗口办理"
    assert mine["ahead"] is None and mine["calling"] == "A003（1 号窗口）"
    page = hall.get(f"/queue/{tokens[2]}")
    assert page.status_code == 200
    assert "请到 1 号窗口办理" in page.text and "ticket turn" in page.text


def test_the_wait_is_estimated_from_the_categorys_handling_times_today(
    hall: TestClient, kiosk: dict[str, str], window: dict[str, str]
) -> None:
    tokens = [issue(hall, kiosk, n).view_token for n in range(5)]
    assert view(hall, tokens[4])["wait"] == ""  # nothing finished yet: nothing said
    for start in (0, 10):
        ticket = call_next(hall, window, at(10, start))
        finish(hall, window, ticket, at(10, start + 10))
    mine = view(hall, tokens[4])
    # Ten minutes a ticket at the one window working the category, two ahead.
    assert (mine["ahead"], mine["wait"]) == (2, "约 20 分钟")
    assert "约 20 分钟" in hall.get(f"/queue/{tokens[4]}").text


def test_the_long_poll_answers_once_the_ticket_moves_up(
    hall: TestClient, kiosk: dict[str, str], window: dict[str, str]
) -> None:
    tokens = [issue(hall, kiosk, n).view_token for n in range(2)]
    before = view(hall, tokens[1])
    answers: list[dict[str, Any]] = []
    waiting = threading.Thread(
        target=lambda: answers.append(view(hall, tokens[1], after=before["stamp"]))
    )
    waiting.start()
    call_next(hall, window, at(10, 0))
    waiting.join()
    assert answers[0]["ahead"] == 0 and answers[0]["stamp"] > before["stamp"]
    assert answers[0]["calling"] == "A001（1 号窗口）"


def test_an_event_of_another_category_wakes_no_phone_of_this_one(engine: Engine) -> None:
    """The follower's stamps: a call in category B leaves an A ticket's stamp where it
    was, so its phone's long poll sleeps on; an event of its own moves it."""
    queue = HallQueue(engine)
    a = queue.issue_linked(Category("A", "企业开办"), DAY, NOW, lane=Lane.NORMAL)
    b = queue.issue_linked(Category("B", "社保"), DAY, NOW, lane=Lane.NORMAL)

    async def follow() -> tuple[int, int, int]:
        async def run(fn: Any, *args: Any) -> Any:
            return fn(*args)

        follower = QueueFollower(engine, run)
        await follower.refresh()
        first = follower.stamp(a.ticket.id, "A")
        queue.call_next(("1", "s1", "李娜"), ["B"], CallRule(), NOW)
        await follower.refresh()
        after_b = follower.stamp(a.ticket.id, "A")
        queue.call_next(("2", "s1", "李娜"), ["A"], CallRule(), NOW)
        await follower.refresh()
        return first, after_b, follower.stamp(a.ticket.id, "A")

    first, after_b, after_a = asyncio.run(follow())
    assert after_b == first < after_a
    assert b.view_token != a.view_token


def test_a_forged_or_guessed_token_gets_one_neutral_answer(
    hall: TestClient, kiosk: dict[str, str]
) -> None:
    """The attacker knows a ticket's number and id (they are on the board and the
    slip's bar code) and tries them, a well-formed random token, and junk: every try
    gets the same answer, which says nothing about whether the ticket exists."""
    real = issue(hall, kiosk, 0)
    tries = [real.ticket.number, real.ticket.id, "A" * 22, real.view_token[:-1] + "x",
             real.view_token.upper() if real.view_token.upper() != real.view_token else "Z" * 22,
             "x;drop", "x"]  # fmt: skip
    pages = {(a.status_code, a.text) for a in (hall.get(f"/queue/{t}") for t in tries)}
    feeds = {(a.status_code, a.text) for a in (hall.get(f"/queue/{t}.json") for t in tries)}
    assert len(pages) == 1 and len(feeds) == 1
    status, text = pages.pop()
    assert status == 404 and NEUTRAL in text and real.ticket.number not in text
    assert feeds.pop()[0] == 404
    assert hall.get(f"/queue/{real.view_token}").status_code == 200


def test_no_name_or_id_number_is_shown(hall: TestClient, kiosk: dict[str, str]) -> None:
    token = issue(hall, kiosk, 0, person_id=ID_NUMBER, person_name=NAME).view_token
    page = hall.get(f"/queue/{token}").text
    feed = hall.get(f"/queue/{token}.json").text
    for shown in (page, feed):
        for secret in (NAME, ID_NUMBER, ID_NUMBER[-4:], "欧*", "明月", "person"):
            assert secret not in shown
    assert "A001" in page and "A001" in feed


def test_the_page_works_without_script_and_keeps_to_its_guards(
    hall: TestClient, kiosk: dict[str, str]
) -> None:
    token = issue(hall, kiosk, 0).view_token
    page = hall.get(f"/queue/{token}")
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert f'href="/queue/{token}"' in page.text and "刷新" in page.text
    assert '<script src="/static/queue_view.js"' in page.text
    assert "<script>" not in page.text  # no inline script: the policy forbids it
    assert hall.get("/static/queue_view.js").status_code == 200
    feed = hall.get(f"/queue/{token}.json")
    assert feed.headers["cache-control"] == "no-store"


def test_one_address_asking_too_fast_is_turned_away(engine: Engine) -> None:
    """A phone (or a script) refreshing in a loop: past its address's budget every ask,
    page or JSON, known token or not, is answered 429 before the database is asked (a
    budget that never refills, so the count does not depend on the machine's speed)."""
    token = HallQueue(engine).issue_linked(Category("A", "企业开办"), DAY, NOW,
                                           lane=Lane.NORMAL).view_token  # fmt: skip
    app = FastAPI()
    add_web_routes(app, engine, DatabaseThreads(2).run, lambda: int(NOW.timestamp() * 1000),
                   RateLimiter(0.0, 3), https=False)  # fmt: skip
    with TestClient(app) as phone:
        statuses = [phone.get(f"/queue/{token}.json").status_code for _ in range(3)]
        assert statuses == [200] * 3
        assert phone.get(f"/queue/{token}.json").status_code == 429
        assert phone.get(f"/queue/{token}").status_code == 429
        assert phone.get("/queue/" + "B" * 22).status_code == 429


def test_a_ticket_of_another_day_is_no_longer_in_the_queue(engine: Engine) -> None:
    yesterday = NOW.replace(day=26)
    token = HallQueue(engine).issue_linked(Category("A", "企业开办"), "2026-11-26", yesterday,
                                           lane=Lane.NORMAL).view_token  # fmt: skip
    app = FastAPI()
    add_web_routes(app, engine, DatabaseThreads(2).run, lambda: int(NOW.timestamp() * 1000),
                   RateLimiter(1000.0, 1000), https=False)  # fmt: skip
    with TestClient(app) as phone:
        seen = phone.get(f"/queue/{token}.json").json()
    assert seen["text"] == "此号是 11月26日 的号，今天已不能使用"
    assert seen["final"] is True and seen["ahead"] is None


def test_an_issue_without_a_link_still_answers_as_before(engine: Engine) -> None:
    """HallQueue.issue (the benchmarks, the older callers) makes no link."""
    ticket, ahead = HallQueue(engine).issue(Category("A", "企业开办"), DAY, NOW,
                                            lane=Lane.NORMAL)  # fmt: skip
    assert (ticket.number, ahead) == ("A001", 0)
    assert engine.scalar("SELECT count(*) FROM queue_links") == 0
    # An answer without a token (an older central's) reads as "no link": no QR printed.
    answer = issue_answer(Issued(ticket, ahead))
    assert "view_token" not in answer
    assert IssueAnswer.model_validate(answer).view_token == ""


def test_old_queue_view_links_are_forgotten_with_the_old_answers(engine: Engine) -> None:
    """queue_links grows by one row a ticket: it keeps only the last few days."""
    hall = HallQueue(engine)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=HALL_TZ)
    token = hall.issue_linked(Category("A", "企业开办"), "d", monday, lane=Lane.NORMAL).view_token
    links = "SELECT count(*) FROM queue_links WHERE token = ?"
    hall.forget_answers(to_ms(monday + timedelta(days=LINK_KEPT_DAYS)))
    assert engine.query(links, [token]) == [(1,)]
    hall._forgot_at_ms = 0  # the next look is due
    hall.forget_answers(to_ms(monday + timedelta(days=LINK_KEPT_DAYS + 1)))
    assert engine.query(links, [token]) == [(0,)]
