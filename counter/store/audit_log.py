"""The audit log in the local store: appended in the action's own transaction, never changed.

:func:`append` refuses to run outside a transaction, like ``outbox.record``: an entry
committed apart from its action could record what never happened, or miss what did.
SQLite triggers refuse UPDATE and DELETE on the table, the (chain, seq) key refuses a
fork of the chain, and each entry travels to the central as an outbox op.

An entry is what :mod:`counter.model.audit` hashes, but the table keeps it densely
(issue 32: the log was the largest thing a year leaves in the store, 39 MB per 10k
cases and tickets). The device is a small chain number (``audit_chains``), the id and
the hash are their 16 and 32 bytes, and ``prev_hash`` is not stored: it is the hash of
the entry before in the same chain, read back from there (stored only where it is
not: an older store's entry as it was found, evidence kept). Every entry reads back as
exactly the text that was hashed and sent, so the counter and the central verify the
same thing. A value the dense form cannot hold exactly (a hash that is not lowercase
hex, an id that is not a UUID) is kept as its text, so nothing is ever changed on
the way in, not even a forgery.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
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
#: What an entry's row holds, besides its chain, in this order.
_STORED = ("seq", "id", "at", "staff_id", "staff_name", "role", "window", "action",
           "target", "detail", "hash")  # fmt: skip
#: Rows read per query while a chain is walked.
_CHUNK = 2000
# Each entry with the hash of the one before it in its chain (None: that one is missing),
# unless the entry keeps a previous hash of its own.
_SELECT = (
    f"SELECT {', '.join('a.' + c for c in _STORED)},"
    " coalesce(a.prev_hash,"
    " (SELECT p.hash FROM audit_log p WHERE p.chain = a.chain AND p.seq = a.seq - 1)),"
    " c.device_id FROM audit_log a JOIN audit_chains c ON c.no = a.chain"
)


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in person at a window, or a station or the central by name."""

    staff_id: str
    staff_name: str
    role: str
    window: str = ""


def pack_uuid(text: str) -> bytes | str:
    """A UUID's 16 bytes; any other text as it is."""
    try:
        value = uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return text
    return value.bytes if str(value) == text else text


def unpack_uuid(value: bytes | str) -> str:
    return str(uuid.UUID(bytes=value)) if isinstance(value, bytes) else str(value)


def pack_hash(text: str) -> bytes | str:
    """A SHA-256 in lowercase hex as its 32 bytes; any other text as it is."""
    try:
        raw = bytes.fromhex(text)
    except (ValueError, TypeError):
        return text
    return raw if raw.hex() == text else text


def unpack_hash(value: bytes | str) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def chain_of(db: Database, device: str) -> int:
    """The chain number of a device's entries, made the first time it is asked for."""
    found = db.execute("SELECT no FROM audit_chains WHERE device_id = ?", [device]).fetchone()
    if found is not None:
        return int(found[0])
    made = db.execute("INSERT INTO audit_chains (device_id) VALUES (?)", [device])
    return int(made.lastrowid or 0)


def store_entry(db: Database, chain: int, entry: Mapping[str, Any]) -> None:
    """Write one entry as the table keeps it (its ``prev_hash`` is its predecessor's)."""
    values = {**entry, "id": pack_uuid(entry["id"]), "hash": pack_hash(entry["hash"])}
    db.execute(
        f"INSERT INTO audit_log (chain, {', '.join(_STORED)})"
        f" VALUES (?, {', '.join('?' * len(_STORED))})",
        [chain, *(values[c] for c in _STORED)],
    )


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
    chain = chain_of(db, device)
    last = db.execute(
        "SELECT seq, hash FROM audit_log WHERE chain = ? ORDER BY seq DESC LIMIT 1", [chain]
    ).fetchone()
    seq, prev_hash = (int(last[0]) + 1, unpack_hash(last[1])) if last else (1, GENESIS)
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
    store_entry(db, chain, row)
    outbox.record(db, table="audit_log", row_id=row["id"], kind="insert", payload=row, now=now)
    return row


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    stored = dict(zip(_STORED, row, strict=False))
    prev, device = row[len(_STORED)], row[len(_STORED) + 1]
    if prev is None:  # the first entry, or one whose predecessor is missing
        prev = GENESIS if stored["seq"] == 1 else ""
    stored.update(id=unpack_uuid(stored["id"]), hash=unpack_hash(stored["hash"]),
                  device_id=device, prev_hash=unpack_hash(prev))  # fmt: skip
    return {c: stored[c] for c in COLUMNS}


def chain(db: Database, device_id: str | None = None) -> Iterator[dict[str, Any]]:
    """This device's chain (or another's, when given), in order, a page at a time."""
    device = device_id or outbox.device_id(db)
    cursor = db.execute(f"{_SELECT} WHERE c.device_id = ? ORDER BY a.seq", [device])
    while rows := cursor.fetchmany(_CHUNK):
        yield from (_entry(r) for r in rows)


def entries(db: Database, device_id: str | None = None) -> list[dict[str, Any]]:
    """This device's chain (or another's, when given), in order."""
    return list(chain(db, device_id))


def for_target(db: Database, target: str) -> list[dict[str, Any]]:
    """What was logged about one thing. It walks the whole log: nothing on a counter
    asks this but its tests and an IT person at the shell (the central keeps and
    reviews every chain), and an index of targets cost a sixth of the table."""
    rows = db.execute(f"{_SELECT} WHERE a.target = ? ORDER BY c.device_id, a.seq", [target])
    return [_entry(r) for r in rows.fetchall()]


def verify(db: Database) -> list[ChainReport]:
    """Every chain held in this store (normally only this device's)."""
    devices = [r[0] for r in db.execute("SELECT device_id FROM audit_chains ORDER BY no")]
    own = outbox.device_id(db)
    if own not in devices:
        devices.insert(0, own)
    return [verify_chain(d, chain(db, d)) for d in devices]
