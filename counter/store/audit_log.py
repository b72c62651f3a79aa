"""The audit log in the local store: appended in the action's own transaction, never changed.

:func:`append` refuses to run outside a transaction, like ``outbox.record``: an entry
committed apart from its action could record what never happened, or miss what did.
SQLite triggers refuse UPDATE and DELETE on the table, the UNIQUE (device_id, seq)
key refuses a fork of the chain, and each entry travels to the central as an outbox op.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from counter.model.audit import (
    GENESIS,
    HASHED_FIELDS,
    ChainReport,
    canonical,
    entry_hash,
    verify_chain,
)
from counter.model.clock import iso, to_ms
from counter.store import outbox

# A row is what is hashed plus the hash itself.
COLUMNS = (*HASHED_FIELDS, "hash")


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in person at a window, or a station or the central by name."""

    staff_id: str
    staff_name: str
    role: str
    window: str = ""


def append(
    db: Database,
    actor: Actor,
    action: str,
    target: str,
    detail: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Add one entry to this device's chain, inside the caller's transaction."""
    if not db.conn.in_transaction:
        raise outbox.OutsideTransactionError("audit_log.append() must run inside the action")
    device = outbox.device_id(db)
    last = db.execute(
        "SELECT seq, hash FROM audit_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1",
        [device],
    ).fetchone()
    seq, prev_hash = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    row: dict[str, Any] = {
        "id": outbox.uuid7(to_ms(now)),
        "seq": seq,
        "device_id": device,
        "at": iso(now),
        "staff_id": actor.staff_id,
        "staff_name": actor.staff_name,
        "role": actor.role,
        "window": actor.window,
        "action": str(action),
        "target": target,
        "detail": canonical(dict(detail)),
        "prev_hash": prev_hash,
    }
    row["hash"] = entry_hash(row)
    db.execute(
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        [row[c] for c in COLUMNS],
    )
    outbox.record(db, table="audit_log", row_id=row["id"], kind="insert", payload=row, now=now)
    return row


def entries(db: Database, device_id: str | None = None) -> list[dict[str, Any]]:
    """This device's chain (or another's, when given), in order."""
    device = device_id or outbox.device_id(db)
    rows = db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE device_id = ? ORDER BY seq",
        [device],
    ).fetchall()
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def for_target(db: Database, target: str) -> list[dict[str, Any]]:
    rows = db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE target = ? ORDER BY device_id, seq",
        [target],
    ).fetchall()
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def verify(db: Database) -> list[ChainReport]:
    """Every chain held in this store (normally only this device's)."""
    devices = [r[0] for r in db.execute("SELECT DISTINCT device_id FROM audit_log")]
    own = outbox.device_id(db)
    if own not in devices:
        devices.insert(0, own)
    return [verify_chain(d, entries(db, d)) for d in devices]
