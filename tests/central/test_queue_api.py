"""Bad input at the queue endpoints: a clear 4xx with a reason, nothing changed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from counter.central.engine import Device, DeviceCheck, Engine
from counter.central.hall_queue import HallQueue
from counter.central.queue_api import MAX_WAIT_S
from counter.central.sqlite_engine import SqliteEngine
from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError
from counter.model.queue import CallRule, Category, Lane
from counter.sync.queue_protocol import (
    BoardAnswer,
    EventsAnswer,
    IssueAnswer,
    TicketAnswer,
    TicketsAnswer,
)

CALL = {
    "window": "1",
    "staff_id": "s1",
    "staff_name": "李娜",
    "at": "2026-11-27T10:00:00.000+08:00",
    "codes": ["A"],
    "interleave": 3,
}
ISSUE = {
    "category": "A",
    "category_name": "企业开办",
    "numbering": "2026-11-27",
    "lane": 2,
    "one_waiting_per_person": True,
    "at": "2026-11-27T09:00:00.000+08:00",
}


@pytest.fixture(autouse=True)
def clerk_on_the_central(engine: Engine) -> None:
    """The clerk every window's call names: the central takes her name and role from
    its own staff records, never from the request."""
    row = {"id": "s1", "login": "lina", "name": "李娜", "role": "clerk", "active": 1}
    engine.publish("staff", "s1", row, 1)


def issued(engine: Engine) -> int:
    return int(engine.scalar("SELECT count(*) FROM queue_tickets"))


#: The morning the hall-level tests issue their tickets on.
MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)


def hall_with_tickets(engine: Engine, lanes: list[Lane]) -> HallQueue:
    """The hall's queue with one category-A ticket (served at window 1) per lane given,
    a second apart from MORNING."""
    hall = HallQueue(engine)
    category = Category(code="A", name="企业开办", windows=("1",))
    for n, lane in enumerate(lanes):
        hall.issue(category, "2026-11-27", MORNING + timedelta(seconds=n), lane=lane)
    return hall


def test_a_queue_call_without_a_token_is_401(client: TestClient, engine: Engine) -> None:
    answer = client.post("/v1/queue/issue", json=ISSUE)
    assert answer.status_code == 401
    assert issued(engine) == 0


def test_a_queue_call_with_an_unknown_token_is_401(client: TestClient, engine: Engine) -> None:
    answer = client.post("/v1/queue/issue", json=ISSUE, headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"
    assert issued(engine) == 0


def test_a_revoked_counter_cannot_take_a_number(
    client: TestClient, headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    engine.revoke("dev-a")
    answer = client.post("/v1/queue/issue", json=ISSUE, headers=headers)
    assert answer.status_code == 403 and answer.json()["code"] == "revoked"
    assert issued(engine) == 0


def test_a_revoked_window_cannot_call(client: TestClient, headers, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/v1/queue/issue", json=ISSUE, headers=headers).status_code == 200
    engine.revoke("dev-a")
    answer = client.post("/v1/queue/call-next", json=CALL, headers=headers)
    assert answer.status_code == 403
    assert engine.scalar("SELECT count(*) FROM queue_tickets WHERE state = 'called'") == 0


def test_an_unknown_token_cannot_call(client: TestClient, headers, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/v1/queue/issue", json=ISSUE, headers=headers).status_code == 200
    answer = client.post("/v1/queue/call-next", json=CALL, headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"
    assert engine.scalar("SELECT count(*) FROM queue_tickets WHERE state = 'called'") == 0


def test_a_revoked_window_cannot_finish_the_ticket_it_called(
    client: TestClient, headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    client.post("/v1/queue/issue", json=ISSUE, headers=headers)
    ticket = client.post("/v1/queue/call-next", json=CALL, headers=headers).json()["ticket"]
    engine.revoke("dev-a")
    body = {**CALL, "ticket_id": ticket["id"], "action": "finish", "params": {"services": ["x"]}}
    body.pop("codes"), body.pop("interleave")
    answer = client.post("/v1/queue/act", json=body, headers=headers)
    assert answer.status_code == 403 and answer.json()["code"] == "revoked"
    assert engine.scalar("SELECT state FROM queue_tickets") == "called"


def test_a_refused_device_commits_nothing_even_when_the_action_reads_nothing(
    engine: Engine,
) -> None:
    """The device is checked with the action's first read; an action that only wrote
    is checked before COMMIT."""
    HallQueue(engine).issue(
        Category(code="A", name="企业开办"), "A", datetime(2026, 11, 27, 9, tzinfo=HALL_TZ),
        lane=Lane.NORMAL,
    )  # fmt: skip

    def refuse(device: Device | None) -> Device:
        raise NotAllowedError("refused")

    check = DeviceCheck("no-such-token", refuse, engine.device_for_token)
    with pytest.raises(NotAllowedError), engine._queue_tx(check) as cur:
        engine._q(cur, "UPDATE queue_tickets SET state = 'done'")
    assert engine.scalar("SELECT state FROM queue_tickets") == "waiting"


def test_malformed_json_is_400(client: TestClient, headers, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/v1/queue/issue", content=b"{not json", headers=headers)
    assert answer.status_code == 400 and answer.json()["code"] == "malformed"
    assert issued(engine) == 0


def test_a_lane_sent_as_text_is_422(client: TestClient, headers, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/v1/queue/issue", json={**ISSUE, "lane": "2"}, headers=headers)
    assert answer.status_code == 422 and "lane" in answer.json()["reason"]
    assert issued(engine) == 0


def test_an_unknown_action_is_422(client: TestClient, headers) -> None:  # type: ignore[no-untyped-def]
    body = {**CALL, "ticket_id": "x", "action": "teleport", "params": {}}
    body.pop("codes"), body.pop("interleave")
    answer = client.post("/v1/queue/act", json=body, headers=headers)
    assert answer.status_code == 422


def test_calling_with_nobody_waiting_is_404_with_the_models_reason(
    client: TestClient,
    headers,  # type: ignore[no-untyped-def]
) -> None:
    answer = client.post("/v1/queue/call-next", json=CALL, headers=headers)
    assert answer.status_code == 404
    assert answer.json() == {
        "code": "queue_refused",
        "error": "not_found",
        "reason": "目前没有等候的号，无需叫号",
        "field": "",
    }


def test_numbers_and_blocks_never_overlap(client: TestClient, headers) -> None:  # type: ignore[no-untyped-def]
    first = client.post("/v1/queue/issue", json=ISSUE, headers=headers).json()["ticket"]
    block = client.post(
        "/v1/queue/blocks",
        json={"category": "A", "numbering": "2026-11-27", "size": 5},
        headers=headers,
    ).json()
    after = client.post("/v1/queue/issue", json=ISSUE, headers=headers).json()["ticket"]
    assert (first["seq"], block, after["seq"]) == (1, {"first": 2, "last": 6}, 7)


def test_the_central_issues_by_its_own_settings_not_the_device_s(
    client: TestClient,
    headers,  # type: ignore[no-untyped-def]
    engine: Engine,
) -> None:
    """A device that says one person may wait twice, or that knows nothing of the
    hall's ID rule, is not believed: the central's published settings decide."""
    lax = {**ISSUE, "one_waiting_per_person": False}
    person = {"person_id": "110101199001011237", "person_name": "王小明"}
    assert client.post("/v1/queue/issue", json={**lax, **person}, headers=headers).is_success
    again = {**lax, **person, "person_id": "1101011990\u200b0101 1237"}
    answer = client.post("/v1/queue/issue", json=again, headers=headers)
    assert answer.status_code == 409 and "每人只能有一张" in answer.json()["reason"]
    engine.publish("hall_settings", "queue_id_required", {"value": "A", "updated_at": ""}, 1)
    answer = client.post("/v1/queue/issue", json=lax, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["field"] == "person_id"
    assert "“企业开办”须凭本人身份证取号" in answer.json()["reason"]
    assert issued(engine) == 1


def test_a_day_given_as_a_number_is_422(client: TestClient, headers) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/v1/queue/board", params={"day": "0"}, headers=headers)
    assert answer.status_code == 422 and "YYYY-MM-DD" in answer.json()["reason"]


def test_a_time_without_its_offset_is_422(client: TestClient, headers, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/queue/issue", json={**ISSUE, "at": "2026-11-27T09:00:00"}, headers=headers
    )
    assert answer.status_code == 422 and "at" in answer.json()["reason"]
    assert issued(engine) == 0


def test_text_with_a_nul_character_is_422(client: TestClient, headers, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/queue/issue", json={**ISSUE, "person_name": "张\x00三"}, headers=headers
    )
    assert answer.status_code == 422
    assert issued(engine) == 0


def test_an_offline_ticket_on_an_impossible_day_is_422_and_not_added(
    client: TestClient,
    headers,  # type: ignore[no-untyped-def]
    engine: Engine,
) -> None:
    block = {"category": "A", "numbering": "2026-02-30", "size": 5}
    assert client.post("/v1/queue/blocks", json=block, headers=headers).status_code == 200
    row = {
        "id": "20260230-A001",
        "day": "2026-02-30",
        "category": "A",
        "number": "A001",
        "seq": 1,
        "issued_at": "2026-02-28T09:00:00.000+08:00",
        "state": "waiting",
        "lane": 2,
        "queue_key": 1.0,
    }
    answer = client.post("/v1/queue/reconcile", json={"tickets": [row]}, headers=headers)
    assert answer.status_code == 422 and "day" in answer.json()["reason"]
    assert issued(engine) == 0


def test_the_long_poll_is_bounded_by_the_maximum_the_schema_publishes(
    client: TestClient,
    headers,  # type: ignore[no-untyped-def]
) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/queue/events"]["get"]
    wait = next(p for p in operation["parameters"] if p["name"] == "wait")
    assert wait["schema"]["maximum"] == MAX_WAIT_S
    answer = client.get("/v1/queue/events", params={"wait": MAX_WAIT_S + 1}, headers=headers)
    assert answer.status_code == 422


def test_the_central_interleaves_a_normal_ticket_after_three_priority_calls(
    engine: Engine,
) -> None:
    hall = hall_with_tickets(engine, [Lane.NORMAL] + [Lane.PRIORITY] * 4)
    staff = ("1", "s1", "李娜")
    lanes = []
    for minute in range(5):
        now = MORNING + timedelta(minutes=minute + 1)
        ticket = hall.call_next(staff, ["A"], CallRule(interleave=3), now)
        lanes.append(ticket.lane)
        hall.act(staff, ticket.id, "finish", now, {"services": ["咨询"]})
    assert lanes == [Lane.PRIORITY] * 3 + [Lane.NORMAL, Lane.PRIORITY]


def test_the_central_will_not_call_while_the_window_holds_a_ticket(engine: Engine) -> None:
    hall = hall_with_tickets(engine, [Lane.NORMAL] * 2)
    held = hall.call_next(("1", "s1", "李娜"), ["A"], CallRule(), MORNING + timedelta(minutes=1))
    with pytest.raises(NotAllowedError, match=held.number):
        hall.call_next(("1", "s1", "李娜"), ["A"], CallRule(), MORNING + timedelta(minutes=2))


def test_every_queue_answer_matches_the_model_the_schema_publishes(
    client: TestClient,
    headers,  # type: ignore[no-untyped-def]
) -> None:
    issued = client.post("/v1/queue/issue", json=ISSUE, headers=headers).json()
    IssueAnswer.model_validate(issued)
    called = client.post("/v1/queue/call-next", json=CALL, headers=headers).json()
    ticket = TicketAnswer.model_validate(called).ticket
    assert ticket.id == issued["ticket"]["id"] and ticket.state == "called"
    day = {"day": "2026-11-27"}
    for path, model in (
        ("/v1/queue/tickets", TicketsAnswer),
        ("/v1/queue/board", BoardAnswer),
    ):
        model.model_validate(client.get(path, params=day, headers=headers).json())
    events = EventsAnswer.model_validate(client.get("/v1/queue/events", headers=headers).json())
    assert [e.kind for e in events.events] == ["issue", "call_next"]
    assert events.last == events.events[-1].id


def test_a_ticket_outside_the_counters_block_is_refused_and_the_queue_still_serves(
    client: TestClient,
    headers,  # type: ignore[no-untyped-def]
    engine: Engine,
) -> None:
    """The refusal rolls the whole transaction back (pipelined on PostgreSQL) and leaves
    the pooled connection fit for the next request."""
    stray = {
        "id": "20261127-A901",
        "day": "2026-11-27",
        "category": "A",
        "number": "A901",
        "seq": 901,
        "issued_at": "2026-11-27T09:00:00.000+08:00",
        "state": "waiting",
        "lane": 2,
        "queue_key": 1.0,
    }
    for _ in range(3):  # more than once: every pooled connection has seen a rollback
        answer = client.post("/v1/queue/reconcile", json={"tickets": [stray]}, headers=headers)
        assert answer.status_code == 409 and "号段" in answer.json()["reason"]
    assert issued(engine) == 0
    assert client.post("/v1/queue/issue", json=ISSUE, headers=headers).status_code == 200
    assert issued(engine) == 1


def test_the_central_calls_from_a_lane_only_for_tickets_the_window_serves(
    engine: Engine,
) -> None:
    hall = HallQueue(engine)
    at = datetime(2026, 11, 27, 9, 0, tzinfo=HALL_TZ)
    other = Category(code="B", name="不动产登记", windows=("2",))
    mine = Category(code="A", name="企业开办", windows=("1",))
    hall.issue(other, "2026-11-27", at, lane=Lane.PRIORITY)
    normal, _ = hall.issue(mine, "2026-11-27", at + timedelta(seconds=1), lane=Lane.NORMAL)
    called = hall.call_next(("1", "s1", "李娜"), ["A"], CallRule(), at + timedelta(minutes=1))
    assert called.id == normal.id


def test_setting_up_an_older_central_replaces_its_waiting_index_with_the_head_index(
    engine: Engine,
) -> None:
    with engine._write() as cur:  # as an older central left it, from before versions
        cur.execute("CREATE INDEX queue_tickets_waiting ON queue_tickets (day, state)")
        cur.execute("DROP TABLE central_meta")
    engine.setup()
    if engine.skip_locked:  # PostgreSQL
        listed = "SELECT indexname FROM pg_indexes WHERE tablename = 'queue_tickets'"
    else:
        listed = "SELECT name FROM sqlite_master WHERE tbl_name = 'queue_tickets'"
    names = {row[0] for row in engine.query(listed)}
    assert "queue_tickets_head" in names
    assert "queue_tickets_waiting" not in names


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_call_on_the_sqlite_central_waits_for_a_write_under_way_then_answers(
    client: TestClient, headers, engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    """Queue writes run on its event loop (SqliteEngine.queue_writes_inline)."""
    assert isinstance(engine, SqliteEngine) and engine.queue_writes_inline
    assert client.post("/v1/queue/issue", json=ISSUE, headers=headers).status_code == 200
    held, release = threading.Event(), threading.Event()

    def push_under_way() -> None:
        with engine._write():
            held.set()
            release.wait(5)

    writer = threading.Thread(target=push_under_way)
    writer.start()
    assert held.wait(5)
    threading.Timer(0.3, release.set).start()
    answer = client.post("/v1/queue/call-next", json=CALL, headers=headers)
    writer.join()
    assert answer.status_code == 200 and answer.json()["ticket"]["state"] == "called"


def test_queue_events_copied_a_few_at_a_time_reach_the_change_log_each_once(
    engine: Engine,
) -> None:
    """A serving process copies in short steps (MIRROR_STEP) so the writer lock is
    never held long; each step takes up where the last one stopped."""
    hall = hall_with_tickets(engine, [Lane.NORMAL] * 3)
    ticket = hall.call_next(("1", "s1", "李娜"), ["A"], CallRule(), MORNING + timedelta(minutes=1))
    steps = [hall.mirror(1_800_000_000_000 + i, limit=2) for i in range(4)]
    assert steps == [2, 2, 0, 0]
    logged = engine.query(
        "SELECT row_id, payload FROM changes WHERE table_name = 'tickets' ORDER BY cursor"
    )
    assert len(logged) == 4
    assert len({row_id for row_id, _ in logged}) == 3
    assert '"kind":"call_next"' in logged[-1][1] and ticket.id == logged[-1][0]
