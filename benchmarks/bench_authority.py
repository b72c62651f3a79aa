"""What the central's check of every op costs a push (counter/central/authority.py).

The same batches are pushed to two fresh centrals in one run, one that authorises each
op and one that skips it (``Engine._authorise``, for this measurement only), straight
through ``Engine.push`` without HTTP so the figure is the check itself:

- a clerk's cases (staff looked up, ownership, the case state machine), then the same
  cases continued at another window (办结): the shared-row rules;
- holiday days signed by the supervisor: an Ed25519 signature checked per op.

    python -m benchmarks.bench_authority [OPS]          # default 10,000 of each
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from counter.central.engine import Engine
from counter.central.sqlite_engine import SqliteEngine
from counter.model.devices import DeviceKind
from counter.model.staff import hash_password
from counter.model.staff_key import derive_key, op_message
from counter.sync.protocol import WireOp

BATCH = 500
PASSWORD = "bench-password"


def now_ms() -> int:
    return int(time.time() * 1000)


def hall(engine: Engine) -> dict[str, str]:
    """Two window counters and the hall's staff; returns each device's token."""
    clerk = {"id": "clerk", "login": "clerk", "name": "李娜", "role": "clerk", "active": 1,
             "password_hash": hash_password(PASSWORD)}  # fmt: skip
    supervisor = {"id": "sup", "login": "sup", "name": "张伟", "role": "supervisor",
                  "active": 1, "sign_key": derive_key("sup", PASSWORD).public}  # fmt: skip
    for row in (clerk, supervisor):
        engine.publish("staff", row["id"], row, now_ms())
    tokens = {}
    for device, window in (("win-1", "1"), ("win-2", "2")):
        code = engine.create_enrol_code(now_ms(), DeviceKind.WINDOW, window)
        tokens[device] = engine.enrol(code, device, "", now_ms()).token
    return tokens


def case(n: int, state: str) -> dict[str, Any]:
    return {"id": f"c{n}", "number": f"N{n}", "state": state, "window": "1",
            "clerk_id": "clerk", "clerk_name": "李娜", "applicant_name": "示范科技有限公司",
            "applicant_phone": "13812345678"}  # fmt: skip


def ops(device: str, first_seq: int, rows: list[tuple[str, str, dict[str, Any], str, bool]]):
    key = derive_key("sup", PASSWORD)
    made = []
    for n, (table, row_id, payload, actor, signed) in enumerate(rows):
        seq = first_seq + n
        hlc = f"{now_ms():015d}-{seq % 1_000_000:06d}"
        proof = ""
        if signed:
            proof = key.sign(op_message(device, seq, table, row_id, "upsert", payload, hlc, actor))
        made.append(WireOp(seq=seq, op_id=f"{device}-{seq}", table_name=table, row_id=row_id,
                           kind="upsert", payload=payload, hlc=hlc, schema_version=12,
                           actor=actor, proof=proof))  # fmt: skip
    return made


def push_all(engine: Engine, device: str, wire: list[WireOp]) -> tuple[float, int]:
    refused = 0
    start = time.perf_counter()
    for at in range(0, len(wire), BATCH):
        refused += len(engine.push(device, wire[at : at + BATCH], now_ms()).refused)
    return len(wire) / (time.perf_counter() - start), refused


def run(count: int, authorise: bool, folder: Path) -> dict[str, tuple[float, int]]:
    engine = SqliteEngine(folder / f"central-{authorise}.db")
    engine.setup()
    engine._authorise = authorise
    hall(engine)
    taken = ops("win-1", 1, [("cases", f"c{n}", case(n, "已受理"), "clerk", False)
                             for n in range(count)])  # fmt: skip
    done = ops("win-2", 1, [("cases", f"c{n}", case(n, "办结（准予）"), "clerk", False)
                            for n in range(count)])  # fmt: skip
    days = ops("win-2", count + 1, [("holidays", f"d{n}", {"day": f"d{n}", "kind": "holiday"},
                                     "sup", True) for n in range(count)])  # fmt: skip
    figures = {
        "cases taken": push_all(engine, "win-1", taken),
        "cases continued at another window": push_all(engine, "win-2", done),
        "signed holiday days": push_all(engine, "win-2", days),
    }
    engine.close()
    return figures


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory(prefix="counter-bench-authority-") as tmp:
        folder = Path(tmp)
        before = run(count, False, folder)
        after = run(count, True, folder)
    print(f"push through Engine.push, SQLite, {count:,} ops each, batches of {BATCH}")
    for name in before:
        (off, _), (on, refused) = before[name], after[name]
        print(f"{name}: unchecked {off:,.0f} ops/s, authorised {on:,.0f} ops/s "
              f"({on / off:.2f}x), refused {refused}")  # fmt: skip


if __name__ == "__main__":
    main()
