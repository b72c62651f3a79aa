"""``POST /v1/devices``: a supervisor at a window lists the hall's devices and revokes one.

The central believes none of what the counter says of itself: each attack below plays
someone holding an ordinary device token (or a clerk at her own window) and must be
refused with a reason, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from central_support import enrol, now_ms
from fastapi.testclient import TestClient

from counter.central.engine import Engine
from counter.model.devices import DeviceKind
from counter.model.staff_key import StaffKey, derive_key, op_message
from counter.services.bootstrap import DEMO_PASSWORD
from counter.sync.device_admin import MAX_SKEW_MS, admin_message
from tests.hall import hall_staff_rows, publish_hall_staff, staff_id

SUPERVISOR = staff_id("zhangwei")
ADMIN = staff_id("admin")
CLERK = staff_id("lina")


@pytest.fixture(autouse=True)
def hall_staff(engine: Engine) -> None:
    publish_hall_staff(engine, now_ms())


@functools.cache
def key_of(staff: str) -> StaffKey:
    return derive_key(staff, DEMO_PASSWORD)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(
    device: str,
    action: str = "list",
    target: str = "",
    *,
    staff: str = SUPERVISOR,
    key: StaffKey | None = None,
    at_ms: int | None = None,
) -> dict[str, Any]:
    at = now_ms() if at_ms is None else at_ms
    message = admin_message(device, staff, action, target, at)
    proof = (key or key_of(staff)).sign(message)
    return {"staff_id": staff, "action": action, "target": target, "at_ms": at, "proof": proof}


def ask(client: TestClient, token: str, body: dict[str, Any]) -> Any:
    return client.post("/v1/devices", json=body, headers=bearer(token))


def refused(answer: Any, words: str, status: int = 403) -> None:
    assert answer.status_code == status, answer.text
    assert words in answer.json()["reason"]


def test_a_supervisor_at_her_window_sees_every_device(engine: Engine, client: TestClient) -> None:
    token = enrol(engine, "win-1")
    enrol(engine, "kiosk-1", DeviceKind.KIOSK)
    enrol(engine, "pad-3", DeviceKind.PAD, "3")
    answer = ask(client, token, signed("win-1"))
    assert answer.status_code == 200, answer.text
    rows = {d["device_id"]: d for d in answer.json()["devices"]}
    assert set(rows) == {"win-1", "kiosk-1", "pad-3"}
    assert rows["pad-3"]["kind"] == "pad" and rows["pad-3"]["window"] == "3"
    assert rows["kiosk-1"]["kind_label"] == "取号机"
    assert rows["win-1"]["revoked"] is False
    assert all(d["refused_ops"] == 0 for d in rows.values())


def test_the_admin_may_too(engine: Engine, client: TestClient) -> None:
    token = enrol(engine, "win-1")
    assert ask(client, token, signed("win-1", staff=ADMIN)).status_code == 200


def test_a_supervisor_revokes_a_stolen_kiosk_and_its_token_stops_working(
    engine: Engine, client: TestClient
) -> None:
    token = enrol(engine, "win-1")
    kiosk = enrol(engine, "kiosk-1", DeviceKind.KIOSK)
    assert client.get("/v1/pull", headers=bearer(kiosk)).status_code == 200
    answer = ask(client, token, signed("win-1", "revoke", "kiosk-1"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["revoked"] == "kiosk-1"
    rows = {d["device_id"]: d for d in answer.json()["devices"]}
    assert rows["kiosk-1"]["revoked"] is True
    assert client.get("/v1/pull", headers=bearer(kiosk)).status_code == 403


def test_a_clerk_is_refused_whatever_her_own_store_says(engine: Engine, client: TestClient) -> None:
    """Her store can say she is a supervisor; the central's record says clerk."""
    token = enrol(engine, "win-2", window="2")
    refused(ask(client, token, signed("win-2", staff=CLERK)), "只有值班长或管理员")
    refused(ask(client, token, signed("win-2", "revoke", "win-2", staff=CLERK)), "只有值班长")


def test_a_clerk_naming_the_supervisor_cannot_sign_for_her(
    engine: Engine, client: TestClient
) -> None:
    token = enrol(engine, "win-2", window="2")
    enrol(engine, "win-1")
    forged = signed("win-2", "revoke", "win-1", staff=SUPERVISOR, key=key_of(CLERK))
    refused(ask(client, token, forged), "无效的值班长签名")
    # Nor by leaving the signature out or sending garbage.
    for proof in ("", "AAAA", "not base64!"):
        body = {**signed("win-2"), "proof": proof}
        answer = ask(client, token, body)
        assert answer.status_code in (403, 422), answer.text
    assert not next(d for d in engine.devices() if d.device_id == "win-1").revoked


def test_a_signature_made_at_another_window_is_no_good_here(
    engine: Engine, client: TestClient
) -> None:
    """Seen on the wire from window 1, sent with window 2's token: the device is signed."""
    enrol(engine, "win-1")
    other = enrol(engine, "win-2", window="2")
    refused(ask(client, other, signed("win-1")), "无效的值班长签名")


def test_a_signature_for_the_list_does_not_revoke(engine: Engine, client: TestClient) -> None:
    token = enrol(engine, "win-1")
    enrol(engine, "win-2", window="2")
    body = {**signed("win-1"), "action": "revoke", "target": "win-2"}
    refused(ask(client, token, body), "无效的值班长签名")
    body = signed("win-1", "revoke", "kiosk-x")
    body["target"] = "win-2"
    refused(ask(client, token, body), "无效的值班长签名")
    assert not any(d.revoked for d in engine.devices())


def test_an_ops_signature_is_not_a_device_request(engine: Engine, client: TestClient) -> None:
    """A supervisor's signed op (a holiday) seen on the wire cannot be replayed here."""
    token = enrol(engine, "win-1")
    at = now_ms()
    op_proof = key_of(SUPERVISOR).sign(
        op_message("win-1", 1, "holidays", "2026-10-01", "upsert", {}, "h", SUPERVISOR)
    )
    body = {"staff_id": SUPERVISOR, "action": "list", "target": "", "at_ms": at, "proof": op_proof}
    refused(ask(client, token, body), "无效的值班长签名")


def test_an_old_or_replayed_signature_is_refused(engine: Engine, client: TestClient) -> None:
    token = enrol(engine, "win-1")
    stale = signed("win-1", at_ms=now_ms() - MAX_SKEW_MS - 60_000)
    refused(ask(client, token, stale), "相差超过 5 分钟")
    ahead = signed("win-1", at_ms=now_ms() + MAX_SKEW_MS + 60_000)
    refused(ask(client, token, ahead), "相差超过 5 分钟")
    body = signed("win-1")
    assert ask(client, token, body).status_code == 200
    refused(ask(client, token, body), "已经用过")


def test_a_kiosk_token_is_refused_even_with_a_supervisors_signature(
    engine: Engine, client: TestClient
) -> None:
    kiosk = enrol(engine, "kiosk-1", DeviceKind.KIOSK)
    refused(ask(client, kiosk, signed("kiosk-1")), "没有登录的工作人员")
    board = enrol(engine, "board-1", DeviceKind.BOARD)
    refused(ask(client, board, signed("board-1")), "没有登录的工作人员")


def test_unknown_and_deactivated_staff_are_refused(engine: Engine, client: TestClient) -> None:
    token = enrol(engine, "win-1")
    ghost = "hall-ghost"
    refused(ask(client, token, signed("win-1", staff=ghost)), "中心没有工号为 hall-ghost")
    row = next(dict(r) for r in hall_staff_rows() if r["id"] == SUPERVISOR)
    engine.publish("staff", SUPERVISOR, {**row, "active": 0}, now_ms())
    refused(ask(client, token, signed("win-1")), "已在中心停用")


def test_no_token_a_revoked_token_and_revoking_oneself(engine: Engine, client: TestClient) -> None:
    token = enrol(engine, "win-1")
    answer = client.post("/v1/devices", json=signed("win-1"))
    assert answer.status_code == 401
    refused(ask(client, token, signed("win-1", "revoke", "win-1")), "正在使用的这台电脑")
    refused(ask(client, token, signed("win-1", "revoke", "nobody")), "中心没有这台设备", 422)
    other = enrol(engine, "win-2", window="2")
    assert ask(client, token, signed("win-1", "revoke", "win-2")).status_code == 200
    answer = ask(client, other, signed("win-2"))
    assert answer.status_code == 403 and answer.json()["code"] == "revoked"


def test_a_body_claiming_extra_powers_is_refused(engine: Engine, client: TestClient) -> None:
    token = enrol(engine, "win-1")
    body = {**signed("win-1"), "role": "admin", "device_id": "win-9"}
    assert ask(client, token, body).status_code == 422
