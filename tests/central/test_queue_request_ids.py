"""One action, one effect: a queue request sent again with its ``Idempotency-Key`` gets
the first try's answer and changes nothing more (issue 25: the clerk's screen and the
board disagreed after a lost answer). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from central_support import QUEUE_ISSUE, enrol
from fastapi.testclient import TestClient

from counter.central.engine import Engine
from counter.central.hall_queue import (
    ANSWER_KEPT_MS,
    FORGET_EVERY_MS,
    HallQueue,
    RequestKey,
    ticket_answer,
)
from counter.central.postgres_engine import PostgresEngine
from counter.model.clock import HALL_TZ
from counter.model.devices import DeviceKind
from counter.model.queue import CallRule, Category, Lane, Ticket
from counter.model.ticket_rows import ticket_from_row
from counter.sync.queue_protocol import REQUEST_ID_HEADER
from tests.waiting import soon

AT = {"window": "1", "staff_id": "s1", "staff_name": "李娜", "at": "2026-11-27T10:00:00.000+08:00"}
CALL = {**AT, "codes": ["A"], "interleave": 3}
MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)
HOUR_MS = 3600 * 1000


@pytest.fixture(autouse=True)
def clerk_on_the_central(engine: Engine) -> None:
    """The clerk the window's calls name, in the central's own staff records."""
    row = {"id": "s1", "login": "lina", "name": "李娜", "role": "clerk", "active": 1}
    engine.publish("staff", "s1", row, 1)


def keyed(headers: dict[str, str], request_id: str) -> dict[str, str]:
    return {**headers, REQUEST_ID_HEADER: request_id}


def new_id() -> str:
    return uuid.uuid4().hex


def count(engine: Engine, sql: str, args: list[Any] | None = None) -> int:
    return int(engine.scalar(sql, args))


def issue(client: TestClient, headers: dict[str, str], n: int) -> None:
    for _ in range(n):
        assert client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=headers).status_code == 200


def finish_body(ticket_id: str) -> dict[str, Any]:
    return {**AT, "ticket_id": ticket_id, "action": "finish", "params": {"services": ["咨询"]}}


def test_a_call_next_sent_again_with_its_request_id_calls_no_second_ticket(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    issue(client, headers, 2)
    key = keyed(headers, new_id())
    first = client.post("/v1/queue/call-next", json=CALL, headers=key)
    again = client.post("/v1/queue/call-next", json=CALL, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # the very answer, not one made up afresh
    assert count(engine, "SELECT count(*) FROM queue_events WHERE kind = 'call_next'") == 1
    assert count(engine, "SELECT count(*) FROM queue_tickets WHERE state = 'waiting'") == 1


def test_without_a_request_id_a_second_call_is_a_new_press(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    """A counter older than request ids is served as before: each request is an action."""
    issue(client, headers, 2)
    assert client.post("/v1/queue/call-next", json=CALL, headers=headers).status_code == 200
    again = client.post("/v1/queue/call-next", json=CALL, headers=headers)
    assert again.status_code == 409 and "请先办结" in again.json()["reason"]


def test_a_finish_sent_again_answers_with_the_finished_ticket(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    issue(client, headers, 1)
    ticket = client.post("/v1/queue/call-next", json=CALL, headers=headers).json()["ticket"]
    key = keyed(headers, new_id())
    first = client.post("/v1/queue/act", json=finish_body(ticket["id"]), headers=key)
    again = client.post("/v1/queue/act", json=finish_body(ticket["id"]), headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.json()["ticket"]["state"] == "done"
    assert count(engine, "SELECT count(*) FROM queue_events WHERE kind = 'finish'") == 1


def test_a_kiosk_issue_sent_again_issues_no_second_number(
    client: TestClient, engine: Engine
) -> None:
    kiosk = {"Authorization": f"Bearer {enrol(engine, 'kiosk-1', DeviceKind.KIOSK)}"}
    key = keyed(kiosk, new_id())
    answers = [client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=key) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert count(engine, "SELECT count(*) FROM queue_tickets") == 1
    assert count(engine, "SELECT last_seq FROM queue_numbers") == 1  # no number used up


def test_a_block_reservation_sent_again_sets_one_block_aside(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    body = {"category": "A", "numbering": "2026-11-27", "size": 10}
    key = keyed(headers, new_id())
    first = client.post("/v1/queue/blocks", json=body, headers=key)
    again = client.post("/v1/queue/blocks", json=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() == {"first": 1, "last": 10}
    assert count(engine, "SELECT count(*) FROM queue_blocks") == 1


def test_another_device_with_the_same_request_id_acts_for_itself(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    """The key is the device (from its token) with the id: two windows whose ids happen
    to match each call their own ticket."""
    issue(client, headers, 2)
    other = {"Authorization": f"Bearer {enrol(engine, 'dev-b', window='2')}"}
    request_id = new_id()
    mine = client.post("/v1/queue/call-next", json=CALL, headers=keyed(headers, request_id))
    theirs = client.post("/v1/queue/call-next", json=CALL, headers=keyed(other, request_id))
    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["ticket"]["id"] != theirs.json()["ticket"]["id"]
    assert theirs.json()["ticket"]["window"] == "2"
    kept = engine.query("SELECT device_id FROM queue_requests WHERE request_id = ?", [request_id])
    assert sorted(r[0] for r in kept) == ["dev-a", "dev-b"]


def test_a_request_id_reused_for_another_request_is_refused_in_chinese(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    issue(client, headers, 1)
    key = keyed(headers, new_id())
    ticket = client.post("/v1/queue/call-next", json=CALL, headers=key).json()["ticket"]
    reused = client.post("/v1/queue/act", json=finish_body(ticket["id"]), headers=key)
    assert reused.status_code == 409
    assert "已用于本机的另一项排队操作" in reused.json()["reason"]
    assert count(engine, "SELECT count(*) FROM queue_events WHERE kind = 'finish'") == 0


def test_a_refused_action_is_not_kept_so_its_retry_acts(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    """A refusal changed nothing: the retry of "nobody waiting" is simply the call again."""
    key = keyed(headers, new_id())
    assert client.post("/v1/queue/call-next", json=CALL, headers=key).status_code == 404
    issue(client, headers, 1)
    assert client.post("/v1/queue/call-next", json=CALL, headers=key).status_code == 200
    assert count(engine, "SELECT count(*) FROM queue_requests") == 1


def test_a_malformed_request_id_is_refused_before_anything_is_done(
    client: TestClient, headers: dict[str, str], engine: Engine
) -> None:
    answer = client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=keyed(headers, "x y"))
    assert answer.status_code == 422 and REQUEST_ID_HEADER in answer.json()["reason"]
    assert count(engine, "SELECT count(*) FROM queue_tickets") == 0


def hall_with_waiting(engine: Engine, n: int) -> HallQueue:
    hall = HallQueue(engine)
    category = Category(code="A", name="企业开办", windows=("1",))
    for s in range(n):
        hall.issue(category, "2026-11-27", MORNING + timedelta(seconds=s), lane=Lane.NORMAL)
    return hall


def test_answers_older_than_a_day_are_forgotten(engine: Engine) -> None:
    hall = hall_with_waiting(engine, 2)
    now_ms = 400 * 24 * HOUR_MS
    minute_ms = 60 * 1000
    staff = ("1", "s1", "李娜")
    old = RequestKey("dev-a", new_id(), now_ms - ANSWER_KEPT_MS - HOUR_MS, "d")
    nearly = RequestKey("dev-a", new_id(), now_ms - ANSWER_KEPT_MS + 5 * minute_ms, "d")
    at = MORNING + timedelta(minutes=5)
    ticket = hall.call_next(staff, ["A"], CallRule(), at, request=old)
    hall.act(staff, ticket.id, "finish", at, {"services": ["咨询"]}, request=nearly)
    hall.forget_answers(now_ms)
    assert engine.query("SELECT request_id FROM queue_requests") == [(nearly.request_id,)]
    # The copying loop asks every second; the table is looked at every FORGET_EVERY_MS.
    hall.forget_answers(now_ms + FORGET_EVERY_MS - minute_ms)
    assert count(engine, "SELECT count(*) FROM queue_requests") == 1
    hall.forget_answers(now_ms + FORGET_EVERY_MS)
    assert count(engine, "SELECT count(*) FROM queue_requests") == 0


def test_a_kept_answer_is_the_answer_the_endpoint_gave(engine: Engine) -> None:
    """What is stored and what goes out are one encoding: a replay is byte for byte the
    first answer, whatever the ticket carries."""
    hall = hall_with_waiting(engine, 1)
    key = RequestKey("dev-a", new_id(), 1, "d")
    called = hall.call_next(("1", "s1", "李娜"), ["A"], CallRule(), MORNING, request=key)
    again = hall.call_next(("1", "s1", "李娜"), ["A"], CallRule(), MORNING, request=key)
    assert ticket_answer(again) == ticket_answer(called)


def test_a_retry_arriving_while_the_first_try_is_still_open_waits_for_its_answer(
    engine: Engine,
) -> None:
    """PostgreSQL serves a window's retry on another connection while the first try may
    not have committed yet: the retry's claim of the same id waits for it, then finds
    its answer and calls nothing. (SQLite's writers take turns: nothing to race.)"""
    if not isinstance(engine, PostgresEngine):
        pytest.skip("SQLite serialises every queue transaction")
    hall = hall_with_waiting(engine, 2)
    staff = ("1", "s1", "李娜")
    key = RequestKey("dev-a", new_id(), 1, "d")
    with psycopg.connect(engine.dsn) as first:  # the first try, not yet committed
        first.execute(
            "INSERT INTO queue_requests (device_id, request_id, digest, received_at)"
            " VALUES (%s, %s, %s, 1)",
            [key.device_id, key.request_id, key.digest],
        )
        answers: list[Any] = []
        retry = threading.Thread(
            target=lambda: answers.append(
                hall.call_next(staff, ["A"], CallRule(), MORNING, request=key)
            )
        )
        retry.start()
        assert soon(lambda: waiting_on_a_lock(engine) == 1, seconds=20)
        called = head_as_called(engine)
        first.execute(
            "UPDATE queue_requests SET answer = %s WHERE request_id = %s",
            [json.dumps(ticket_answer(called), ensure_ascii=False), key.request_id],
        )
        first.commit()
        retry.join(20)
    assert [t.id for t in answers] == [called.id]
    assert count(engine, "SELECT count(*) FROM queue_events WHERE kind = 'call_next'") == 0


def waiting_on_a_lock(engine: Engine) -> int:
    return count(
        engine,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'",
    )


def head_as_called(engine: Engine) -> Ticket:
    """What the first try would have answered: the head of the queue, called."""
    body = engine.scalar("SELECT body FROM queue_tickets ORDER BY seq LIMIT 1")
    return ticket_from_row({**json.loads(body), "state": "called", "window": "1"})
