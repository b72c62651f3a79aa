"""The gift pack of a 企业开办 case: its lines, delivery, voucher and handovers.

Writes append their outbox op in the caller's transaction, so a handover at window 5
and the readiness set at window 3 meet at the central and at every other window.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from counter.model.cases import Delivery
from counter.model.clock import iso, parse_iso
from counter.model.giftpack_handover import HandoverRecord, LineReadiness, PackLine
from counter.store import outbox


def _write(
    db: Database, table: str, row: dict[str, Any], pk: str, kind: str, now: datetime
) -> None:
    outbox.write_row(db, table, row, pk, now, kind=kind)


def pack(db: Database, case_id: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT case_id, case_number, delivery_method, delivery_address, waybill,"
        " voucher_number, voucher_issued_at, completed_at FROM giftpacks WHERE case_id = ?",
        [case_id],
    ).fetchone()
    if row is None:
        return None
    keys = ("case_id", "case_number", "delivery_method", "delivery_address", "waybill",
            "voucher_number", "voucher_issued_at", "completed_at")  # fmt: skip
    return dict(zip(keys, row, strict=True))


def save_pack(db: Database, row: dict[str, Any], now: datetime) -> None:
    _write(db, "giftpacks", {**row, "updated_at": iso(now)}, "case_id", "upsert", now)


def save_line(db: Database, line: PackLine, now: datetime) -> None:
    row = {
        "id": line.id,
        "case_id": line.case_id,
        "position": line.position,
        "name": line.name,
        "quantity": line.quantity,
        "unit": line.unit,
        "note": line.note,
        "readiness": line.readiness.value,
        "handover_id": line.handover_id,
        "updated_at": iso(now),
    }
    _write(db, "giftpack_lines", row, "id", "upsert", now)


def lines(db: Database, case_id: str) -> list[PackLine]:
    rows = db.execute(
        "SELECT id, case_id, position, name, quantity, unit, readiness, handover_id, note"
        " FROM giftpack_lines WHERE case_id = ? ORDER BY position",
        [case_id],
    ).fetchall()
    return [
        PackLine(r[0], r[1], r[2], r[3], r[4], r[5], LineReadiness(r[6]), r[7], r[8]) for r in rows
    ]


def add_handover(db: Database, record: HandoverRecord, now: datetime) -> None:
    row = {
        "id": record.id,
        "case_id": record.case_id,
        "case_number": record.case_number,
        "line_ids": json.dumps(list(record.line_ids)),
        "names": json.dumps(list(record.names), ensure_ascii=False),
        "method": record.method.value,
        "recipient_kind": record.recipient_kind,
        "recipient_name": record.recipient_name,
        "recipient_id": record.recipient_id,
        "authorisation_id": record.authorisation_id,
        "address": record.address,
        "waybill": record.waybill,
        "staff_id": record.staff_id,
        "staff_name": record.staff_name,
        "window": record.window,
        "at": iso(record.at),
    }
    _write(db, "giftpack_handovers", row, "id", "event", now)


def handovers(db: Database, case_id: str) -> list[HandoverRecord]:
    rows = db.execute(
        "SELECT id, case_id, case_number, line_ids, names, method, recipient_kind,"
        " recipient_name, recipient_id, authorisation_id, address, waybill, staff_id,"
        " staff_name, window, at FROM giftpack_handovers WHERE case_id = ? ORDER BY at",
        [case_id],
    ).fetchall()
    return [_handover(r) for r in rows]


def _handover(r: Sequence[Any]) -> HandoverRecord:
    return HandoverRecord(
        id=r[0],
        case_id=r[1],
        case_number=r[2],
        line_ids=tuple(json.loads(r[3])),
        names=tuple(json.loads(r[4])),
        method=Delivery(r[5]),
        recipient_kind=r[6],
        recipient_name=r[7],
        recipient_id=r[8],
        authorisation_id=r[9],
        address=r[10],
        waybill=r[11],
        staff_id=r[12],
        staff_name=r[13],
        window=r[14],
        at=parse_iso(r[15]),
    )


def month_figures(db: Database, month: str) -> dict[str, int]:
    like = f"{month}%"

    def one(sql: str) -> int:
        return int(db.execute(sql, [like]).fetchone()[0])

    posted = db.execute(
        "SELECT names FROM giftpack_handovers WHERE at LIKE ? AND method = ?",
        [like, Delivery.POST.value],
    ).fetchall()
    return {
        "packs_completed": one("SELECT count(*) FROM giftpacks WHERE completed_at LIKE ?"),
        "handovers": one("SELECT count(*) FROM giftpack_handovers WHERE at LIKE ?"),
        "seal_sets_free": one("SELECT count(*) FROM giftpacks WHERE voucher_issued_at LIKE ?"),
        "items_posted": sum(len(json.loads(r[0])) for r in posted),
    }
