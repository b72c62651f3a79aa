"""The central trusts no device: each test plays a hostile person on the hall's LAN
holding one ordinary device token, on SQLite and on PostgreSQL.

Every attack here went through before the central checked ops against its own records
(issue: "The central trusts no device"); each must now be refused with a reason, and
nothing of it stored or sent down to anyone.
"""

from __future__ import annotations

import functools
import json
from itertools import count
from typing import Any

import pytest
from central_support import QUEUE_ISSUE, enrol, now_ms
from fastapi.testclient import TestClient

from counter.central.audit import refused_entries, verify_devices
from counter.central.engine import Engine
from counter.model.audit import GENESIS, entry_hash
from counter.model.devices import DeviceKind
from counter.model.staff_key import StaffKey, derive_key, op_message
from counter.services.bootstrap import DEMO_PASSWORD
from tests.hall import publish_hall_staff, staff_id

CLERK = staff_id("lina")
SUPERVISOR = staff_id("zhangwei")
SPECIALIST = staff_id("wangqiang")
_seq: dict[str, count[int]] = {}


@pytest.fixture(autouse=True)
def hall_staff(engine: Engine) -> None:
    publish_hall_staff(engine, now_ms())
    # The applicant the cases below are for: a case naming one the hall lacks is refused.
    engine.publish("applicants", "a-1", APPLICANT, now_ms())
    _seq.clear()  # each test's devices are new to its central


APPLICANT = {
    "id": "a-1",
    "kind": "enterprise",
    "id_number": "91350100M000100Y43",
    "name": "示范科技有限公司",
    "updated_at": "2026-11-27T09:00:00.000+08:00",
}


@functools.cache
def supervisor_key() -> StaffKey:
    return derive_key(SUPERVISOR, DEMO_PASSWORD)


def token_for(engine: Engine, device: str, kind: DeviceKind, window: str = "1") -> dict[str, str]:
    return {"Authorization": f"Bearer {enrol(engine, device, kind, window)}"}


def wire(
    device: str,
    table: str,
    row_id: str,
    payload: dict[str, Any],
    *,
    actor: str = "",
    kind: str = "upsert",
    sign_with: StaffKey | None = None,
) -> dict[str, Any]:
    """One op as a counter (or someone pretending to be one) would push it."""
    seq = next(_seq.setdefault(device, count(1)))
    op: dict[str, Any] = {
        "seq": seq,
        "op_id": f"{device}-{seq}",
        "table_name": table,
        "row_id": row_id,
        "kind": kind,
        "payload": payload,
        "hlc": f"{now_ms():015d}-{seq:06d}",
        "schema_version": 12,
    }
    if actor:
        op["actor"] = actor
    if sign_with is not None:
        message = op_message(device, seq, table, row_id, kind, payload, op["hlc"], actor)
        op["proof"] = sign_with.sign(message)
    return op


def push(client: TestClient, headers: dict[str, str], device: str, *ops: dict[str, Any]) -> Any:
    answer = client.post("/v1/push", json={"device_id": device, "ops": list(ops)}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused_codes(answer: Any) -> list[str]:
    return [r["code"] for r in answer["refused"]]


def case(**over: Any) -> dict[str, Any]:
    base = {
        "id": "case-1",
        "number": "20261127-0101-0001",
        "title": "食品经营许可",
        "state": "已受理",
        "applicant_id": "a-1",
        "applicant_kind": "enterprise",
        "applicant_name": "示范科技有限公司",
        "applicant_id_number": "91350100M000100Y43",
        "applicant_phone": "13812345678",
        "clerk_id": CLERK,
        "clerk_name": "李娜",
        "window": "1",
        "catalog_version": "2026.1",
        "created_at": "2026-11-27T10:00:00.000+08:00",
        "received_at": "2026-11-27T10:00:00.000+08:00",
        "updated_at": "2026-11-27T10:00:00.000+08:00",
    }
    return {**base, **over}


def stored(engine: Engine, table: str, row_id: str) -> dict[str, Any] | None:
    text = engine.scalar(
        "SELECT payload FROM rows WHERE table_name = ? AND row_id = ?", [table, row_id]
    )
    return json.loads(text) if text else None


def test_another_window_cannot_rewrite_a_case_it_did_not_take(
    client: TestClient, engine: Engine
) -> None:
    mine = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    theirs = token_for(engine, "win-2", DeviceKind.WINDOW, "2")
    assert push(client, mine, "win-1", wire("win-1", "cases", "case-1", case(), actor=CLERK))[
        "acked"
    ]
    forged = case(state="终止", applicant_phone="13900000000", clerk_name="某某")
    answer = push(client, theirs, "win-2", wire("win-2", "cases", "case-1", forged, actor=CLERK))
    assert refused_codes(answer) == ["illegal_change"]
    assert "applicant_phone" in answer["refused"][0]["reason"]
    assert stored(engine, "cases", "case-1") == case()


def test_another_window_cannot_rewrite_which_intake_form_made_a_case(
    client: TestClient, engine: Engine
) -> None:
    mine = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    theirs = token_for(engine, "win-2", DeviceKind.WINDOW, "2")
    made = case(request_id="form-1")
    push(client, mine, "win-1", wire("win-1", "cases", "case-1", made, actor=CLERK))
    forged = case(request_id="form-2")
    answer = push(client, theirs, "win-2", wire("win-2", "cases", "case-1", forged, actor=CLERK))
    assert refused_codes(answer) == ["illegal_change"]
    assert "request_id" in answer["refused"][0]["reason"]
    assert stored(engine, "cases", "case-1") == made


def test_a_case_state_the_state_machine_forbids_is_refused_even_from_its_own_window(
    client: TestClient, engine: Engine
) -> None:
    mine = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    push(client, mine, "win-1", wire("win-1", "cases", "case-1", case(state="终止"), actor=CLERK))
    answer = push(
        client, mine, "win-1", wire("win-1", "cases", "case-1", case(state="已受理"), actor=CLERK)
    )
    assert refused_codes(answer) == ["illegal_change"]
    assert stored(engine, "cases", "case-1")["state"] == "终止"


def test_another_window_may_continue_a_case_as_the_domain_allows(
    client: TestClient, engine: Engine
) -> None:
    mine = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    theirs = token_for(engine, "win-2", DeviceKind.WINDOW, "2")
    push(client, mine, "win-1", wire("win-1", "cases", "case-1", case(), actor=CLERK))
    approved = case(state="办结（准予）", decision="准予")
    answer = push(client, theirs, "win-2", wire("win-2", "cases", "case-1", approved, actor=CLERK))
    assert answer["refused"] == []
    assert stored(engine, "cases", "case-1")["state"] == "办结（准予）"


HOLIDAY_WIPE = {"years": [2026], "rows": [], "source": "file"}


@pytest.mark.parametrize("kind", [DeviceKind.KIOSK, DeviceKind.WINDOW])
def test_nobody_wipes_the_hall_holiday_table_without_a_supervisors_signature(
    client: TestClient, engine: Engine, kind: DeviceKind
) -> None:
    headers = token_for(engine, "dev-x", kind)
    answer = push(
        client,
        headers,
        "dev-x",
        wire("dev-x", "holiday_years", "2026", HOLIDAY_WIPE),
        wire("dev-x", "holiday_years", "2026", HOLIDAY_WIPE, actor=CLERK),
        # The supervisor named without her signature: what a compromised counter can do.
        wire("dev-x", "holiday_years", "2026", HOLIDAY_WIPE, actor=SUPERVISOR),
    )
    assert refused_codes(answer) == ["not_permitted"] * 3
    assert stored(engine, "holiday_years", "2026") is None
    assert engine.scalar("SELECT count(*) FROM changes WHERE table_name = 'holiday_years'") == 0


def test_a_supervisor_who_signed_in_changes_the_holiday_table(
    client: TestClient, engine: Engine
) -> None:
    headers = token_for(engine, "win-1", DeviceKind.WINDOW)
    row = {"day": "2026-12-31", "kind": "holiday", "name": "测试"}
    signed = wire(
        "win-1", "holidays", "2026-12-31", row, actor=SUPERVISOR, sign_with=supervisor_key()
    )
    assert push(client, headers, "win-1", signed)["refused"] == []
    assert stored(engine, "holidays", "2026-12-31") == row


def test_a_signature_for_one_op_does_not_carry_another(client: TestClient, engine: Engine) -> None:
    headers = token_for(engine, "win-1", DeviceKind.WINDOW)
    signed = wire(
        "win-1", "holidays", "2026-12-31", {"day": "2026-12-31", "kind": "holiday"},
        actor=SUPERVISOR, sign_with=supervisor_key(),
    )  # fmt: skip
    signed["payload"] = {"day": "2026-12-31", "kind": "workday"}
    assert refused_codes(push(client, headers, "win-1", signed)) == ["not_permitted"]


def test_a_kiosk_cannot_switch_a_queue_category_off(client: TestClient, engine: Engine) -> None:
    headers = token_for(engine, "kiosk-1", DeviceKind.KIOSK)
    off = {"code": "A", "name": "企业开办", "windows": "1,2,3", "sort": 1, "active": 0,
           "updated_at": "2026-11-27T10:00:00.000+08:00"}  # fmt: skip
    answer = push(client, headers, "kiosk-1", wire("kiosk-1", "queue_categories", "A", off))
    assert refused_codes(answer) == ["not_permitted"]
    assert stored(engine, "queue_categories", "A") is None


def test_a_clerk_who_edited_her_role_locally_gains_nothing(
    client: TestClient, engine: Engine
) -> None:
    """UPDATE staff SET role='supervisor' in her own counter.db: the central reads her
    role from its own records, and her audit entry claiming otherwise is refused."""
    headers = token_for(engine, "win-1", DeviceKind.WINDOW)
    clerk_key = derive_key(CLERK, DEMO_PASSWORD)  # her own password, her own key
    holiday = wire(
        "win-1", "holidays", "2026-12-31", {"day": "2026-12-31", "kind": "holiday"},
        actor=CLERK, sign_with=clerk_key,
    )  # fmt: skip
    entry = audit_entry("win-1", 1, GENESIS, staff=CLERK, role="supervisor")
    audit = wire("win-1", "audit_log", entry["id"], entry, actor=CLERK, kind="insert")
    answer = push(client, headers, "win-1", holiday, audit)
    assert refused_codes(answer) == ["not_permitted", "illegal_change"]
    assert "窗口受理员" in answer["refused"][0]["reason"]
    assert "中心登记为窗口受理员" in answer["refused"][1]["reason"]


def audit_entry(
    device: str, seq: int, prev: str, staff: str = "", role: str = ""
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": f"{device}-audit-{seq}",
        "seq": seq,
        "device_id": device,
        "at": "2026-11-27T10:00:00.000+08:00",
        "staff_id": staff,
        "staff_name": "",
        "role": role,
        "window": "1",
        "action": "session",
        "target": "x",
        "detail": "{}",
        "prev_hash": prev,
    }
    row["hash"] = entry_hash(row)
    return row


def test_a_device_cannot_forge_or_sabotage_another_devices_audit_chain(
    client: TestClient, engine: Engine
) -> None:
    victim = token_for(engine, "victim", DeviceKind.WINDOW, "1")
    attacker = token_for(engine, "attacker", DeviceKind.KIOSK)
    first = audit_entry("victim", 1, GENESIS)
    push(client, victim, "victim", wire("victim", "audit_log", first["id"], first, kind="insert"))
    # Chained onto the victim's last hash (read from a pull), and a careless one too.
    forged = audit_entry("victim", 2, first["hash"])
    careless = {**audit_entry("victim", 2, "0" * 64), "id": "victim-audit-x"}
    answer = push(
        client,
        attacker,
        "attacker",
        wire("attacker", "audit_log", forged["id"], forged, kind="insert"),
        wire("attacker", "audit_log", careless["id"], careless, kind="insert"),
    )
    assert refused_codes(answer) == ["illegal_change", "illegal_change"]
    reports = {r.device_id: r for r in verify_devices(engine)}
    assert reports["victim"].ok and reports["victim"].entries == 1
    assert "attacker" not in reports
    assert [(d, e) for d, e, _ in refused_entries(engine)] == [
        ("attacker", forged["id"]),
        ("attacker", careless["id"]),
    ]


def test_a_plain_enrol_code_cannot_re_key_an_enrolled_device(
    client: TestClient, engine: Engine
) -> None:
    victim = token_for(engine, "victim", DeviceKind.WINDOW, "1")
    code = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "9")
    answer = client.post("/v1/enrol", json={"code": code, "device_id": "victim"})
    assert answer.status_code == 403 and answer.json()["code"] == "device_enrolled"
    assert client.get("/v1/pull", headers=victim).status_code == 200
    # The code was not spent on the refusal: it still enrols a new device.
    fresh = client.post("/v1/enrol", json={"code": code, "device_id": "new-pc"})
    assert fresh.status_code == 200 and fresh.json()["window"] == "9"


def test_re_enrolment_needs_a_code_made_for_that_device(client: TestClient, engine: Engine) -> None:
    old = token_for(engine, "pc-1", DeviceKind.WINDOW, "1")
    code = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "1", device_id="pc-1")
    assert client.post("/v1/enrol", json={"code": code, "device_id": "other"}).status_code == 403
    again = client.post("/v1/enrol", json={"code": code, "device_id": "pc-1"})
    assert again.status_code == 200
    assert client.get("/v1/pull", headers=old).status_code == 401


def test_the_code_decides_the_kind_and_window_not_the_device(
    client: TestClient, engine: Engine
) -> None:
    code = engine.create_enrol_code(now_ms(), DeviceKind.KIOSK, "")
    answer = client.post("/v1/enrol", json={"code": code, "device_id": "k1", "name": "窗口 1"})
    assert answer.json()["kind"] == "kiosk"
    listed = {d.device_id: d for d in engine.devices()}
    assert listed["k1"].kind is DeviceKind.KIOSK and listed["k1"].window == ""


def test_a_kiosk_pulls_no_personal_data_and_no_password_hash(
    client: TestClient, engine: Engine
) -> None:
    window = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    kiosk = token_for(engine, "kiosk-1", DeviceKind.KIOSK)
    push(client, window, "win-1", wire("win-1", "cases", "case-1", case(), actor=CLERK))
    ticket = {"id": "t-1", "day": "2026-11-27", "category": "A", "number": "A001", "seq": 1,
              "issued_at": "2026-11-27T09:00:00.000+08:00", "state": "等候", "lane": 1,
              "queue_key": 1.0, "updated_at": "2026-11-27T09:00:00.000+08:00",
              "person_id": "350102199001011234", "person_name": "王小明",
              "window": "1"}  # fmt: skip
    push(client, window, "win-1", wire("win-1", "tickets", "t-1", ticket, actor=CLERK))
    page = client.get("/v1/pull", headers=kiosk).json()
    text = json.dumps(page, ensure_ascii=False)
    assert {c["table_name"] for c in page["changes"]} == {"staff", "tickets"}
    for secret in ("350102199001011234", "91350100M000100Y43", "13812345678", "王小明", "$argon2"):
        assert secret not in text
    pulled_ticket = next(c for c in page["changes"] if c["table_name"] == "tickets")
    assert pulled_ticket["payload"]["person_name"] == "王*明"


def test_a_window_gets_password_hashes_only_of_staff_who_sign_in_at_a_window(
    client: TestClient, engine: Engine
) -> None:
    window = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    laptop = token_for(engine, "laptop-1", DeviceKind.LAPTOP)

    def hashed(headers: dict[str, str]) -> set[str]:
        page = client.get("/v1/pull", headers=headers).json()
        return {
            c["payload"]["login"]
            for c in page["changes"]
            if c["table_name"] == "staff" and c["payload"]["password_hash"]
        }

    assert hashed(window) == {"zhangwei", "lina", "zhaolei", "admin"}
    assert hashed(laptop) == {"zhangwei", "wangqiang", "admin"}


def call_body(window: str, staff: str, name: str) -> dict[str, Any]:
    return {
        "window": window,
        "staff_id": staff,
        "staff_name": name,
        "at": "2026-11-27T10:00:00.000+08:00",
        "codes": ["A"],
        "interleave": 3,
    }


def test_a_window_calls_only_as_itself_and_as_the_staff_the_central_knows(
    client: TestClient, engine: Engine
) -> None:
    kiosk = token_for(engine, "kiosk-1", DeviceKind.KIOSK)
    window = token_for(engine, "win-3", DeviceKind.WINDOW, "3")
    assert client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=kiosk).status_code == 200
    # A kiosk's token cannot call at all.
    as_kiosk = client.post("/v1/queue/call-next", json=call_body("5", CLERK, "某"), headers=kiosk)
    assert as_kiosk.status_code == 409 and "取号机" in as_kiosk.json()["reason"]
    # An invented clerk is refused; a real one is served at the device's own window,
    # under the name the central holds, whatever the body says.
    ghost = client.post(
        "/v1/queue/call-next", json=call_body("5", "nobody", "某某"), headers=window
    )
    assert ghost.status_code == 409 and "nobody" in ghost.json()["reason"]
    called = client.post(
        "/v1/queue/call-next", json=call_body("5", CLERK, "冒名者"), headers=window
    ).json()["ticket"]
    assert (called["window"], called["clerk_name"]) == ("3", "李娜")
    finish = {"window": "5", "staff_id": CLERK, "staff_name": "冒名者", "ticket_id": called["id"],
              "action": "finish", "at": "2026-11-27T10:05:00.000+08:00",
              "params": {"services": ["咨询"]}}  # fmt: skip
    other = token_for(engine, "win-5", DeviceKind.WINDOW, "5")
    assert client.post("/v1/queue/act", json=finish, headers=other).status_code == 409
    assert client.post("/v1/queue/act", json=finish, headers=window).status_code == 200


def test_a_clerk_the_central_deactivated_serves_no_more_tickets(
    client: TestClient, engine: Engine
) -> None:
    window = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=window)
    answer = client.post("/v1/queue/call-next", json=call_body("1", CLERK, ""), headers=window)
    assert answer.status_code == 200
    deactivated = {"id": CLERK, "login": "lina", "name": "李娜", "role": "clerk", "active": 0}
    engine.publish("staff", CLERK, deactivated, now_ms())
    finish = {"window": "1", "staff_id": CLERK, "staff_name": "", "action": "finish",
              "ticket_id": answer.json()["ticket"]["id"], "at": "2026-11-27T10:05:00.000+08:00",
              "params": {"services": ["咨询"]}}  # fmt: skip
    refused = client.post("/v1/queue/act", json=finish, headers=window)
    assert refused.status_code == 409 and "停用" in refused.json()["reason"]


def test_a_window_enrolled_without_a_window_number_is_told_to_enrol_again(
    client: TestClient, engine: Engine
) -> None:
    """A counter enrolled before codes named windows cannot pick its window per request."""
    code = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "")
    old = engine.enrol(code, "old-pc", "", now_ms()).token
    headers = {"Authorization": f"Bearer {old}"}
    client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=headers)
    answer = client.post("/v1/queue/call-next", json=call_body("7", CLERK, ""), headers=headers)
    assert answer.status_code == 409
    assert "--device old-pc --window" in answer.json()["reason"]


def test_a_case_row_missing_what_every_counter_needs_is_refused_and_never_sent_down(
    client: TestClient, engine: Engine
) -> None:
    headers = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    broken = {k: v for k, v in case().items() if k not in ("state", "window")}
    answer = push(client, headers, "win-1", wire("win-1", "cases", "case-1", broken, actor=CLERK))
    assert refused_codes(answer) == ["invalid"]
    assert "缺少必填字段" in answer["refused"][0]["reason"]
    assert engine.scalar("SELECT count(*) FROM changes WHERE table_name = 'cases'") == 0


def test_a_material_of_a_case_the_hall_does_not_have_is_refused(
    client: TestClient, engine: Engine
) -> None:
    headers = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    material = {"case_id": "no-such-case", "material_id": "m1", "position": 1, "name": "营业执照",
                "form": "原件", "status": "原件", "copies_required": 1, "required": 1,
                "rongque": 0, "updated_at": "2026-11-27T10:00:00.000+08:00"}  # fmt: skip
    op = wire("win-1", "case_materials", "no-such-case/m1", material, actor=CLERK)
    answer = push(client, headers, "win-1", op)
    assert refused_codes(answer) == ["invalid"]
    assert "no-such-case" in answer["refused"][0]["reason"]
    assert engine.scalar("SELECT count(*) FROM changes WHERE table_name = 'case_materials'") == 0


def test_a_forged_base_cannot_slip_a_change_of_another_windows_case_through_a_merge(
    client: TestClient, engine: Engine
) -> None:
    mine = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    theirs = token_for(engine, "win-2", DeviceKind.WINDOW, "2")
    push(client, mine, "win-1", wire("win-1", "cases", "case-1", case(), actor=CLERK))
    forged = wire("win-2", "cases", "case-1", case(applicant_phone="13900000000"), actor=CLERK)
    forged["base"] = {"applicant_phone": "13900000000"}  # "it was already this"
    answer = push(client, theirs, "win-2", forged)
    assert refused_codes(answer) == ["illegal_change"]
    assert stored(engine, "cases", "case-1") == case()


def missed(device_id: str, **over: Any) -> dict[str, Any]:
    row = {"id": "job-1", "number": "A017", "station": "东门取号机", "cause": "缺纸",
           "at": "2026-11-27T09:00:00.000+08:00", "device_id": device_id}  # fmt: skip
    return {**row, **over}


def test_only_a_kiosk_raises_a_missed_ticket_alert_and_only_in_its_own_name(
    client: TestClient, engine: Engine
) -> None:
    """The guide-desk alert lands on every supervisor's screen: a window PC cannot
    raise one, a kiosk cannot raise one as another kiosk, nor change one once raised."""
    window = token_for(engine, "win-1", DeviceKind.WINDOW, "1")
    kiosk = token_for(engine, "kiosk-1", DeviceKind.KIOSK)
    as_window = push(client, window, "win-1", wire("win-1", "missed_tickets", "job-1",
                                                   missed("win-1"), kind="insert"))  # fmt: skip
    assert refused_codes(as_window) == ["not_permitted"]
    as_other = push(client, kiosk, "kiosk-1", wire("kiosk-1", "missed_tickets", "job-1",
                                                   missed("kiosk-2"), kind="insert"))  # fmt: skip
    assert refused_codes(as_other) == ["illegal_change"]
    assert "另一台设备" in as_other["refused"][0]["reason"]
    assert stored(engine, "missed_tickets", "job-1") is None
    own = push(client, kiosk, "kiosk-1", wire("kiosk-1", "missed_tickets", "job-1",
                                              missed("kiosk-1"), kind="insert"))  # fmt: skip
    assert refused_codes(own) == []
    rewrite = push(client, kiosk, "kiosk-1", wire("kiosk-1", "missed_tickets", "job-1",
                                                  missed("kiosk-1", number="A001")))  # fmt: skip
    assert refused_codes(rewrite) == ["not_permitted"]
    assert stored(engine, "missed_tickets", "job-1") == missed("kiosk-1")
