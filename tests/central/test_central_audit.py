"""The central verifies each device's audit chain from the ops it received."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from central_support import enrol, now_ms
from sqlite_utils import Database

from counter.central.audit import verify_devices
from counter.central.sqlite_engine import SqliteEngine
from counter.model.audit import AuditAction
from counter.store import audit_log, outbox
from counter.store.audit_log import Actor
from counter.store.db import immediate
from counter.sync.protocol import WireOp


def test_each_device_chain_is_verified_and_a_break_is_named(
    db: Database, now: datetime, tmp_path: Path
) -> None:
    for n in range(3):
        with immediate(db):
            audit_log.append(
                db, Actor("s", "李娜", "clerk", "3"), AuditAction.PRINT, f"j{n}", {}, now
            )
    engine = SqliteEngine(tmp_path / "central.db")
    engine.setup()
    device = outbox.device_id(db)
    enrol(engine, device)
    ops = [op for op in outbox.pending(db)]
    wire = [
        WireOp(seq=o.seq, op_id=o.op_id, table_name=o.table_name, row_id=o.row_id, kind=o.kind,
               payload=o.payload, hlc=o.hlc, schema_version=o.schema_version)
        for o in ops
    ]  # fmt: skip
    engine.push(device, wire, now_ms())
    (report,) = verify_devices(engine)
    assert report.ok and report.entries == 3 and report.device_id == device
    with engine._write() as cur:  # a tampered copy at the central
        row = json.loads(
            engine.query("SELECT payload FROM ops WHERE op_id = ?", [wire[-2].op_id])[0][0]
        )
        row["target"] = "changed"
        engine._q(
            cur, "UPDATE ops SET payload = ? WHERE op_id = ?", [json.dumps(row), wire[-2].op_id]
        )
    (report,) = verify_devices(engine)
    assert report.broken_seq == 2
