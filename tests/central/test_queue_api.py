"""Bad input at the queue endpoints: a clear 4xx with a reason, nothing changed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from counter.central.engine import Engine

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


def issued(engine: Engine) -> int:
    return int(engine.scalar("SELECT count(*) FROM queue_tickets"))


def test_a_queue_call_without_a_token_is_401(client: TestClient, engine: Engine) -> None:
    answer = client.post("/v1/queue/issue", json=ISSUE)
    assert answer.status_code == 401
    assert issued(engine) == 0


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
