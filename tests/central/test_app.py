"""The central's API on both engines: the protocol rules and a clear 4xx for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from central_support import enrol, now_ms
from fastapi.testclient import TestClient

from counter.central.about import central_version
from counter.central.app import create_app
from counter.central.engine import Engine, token_hash
from counter.central.migrations import latest
from counter.sync.protocol import MAX_BATCH, MAX_CLOCK_AHEAD_MS

BASE_MS = now_ms()


def hlc(offset_ms: int = 0, counter: int = 0) -> str:
    return f"{BASE_MS + offset_ms:015d}-{counter:06d}"


def op(seq: int, **over: Any) -> dict[str, Any]:
    day = f"2030-01-{seq % 28 + 1:02d}"
    base = {
        "seq": seq,
        "op_id": f"op-{seq}",
        "table_name": "sync_probe",
        "row_id": day,
        "kind": "upsert",
        "payload": {"id": day, "device": "dev", "n": seq},
        "hlc": hlc(counter=seq),
        "schema_version": 5,
    }
    return {**base, **over}


def push(client: TestClient, headers: dict[str, str], ops: list[dict[str, Any]], device="dev-a"):
    return client.post("/v1/push", json={"device_id": device, "ops": ops}, headers=headers)


def applied(engine: Engine) -> int:
    return engine.scalar("SELECT count(*) FROM ops")


def test_openapi_schema_lists_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/enrol", "/v1/push", "/v1/pull"} <= paths.keys()


def test_push_applies_ops_and_answers_next_expected_seq(client, headers, engine) -> None:
    # Asked for no answer version, as a counter from before issue 25: exactly the answer
    # it knows (its parser refuses fields it does not).
    answer = push(client, headers, [op(1), op(2)]).json()
    assert answer == {"acked": ["op-1", "op-2"], "refused": [], "next_expected_seq": 3}
    assert applied(engine) == 2


def test_a_counter_asking_for_answer_2_is_told_conflicts_and_the_central_s_clock(
    client, headers, engine
) -> None:
    answer = client.post(
        "/v1/push", params={"answer": 2}, json={"device_id": "dev-a", "ops": [op(1)]},
        headers=headers,
    ).json()  # fmt: skip
    assert answer["conflicts"] == [] and answer["central_ms"] > 0
    plain = client.get("/v1/pull", headers=headers).json()
    assert "central_ms" not in plain
    assert client.get("/v1/pull", params={"answer": 2}, headers=headers).json()["central_ms"] > 0


def test_replay_with_same_content_is_acked_and_applied_once(client, headers, engine) -> None:
    push(client, headers, [op(1)])
    answer = push(client, headers, [op(1)]).json()
    assert answer["acked"] == ["op-1"]
    assert applied(engine) == 1
    assert engine.scalar("SELECT count(*) FROM changes") == 1


def test_replayed_op_id_with_other_content_is_409_and_nothing_applied(
    client, headers, engine
) -> None:
    push(client, headers, [op(1)])
    answer = push(client, headers, [op(1, payload={"day": "x"}), op(2)])
    assert answer.status_code == 409
    assert answer.json()["code"] == "hash_mismatch"
    assert answer.json()["op_id"] == "op-1"
    assert applied(engine) == 1


def test_sequence_gap_applies_up_to_the_gap(client, headers, engine) -> None:
    answer = push(client, headers, [op(1), op(3)]).json()
    assert answer["acked"] == ["op-1"]
    assert answer["next_expected_seq"] == 2
    assert applied(engine) == 1


def test_reused_sequence_with_new_op_id_is_409(client, headers, engine) -> None:
    push(client, headers, [op(1)])
    answer = push(client, headers, [op(1, op_id="other")])
    assert answer.status_code == 409
    assert answer.json()["code"] == "sequence_reused"


def test_op_clock_far_ahead_is_refused_and_recorded(client, headers, engine) -> None:
    ahead = op(1, hlc=hlc(MAX_CLOCK_AHEAD_MS + 3_600_000))
    answer = push(client, headers, [ahead, op(2)]).json()
    assert [r["code"] for r in answer["refused"]] == ["clock_ahead"]
    assert answer["acked"] == ["op-2"]
    assert answer["next_expected_seq"] == 3
    assert engine.scalar("SELECT code FROM ops WHERE op_id = 'op-1'") == "clock_ahead"
    replay = push(client, headers, [ahead]).json()
    assert [r["code"] for r in replay["refused"]] == ["clock_ahead"]


def test_push_to_central_published_table_is_refused(client, headers, engine) -> None:
    answer = push(client, headers, [op(1, table_name="staff")]).json()
    assert [r["code"] for r in answer["refused"]] == ["read_only_table"]
    assert engine.scalar("SELECT count(*) FROM changes") == 0


def test_newer_upsert_wins_and_older_one_sends_winner_down(client, headers, engine) -> None:
    push(client, headers, [op(1, hlc=hlc(0, 5))])
    push(client, headers, [op(2, row_id=op(1)["row_id"], hlc=hlc(-60_000))])
    rows = engine.query("SELECT hlc, origin FROM changes ORDER BY cursor")
    assert rows[1] == (rows[0][0], "central")
    payload = engine.scalar("SELECT payload FROM rows")
    assert '"n":1' in payload


def test_events_are_appended_once(client, headers, engine) -> None:
    event = {"kind": "event"}
    push(client, headers, [op(1, **event), op(2, row_id=op(1)["row_id"], **event)])
    assert engine.scalar("SELECT count(*) FROM changes") == 1


def test_pull_pages_by_cursor(client, headers) -> None:
    push(client, headers, [op(n) for n in range(1, 6)])
    first = client.get("/v1/pull", params={"cursor": 0, "limit": 3}, headers=headers).json()
    assert [c["cursor"] for c in first["changes"]] == [1, 2, 3]
    assert first["more"] is True
    rest = client.get("/v1/pull", params={"cursor": 3, "limit": 3}, headers=headers).json()
    assert [c["cursor"] for c in rest["changes"]] == [4, 5]
    assert rest["more"] is False
    assert rest["cursor"] == 5


def test_push_without_token_is_401(client) -> None:
    answer = push(client, {}, [op(1)])
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthenticated"


def test_pull_with_unknown_token_is_401(client) -> None:
    answer = client.get("/v1/pull", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401


def test_revoked_device_gets_403(client, headers, engine) -> None:
    engine.revoke("dev-a")
    assert push(client, headers, [op(1)]).status_code == 403
    assert client.get("/v1/pull", headers=headers).json()["code"] == "revoked"
    assert applied(engine) == 0


def test_malformed_json_is_400_and_the_server_keeps_serving(client, headers, engine) -> None:
    answer = client.post("/v1/push", content=b'{"device_id": ', headers=headers)
    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed"
    assert push(client, headers, [op(1)]).status_code == 200


def test_wrong_types_are_422_with_the_field(client, headers, engine) -> None:
    answer = push(client, headers, [{**op(1), "seq": "1"}])
    assert answer.status_code == 422
    assert "seq" in answer.json()["reason"]
    assert applied(engine) == 0


def test_unknown_table_is_400_and_nothing_applied(client, headers, engine) -> None:
    answer = push(client, headers, [op(1), op(2, table_name="no_such_table")])
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_table"
    assert answer.json()["op_id"] == "op-2"
    assert applied(engine) == 0


def test_ops_for_another_device_are_403(client, headers, engine) -> None:
    enrol(engine, "dev-b")
    answer = push(client, headers, [op(1)], device="dev-b")
    assert answer.status_code == 403
    assert answer.json()["code"] == "wrong_device"
    assert applied(engine) == 0


def test_too_large_batch_is_413(client, headers, engine) -> None:
    answer = push(client, headers, [op(n) for n in range(1, MAX_BATCH + 2)])
    assert answer.status_code == 413
    assert applied(engine) == 0


def test_too_large_body_is_413(engine) -> None:
    token = enrol(engine, "dev-a")
    with TestClient(create_app(engine, max_body=1000)) as small:
        big = op(1, payload={"day": "2030-01-02", "name": "x" * 2000})
        answer = small.post(
            "/v1/push",
            json={"device_id": "dev-a", "ops": [big]},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 413
    assert applied(engine) == 0


def test_rate_limit_is_429(engine) -> None:
    token = enrol(engine, "dev-a")
    with TestClient(create_app(engine, rate_per_second=0.01, rate_burst=2)) as limited:
        codes = [
            limited.get("/v1/pull", headers={"Authorization": f"Bearer {token}"}).status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 429]


def test_enrol_code_is_single_use(client, engine) -> None:
    code = engine.create_enrol_code(now_ms())
    first = client.post("/v1/enrol", json={"code": code, "device_id": "dev-x"})
    again = client.post("/v1/enrol", json={"code": code, "device_id": "dev-y"})
    assert first.status_code == 200
    assert again.status_code == 403
    assert again.json()["code"] == "bad_enrol_code"


def test_device_token_is_stored_hashed(client, engine) -> None:
    code = engine.create_enrol_code(now_ms())
    token = client.post("/v1/enrol", json={"code": code, "device_id": "dev-x"}).json()["token"]
    assert len(token) >= 43
    stored = engine.scalar("SELECT token_hash FROM devices WHERE device_id = 'dev-x'")
    assert stored == token_hash(token) != token


def test_health_says_ok_only_while_the_database_answers(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load balancer or the hall's IT checks /v1/health: it must turn 503 when the
    database is down, not keep saying ok while every push fails."""
    answer = client.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "version": central_version(),
        "schema_version": latest(),
    }

    def down(*_: object) -> None:
        raise ConnectionError("database down")  # the engine's query fails, as on a stopped server

    monkeypatch.setattr(engine, "scalar", down)
    answer = client.get("/v1/health")
    assert answer.status_code == 503 and answer.json()["database"] == "down"
    assert answer.json()["version"] == central_version()
