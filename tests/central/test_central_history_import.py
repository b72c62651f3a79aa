"""A history import (issue 32): a counter that ran alone brings its casework once, as
"import" ops, when its enrol code allowed it; on SQLite and on PostgreSQL.

The central trusts no device: the enrol code is the import's only authority, so each
test but the first plays a device (or a person holding its token) that uses an import
to do what an ordinary push may not: write without permission, after its import
closed, over a row the hall holds, in another window's or device's name, into a
hall-wide table. Each must be refused with a reason, and nothing of it stored.
"""

from __future__ import annotations

import json
from itertools import count
from typing import Any

import pytest
from central_support import now_ms
from fastapi.testclient import TestClient

from counter.central.audit import verify_devices
from counter.central.authority import RULES
from counter.central.cli import main
from counter.central.engine import Engine
from counter.central.history import CLOSED
from counter.model.audit import GENESIS, entry_hash
from counter.model.cases import CaseState
from counter.model.devices import DeviceKind
from counter.sync.history_tables import HISTORY_KINDS
from counter.sync.pinning import split_code
from tests.hall import publish_hall_staff, staff_id

CLERK = staff_id("lina")
_seq: dict[str, count[int]] = {}


@pytest.fixture(autouse=True)
def fresh_devices() -> None:
    _seq.clear()  # each test's devices are new to its central


def enrolled(
    engine: Engine,
    device: str,
    *,
    history: bool,
    kind: DeviceKind = DeviceKind.WINDOW,
    window: str = "1",
) -> dict[str, str]:
    """A new device, enrolled with a code that allows its history or not."""
    code = engine.create_enrol_code(now_ms(), kind, window, history=history)
    granted = engine.enrol(code, device, "", now_ms())
    assert granted.history is history
    return {"Authorization": f"Bearer {granted.token}"}


def wire(
    device: str,
    table: str,
    row_id: str,
    payload: dict[str, Any],
    *,
    kind: str = "import",
    **extra: Any,
) -> dict[str, Any]:
    """One op as the device (or someone holding its token) pushes it."""
    seq = next(_seq.setdefault(device, count(1)))
    return {
        "seq": seq,
        "op_id": f"{device}-{seq}",
        "table_name": table,
        "row_id": row_id,
        "kind": kind,
        "payload": payload,
        "hlc": f"{now_ms():015d}-{seq:06d}",
        "schema_version": 12,
        **extra,
    }


def push(client: TestClient, headers: dict[str, str], device: str, *ops: dict[str, Any]) -> Any:
    answer = client.post("/v1/push", json={"device_id": device, "ops": list(ops)}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused_codes(answer: Any) -> list[str]:
    return [r["code"] for r in answer["refused"]]


def stored(engine: Engine, table: str, row_id: str) -> tuple[str, dict[str, Any], str] | None:
    """(kind, payload, owner) of a row as the central holds it."""
    found = engine.query(
        "SELECT kind, payload, owner FROM rows WHERE table_name = ? AND row_id = ?",
        [table, row_id],
    )
    return (found[0][0], json.loads(found[0][1]), found[0][2]) if found else None


def importing(engine: Engine, device: str) -> bool:
    return bool(engine.scalar("SELECT importing FROM devices WHERE device_id = ?", [device]))


AT = "2025-06-03T10:00:00.000+08:00"
APPLICANT = {
    "id": "a-1",
    "kind": "enterprise",
    "id_number": "91350100M000100Y43",
    "name": "示范科技有限公司",
    "updated_at": AT,
}


def case(**over: Any) -> dict[str, Any]:
    """A case the counter took in and delivered while it ran alone."""
    row = {
        "id": "case-1",
        "number": "20250603-0101-0001",
        "title": "食品经营许可",
        "state": CaseState.DELIVERED.value,
        "applicant_id": "a-1",
        "applicant_kind": "enterprise",
        "applicant_name": "示范科技有限公司",
        "applicant_id_number": "91350100M000100Y43",
        "clerk_id": "local-clerk-7",  # the counter's own staff: unknown to the central
        "clerk_name": "李娜",
        "window": "1",
        "catalog_version": "2025.1",
        "created_at": AT,
        "received_at": AT,
        "updated_at": AT,
    }
    return {**row, **over}


def material(case_id: str = "case-1") -> dict[str, Any]:
    return {"case_id": case_id, "material_id": "m1", "position": 1, "name": "营业执照",
            "form": "原件", "status": "原件", "copies_required": 1, "required": 1,
            "rongque": 0, "updated_at": AT}  # fmt: skip


def event(case_id: str = "case-1", event_id: str = "ev-1") -> dict[str, Any]:
    return {"id": event_id, "case_id": case_id, "action": "出件", "from_state": "办结（准予）",
            "to_state": "已出件", "at": AT, "staff_id": "local-clerk-7", "staff_name": "李娜",
            "window": "1"}  # fmt: skip


def ticket(window: str = "1") -> dict[str, Any]:
    return {"id": "t-1", "day": "2025-06-03", "category": "A", "number": "A001", "seq": 1,
            "issued_at": AT, "state": "已办结", "lane": 1, "queue_key": 1.0, "updated_at": AT,
            "window": window}  # fmt: skip


def clerk_state(window: str) -> dict[str, Any]:
    return {"uid": "cs-1", "staff_id": "local-clerk-7", "staff_name": "李娜", "window": window,
            "state": "在岗", "at": AT, "day": "2025-06-03"}  # fmt: skip


def audit_entry(device: str, seq: int, prev: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": f"{device}-audit-{seq}",
        "seq": seq,
        "device_id": device,
        "at": AT,
        "staff_id": "local-clerk-7",
        "staff_name": "李娜",
        "role": "clerk",
        "window": "1",
        "action": "decision",
        "target": "case-1",
        "detail": "{}",
        "prev_hash": prev,
    }
    row["hash"] = entry_hash(row)
    return row


def history_of(device: str) -> list[dict[str, Any]]:
    """A window's whole history, parents first, as the counter sends it."""
    entry = audit_entry(device, 1, GENESIS)
    return [
        wire(device, "applicants", "a-1", APPLICANT),
        wire(device, "cases", "case-1", case()),
        wire(device, "case_materials", "case-1/m1", material()),
        wire(device, "case_events", "ev-1", event()),
        wire(device, "tickets", "t-1", ticket()),
        wire(device, "audit_log", entry["id"], entry),
    ]


# -- the import a code allows ------------------------------------------------------------


def test_a_new_window_with_a_history_code_brings_its_casework_and_a_normal_op_closes_it(
    client: TestClient, engine: Engine
) -> None:
    headers = enrolled(engine, "win-1", history=True)
    assert importing(engine, "win-1")
    ops = history_of("win-1")
    answer = push(client, headers, "win-1", *ops)
    assert answer["refused"] == [] and answer["acked"] == [op["op_id"] for op in ops]

    expected = {op["table_name"]: op for op in ops}
    for table, op in expected.items():
        assert stored(engine, table, op["row_id"]) == (HISTORY_KINDS[table], op["payload"], "win-1")
    # The record of what the device sent keeps the op as received.
    assert {r[0] for r in engine.query("SELECT kind FROM ops WHERE device_id = 'win-1'")} == {
        "import"
    }
    page = client.get("/v1/pull", headers=headers).json()
    pulled = {c["table_name"]: c for c in page["changes"]}
    for table, op in expected.items():
        assert (pulled[table]["kind"], pulled[table]["payload"]) == (
            HISTORY_KINDS[table],
            op["payload"],
        )
    # Its imported audit chain is verified with the rest.
    (chain,) = verify_devices(engine)
    assert chain.device_id == "win-1" and chain.ok and chain.entries == 1

    # The first ordinary op: the chain goes on, and the import is over.
    second = audit_entry("win-1", 2, ops[-1]["payload"]["hash"])
    closing = wire("win-1", "audit_log", second["id"], second, kind="insert")
    assert push(client, headers, "win-1", closing)["refused"] == []
    assert not importing(engine, "win-1")
    (chain,) = verify_devices(engine)
    assert chain.ok and chain.entries == 2
    # A retry of the import batch (its answer lost) is answered as before, not refused.
    assert push(client, headers, "win-1", *ops)["acked"] == [op["op_id"] for op in ops]


def test_the_enrol_answer_says_whether_the_code_allows_a_history_import(
    client: TestClient, engine: Engine
) -> None:
    code = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "1", history=True)
    answer = client.post("/v1/enrol", json={"code": code, "device_id": "win-1"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["history"] is True
    plain = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "2")
    answer = client.post("/v1/enrol", json={"code": plain, "device_id": "win-2"})
    assert answer.json()["history"] is False
    listed = {d.device_id: d.importing for d in engine.devices()}
    assert listed == {"win-1": True, "win-2": False}


def test_a_laptop_with_a_history_code_imports_its_cases(client: TestClient, engine: Engine) -> None:
    headers = enrolled(engine, "laptop-1", history=True, kind=DeviceKind.LAPTOP, window="")
    answer = push(
        client,
        headers,
        "laptop-1",
        wire("laptop-1", "applicants", "a-1", APPLICANT),
        wire("laptop-1", "cases", "case-1", case(window="3")),  # a laptop has no window
    )
    assert answer["refused"] == []


def test_the_enrol_code_cli_makes_a_history_code_and_says_so(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{engine.path}" if hasattr(engine, "path") else engine.dsn  # type: ignore[attr-defined]
    main(["enrol-code", "--db", url, "--window", "1", "--history"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert "允许该设备导入单机期间的办件历史" in lines[-1]
    code = split_code(lines[0].split("：")[-1])[0]
    assert engine.enrol(code, "win-1", "", now_ms()).history
    with pytest.raises(SystemExit, match="取号机"):
        main(["enrol-code", "--db", url, "--kind", "kiosk", "--history"])


# -- what an import may not do ------------------------------------------------------------


def test_a_device_enrolled_with_a_plain_code_cannot_import(
    client: TestClient, engine: Engine
) -> None:
    headers = enrolled(engine, "win-1", history=False)
    answer = push(client, headers, "win-1", *history_of("win-1"))
    assert refused_codes(answer) == ["not_permitted"] * 6
    assert CLOSED in answer["refused"][1]["reason"]
    assert engine.scalar("SELECT count(*) FROM rows WHERE owner = 'win-1'") == 0
    assert engine.scalar("SELECT count(*) FROM changes") == 0


def test_an_import_after_the_device_pushed_an_ordinary_op_is_refused_for_good(
    client: TestClient, engine: Engine
) -> None:
    """A counter cannot bring "old" rows later, once it works online: its history went
    first or not at all. Closed within the batch that closed it, and after."""
    headers = enrolled(engine, "win-1", history=True)
    first = audit_entry("win-1", 1, GENESIS)
    answer = push(
        client,
        headers,
        "win-1",
        wire("win-1", "applicants", "a-1", APPLICANT),
        wire("win-1", "audit_log", first["id"], first, kind="insert"),
        wire("win-1", "cases", "case-1", case()),
    )
    assert refused_codes(answer) == ["not_permitted"]
    assert answer["refused"][0]["op_id"] == "win-1-3"
    assert not importing(engine, "win-1")
    later = push(client, headers, "win-1", wire("win-1", "cases", "case-1", case()))
    assert refused_codes(later) == ["not_permitted"]
    assert CLOSED in later["refused"][0]["reason"]
    assert stored(engine, "cases", "case-1") is None


def test_an_import_never_overwrites_a_row_the_hall_holds(
    client: TestClient, engine: Engine
) -> None:
    publish_hall_staff(engine, now_ms())
    engine.publish("applicants", "a-1", APPLICANT, now_ms())
    other = enrolled(engine, "win-2", history=False, window="2")
    theirs = case(window="2", clerk_id=CLERK, state="已受理")
    push(client, other, "win-2", wire("win-2", "cases", "case-1", theirs, kind="upsert",
                                      actor=CLERK))  # fmt: skip
    assert stored(engine, "cases", "case-1") is not None

    headers = enrolled(engine, "win-1", history=True)
    answer = push(
        client,
        headers,
        "win-1",
        wire("win-1", "applicants", "a-1", {**APPLICANT, "name": "改过的名字"}),
        wire("win-1", "cases", "case-1", case(state="终止")),
        # Twice in one batch: the second would overwrite the first.
        wire("win-1", "cases", "case-9", case(id="case-9")),
        wire("win-1", "cases", "case-9", case(id="case-9", title="改过的")),
    )
    assert refused_codes(answer) == ["not_permitted"] * 2
    assert [r["op_id"] for r in answer["refused"]] == ["win-1-2", "win-1-4"]
    assert "导入不能覆盖" in answer["refused"][0]["reason"]
    # The applicant the hall had (ids are made from the ID number or USCC) is taken as
    # the hall's: acked, unchanged, and sent down again for the counter to converge on.
    assert "win-1-1" in answer["acked"]
    assert stored(engine, "applicants", "a-1") == ("upsert", APPLICANT, "central")
    again = engine.query(
        "SELECT payload FROM changes WHERE table_name = 'applicants' AND row_id = 'a-1'"
        " ORDER BY cursor DESC LIMIT 1"
    )
    assert json.loads(again[0][0]) == APPLICANT
    assert stored(engine, "cases", "case-1") == ("upsert", theirs, "win-2")
    assert stored(engine, "cases", "case-9") == ("upsert", case(id="case-9"), "win-1")


def test_a_case_in_another_windows_name_is_refused(client: TestClient, engine: Engine) -> None:
    headers = enrolled(engine, "win-1", history=True, window="1")
    answer = push(
        client,
        headers,
        "win-1",
        wire("win-1", "applicants", "a-1", APPLICANT),
        wire("win-1", "cases", "case-1", case(window="2")),
        wire("win-1", "cases", "case-2", case(id="case-2", state="没有的状态")),
    )
    assert refused_codes(answer) == ["illegal_change", "illegal_change"]
    assert "本机登记为 1 号窗口" in answer["refused"][0]["reason"]
    assert "没有的状态" in answer["refused"][1]["reason"]
    assert stored(engine, "cases", "case-1") is None


def test_a_material_event_or_sub_case_for_another_devices_case_is_refused(
    client: TestClient, engine: Engine
) -> None:
    publish_hall_staff(engine, now_ms())
    engine.publish("applicants", "a-1", APPLICANT, now_ms())
    other = enrolled(engine, "win-2", history=False, window="2")
    theirs = case(id="case-2", window="2", clerk_id=CLERK, state="已受理")
    push(client, other, "win-2", wire("win-2", "cases", "case-2", theirs, kind="upsert",
                                      actor=CLERK))  # fmt: skip

    headers = enrolled(engine, "win-1", history=True, window="1")
    answer = push(
        client,
        headers,
        "win-1",
        wire("win-1", "case_materials", "case-2/m1", material("case-2")),
        wire("win-1", "case_events", "ev-1", event("case-2")),
        wire("win-1", "cases", "case-3", case(id="case-3", parent_id="case-2", position=1)),
    )
    assert refused_codes(answer) == ["illegal_change"] * 3
    assert all("不是本机的办件" in r["reason"] for r in answer["refused"])
    assert stored(engine, "case_materials", "case-2/m1") is None
    assert stored(engine, "case_events", "ev-1") is None
    assert stored(engine, "cases", "case-3") is None


def test_a_material_of_a_case_nobody_has_is_refused(client: TestClient, engine: Engine) -> None:
    headers = enrolled(engine, "win-1", history=True)
    answer = push(client, headers, "win-1", wire("win-1", "case_materials", "nope/m1",
                                                 material("nope")))  # fmt: skip
    assert refused_codes(answer) == ["invalid"]
    assert "nope" in answer["refused"][0]["reason"]


def test_queue_and_clerk_records_of_another_window_are_refused(
    client: TestClient, engine: Engine
) -> None:
    headers = enrolled(engine, "win-1", history=True, window="1")
    answer = push(
        client,
        headers,
        "win-1",
        wire("win-1", "tickets", "t-1", ticket(window="5")),
        wire("win-1", "clerk_states", "cs-1", clerk_state("5")),
    )
    assert refused_codes(answer) == ["illegal_change", "illegal_change"]
    assert all("不能导入 5 号窗口的记录" in r["reason"] for r in answer["refused"])


def test_an_audit_row_in_another_devices_name_is_refused(
    client: TestClient, engine: Engine
) -> None:
    headers = enrolled(engine, "win-1", history=True)
    forged = audit_entry("victim", 1, GENESIS)
    answer = push(client, headers, "win-1", wire("win-1", "audit_log", forged["id"], forged))
    assert refused_codes(answer) == ["illegal_change"]
    assert "另一台设备" in answer["refused"][0]["reason"]
    assert verify_devices(engine) == []


HOLIDAY = {"day": "2025-10-01", "kind": "holiday", "name": "国庆节"}
RATING = {"id": "r-1", "request_id": "req-1", "kind": "case", "reference": "case-1",
          "channel": "pad", "level": 5, "served_at": AT, "rated_at": AT}  # fmt: skip
STAFF = {"id": "boss", "login": "boss", "name": "某某", "role": "admin", "active": 1}


def test_hall_wide_tables_ratings_and_staff_cannot_be_imported(
    client: TestClient, engine: Engine
) -> None:
    """A holiday would move every counter's deadlines, a rating judge the hall's work,
    a staff row make an account: none is a window's own history."""
    headers = enrolled(engine, "win-1", history=True)
    answer = push(
        client,
        headers,
        "win-1",
        wire("win-1", "holidays", "2025-10-01", HOLIDAY),
        wire("win-1", "ratings", "r-1", RATING),
        wire("win-1", "staff", "boss", STAFF),
    )
    assert refused_codes(answer) == ["not_permitted"] * 3
    assert all("不属于单机期间的办件历史" in r["reason"] for r in answer["refused"])
    for table in ("holidays", "ratings", "staff"):
        assert engine.scalar("SELECT count(*) FROM rows WHERE table_name = ?", [table]) == 0
    assert importing(engine, "win-1")  # refused imports do not close it


def test_a_laptop_cannot_import_a_table_its_kind_never_pushes(
    client: TestClient, engine: Engine
) -> None:
    headers = enrolled(engine, "laptop-1", history=True, kind=DeviceKind.LAPTOP, window="")
    answer = push(client, headers, "laptop-1", wire("laptop-1", "tickets", "t-1", ticket()))
    assert refused_codes(answer) == ["not_permitted"]
    assert "帮代办笔记本不能导入" in answer["refused"][0]["reason"]


@pytest.mark.parametrize(
    "extra",
    [{"actor": CLERK}, {"proof": "c2lnbmVk"}, {"base": {"name": "旧名"}}],
    ids=["actor", "proof", "base"],
)
def test_an_import_naming_staff_or_carrying_a_proof_or_base_is_refused(
    client: TestClient, engine: Engine, extra: dict[str, Any]
) -> None:
    """An import is vouched for by the enrol code alone: an actor or a signature would
    claim an authority it does not need (and would be believed nowhere else), a base
    would make it a change of a row the central holds."""
    publish_hall_staff(engine, now_ms())
    headers = enrolled(engine, "win-1", history=True)
    answer = push(client, headers, "win-1", wire("win-1", "applicants", "a-1", APPLICANT, **extra))
    assert refused_codes(answer) == ["not_permitted"]
    assert "登录人员、签名或修改前的值" in answer["refused"][0]["reason"]
    assert stored(engine, "applicants", "a-1") is None


def test_a_re_key_never_opens_an_import_and_closes_one_left_open(
    client: TestClient, engine: Engine
) -> None:
    # Refused where the code is made …
    enrolled(engine, "win-1", history=False)
    with pytest.raises(ValueError, match="重新登记"):
        engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "1", "win-1", history=True)
    # … and, should such a code be in the table all the same, where it is used.
    code = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "1", "win-1")
    engine.execute("UPDATE enrol_codes SET history = 1")
    answer = client.post("/v1/enrol", json={"code": code, "device_id": "win-1"})
    assert answer.status_code == 200 and answer.json()["history"] is False
    assert not importing(engine, "win-1")
    # A history code is for a new device only: an enrolled one is not re-keyed by it.
    history_code = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "1", history=True)
    again = client.post("/v1/enrol", json={"code": history_code, "device_id": "win-1"})
    assert again.status_code == 403 and again.json()["code"] == "device_enrolled"

    # A device re-keyed while its import was still open has it closed.
    enrolled(engine, "win-2", history=True, window="2")
    rekey = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, "2", "win-2")
    token = engine.enrol(rekey, "win-2", "", now_ms()).token
    assert not importing(engine, "win-2")
    headers = {"Authorization": f"Bearer {token}"}
    answer = push(client, headers, "win-2", wire("win-2", "applicants", "a-1", APPLICANT))
    assert refused_codes(answer) == ["not_permitted"]


@pytest.mark.parametrize("kind", [DeviceKind.KIOSK, DeviceKind.BOARD, DeviceKind.PAD])
def test_a_history_code_is_only_for_a_device_that_does_casework(
    engine: Engine, kind: DeviceKind
) -> None:
    window = "1" if kind.has_window else ""
    with pytest.raises(ValueError, match=kind.label):
        engine.create_enrol_code(now_ms(), kind, window, history=True)
    assert engine.scalar("SELECT count(*) FROM enrol_codes") == 0


def test_every_history_table_is_one_a_window_may_push() -> None:
    """The contract's tables (counter.sync.history_tables) each have the central's rule:
    one without would be refused at every import."""
    for table in HISTORY_KINDS:
        assert DeviceKind.WINDOW in RULES[table].kinds, table


def test_a_central_migrated_again_keeps_which_devices_may_import(engine: Engine) -> None:
    """A store whose version record was lost runs every step again (version 0): the
    step that added the columns must neither fail nor reset them."""
    enrolled(engine, "win-1", history=True)
    enrolled(engine, "win-2", history=False, window="2")
    with engine._write() as cur:
        cur.execute("DROP TABLE central_meta")
    engine.setup()
    assert importing(engine, "win-1") and not importing(engine, "win-2")
