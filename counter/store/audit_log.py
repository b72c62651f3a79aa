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

Entries behind a chain's newest :data:`SEGMENT` are sealed a run at a time
(:func:`seal`, from the store's upkeep): the run's rows, exactly as the table held
them, compressed into one ``audit_sealed`` row, a quarter of their size. Nothing reads
an old entry alone (the chain is walked whole, to verify or to import), so every
reader goes through :func:`chain`, which reads the sealed runs and then the live rows
as one sequence. A segment is as append-only as the log, and the log's trigger lets an
entry go only once a segment holds it; :func:`seal` reads the segment back and
compares it with the rows before it deletes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from counter.log import audit as log
from counter.model.audit import (
    GENESIS,
    HASHED_FIELDS,
    ChainReport,
    canonical,
    entry_hash,
    verify_chain,
)
from counter.model.clock import iso, to_ms
from counter.store import outbox, packing
from counter.store.db import immediate

# A row is what is hashed plus the hash itself.
COLUMNS = (*HASHED_FIELDS, "hash")
#: What an entry's row holds, besides its chain, in this order.
_STORED = ("seq", "id", "at", "staff_id", "staff_name", "role", "window", "action",
           "target", "detail", "hash")  # fmt: skip
#: What a sealed row holds: the stored columns and the previous hash it keeps, if any.
_SEALED = (*_STORED, "prev_hash")
#: Rows read per query while a chain is walked.
_CHUNK = 2000
#: Entries per sealed segment, and how many of a chain's newest stay live rows.
SEGMENT = 500


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
    last = _tip(db, chain)
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


def _tip(db: Database, chain: int) -> tuple[int, bytes | str] | None:
    """The (seq, hash) of a chain's newest entry: a live row, else a sealed one."""
    live = db.execute(
        "SELECT seq, hash FROM audit_log WHERE chain = ? ORDER BY seq DESC LIMIT 1", [chain]
    ).fetchone()
    if live is not None:
        return int(live[0]), live[1]
    segments = _segments(db, chain, after=0)
    rows = _segment_rows(db, chain, *segments[-1]) if segments else []
    return (int(rows[-1][0]), rows[-1][_STORED.index("hash")]) if rows else None


def _stored(db: Database, chain: int) -> Iterator[tuple[Any, ...]]:
    """A chain's rows as the table keeps them (``_SEALED``), sealed runs first, in order.
    The upkeep may seal a run on another connection between reading the segments and
    the live rows: a live row that does not follow, with a segment newer than those
    read, means that happened, and the new segments are read on from there."""
    seen = after = 0  # the newest segment read; the last entry given
    while True:
        for segment in _segments(db, chain, after=seen):
            seen = segment[0]
            for row in _segment_rows(db, chain, *segment):
                after = int(row[0])
                yield row
        cursor = db.execute(
            f"SELECT {', '.join(_SEALED)} FROM audit_log WHERE chain = ? AND seq > ? ORDER BY seq",
            [chain, after],
        )
        sealed_meanwhile = False
        while not sealed_meanwhile and (rows := cursor.fetchmany(_CHUNK)):
            for row in rows:
                if row[0] != after + 1 and _segments(db, chain, after=seen):
                    sealed_meanwhile = True
                    break
                after = int(row[0])
                yield row
        if not sealed_meanwhile:
            return


def _segments(db: Database, chain: int, after: int) -> list[tuple[int, int, int]]:
    """(first, last, count) of a chain's segments that begin after ``after``, in order."""
    rows = db.execute(
        "SELECT first, last, count FROM audit_sealed WHERE chain = ? AND first > ? ORDER BY first",
        [chain, after],
    ).fetchall()
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


def _segment_rows(
    db: Database, chain: int, first: int, last: int, count: int
) -> list[tuple[Any, ...]]:
    """One segment's rows; none if it does not read back as the segment it says it is
    (evidence of tampering or a damaged disk: its entries read as missing, so verifying
    the chain names the first of them)."""
    (blob,) = db.execute(
        "SELECT entries FROM audit_sealed WHERE chain = ? AND first = ?", [chain, first]
    ).fetchone()
    try:
        rows = unseal(blob)
    except ValueError:
        log.error("audit chain %s: sealed entries %s-%s cannot be read", chain, first, last)
        return []
    if len(rows) != count or not rows or (rows[0][0], rows[-1][0]) != (first, last):
        log.error("audit chain %s: sealed entries %s-%s do not match", chain, first, last)
        return []
    return rows


def _entries(rows: Iterable[tuple[Any, ...]], device: str) -> Iterator[dict[str, Any]]:
    """Entries as they were hashed: each one's previous hash is the one it keeps, else
    the hash of the entry before it (the genesis for the first; empty where it is missing)."""
    before: tuple[int, bytes | str] | None = None
    for row in rows:
        stored = dict(zip(_SEALED, row, strict=True))
        seq = int(stored["seq"])
        prev = stored["prev_hash"]
        if prev is None:
            follows = before is not None and before[0] == seq - 1
            prev = before[1] if before is not None and follows else (GENESIS if seq == 1 else "")
        stored.update(id=unpack_uuid(stored["id"]), hash=unpack_hash(stored["hash"]),
                      device_id=device, prev_hash=unpack_hash(prev))  # fmt: skip
        before = (seq, row[_STORED.index("hash")])
        yield {c: stored[c] for c in COLUMNS}


def chain(db: Database, device_id: str | None = None) -> Iterator[dict[str, Any]]:
    """This device's chain (or another's, when given), in order, a page at a time."""
    device = device_id or outbox.device_id(db)
    found = db.execute("SELECT no FROM audit_chains WHERE device_id = ?", [device]).fetchone()
    if found is not None:
        yield from _entries(_stored(db, int(found[0])), device)


def entries(db: Database, device_id: str | None = None) -> list[dict[str, Any]]:
    """This device's chain (or another's, when given), in order."""
    return list(chain(db, device_id))


def for_target(db: Database, target: str) -> list[dict[str, Any]]:
    """What was logged about one thing. It walks the whole log: nothing on a counter
    asks this but its tests and an IT person at the shell (the central keeps and
    reviews every chain), and an index of targets cost a sixth of the table."""
    devices = [r[0] for r in db.execute("SELECT device_id FROM audit_chains ORDER BY device_id")]
    return [e for d in devices for e in chain(db, d) if e["target"] == target]


def seal_blob(rows: Iterable[tuple[Any, ...]]) -> bytes:
    """Rows (``_SEALED``) as one compressed segment (store.packing), compared with the
    rows before it is given back."""
    return packing.pack({"audit_log": {"columns": list(_SEALED), "rows": [list(r) for r in rows]}})


def unseal(blob: bytes) -> list[tuple[Any, ...]]:
    """A segment's rows; ValueError if it is not one."""
    held = packing.unpack(blob).get("audit_log")
    if held is None or held.get("columns") != list(_SEALED):
        raise ValueError("not a sealed audit segment")
    return [tuple(row) for row in held["rows"]]


def seal(db: Database, at_most: int | None = 20) -> int:
    """Seal whole runs of :data:`SEGMENT` entries behind each chain's newest
    :data:`SEGMENT`, each run in its own write transaction, at most ``at_most`` runs
    (None: all). Returns the entries sealed."""
    sealed = 0
    runs = 0
    for (chain_no,) in db.execute("SELECT no FROM audit_chains ORDER BY no").fetchall():
        while at_most is None or runs < at_most:
            with immediate(db):
                done = _seal_one(db, int(chain_no))
            if not done:
                break
            sealed += done
            runs += 1
    return sealed


def _seal_one(db: Database, chain: int) -> int:
    live = db.execute(  # enough for two segments? (not how many: a year's, once)
        "SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE chain = ? LIMIT ?)",
        [chain, 2 * SEGMENT],
    ).fetchone()
    if live[0] < 2 * SEGMENT:
        return 0
    rows = db.execute(
        f"SELECT {', '.join(_SEALED)} FROM audit_log WHERE chain = ? ORDER BY seq LIMIT ?",
        [chain, SEGMENT],
    ).fetchall()
    rows = [tuple(r) for r in rows]
    blob = seal_blob(rows)  # read back and compared: never delete what it would not give
    if unseal(blob) != rows:  # and the bytes come back as bytes
        raise RuntimeError(f"audit chain {chain}: a sealed segment does not read back")
    first, last = rows[0][0], rows[-1][0]
    db.execute(
        "INSERT INTO audit_sealed (chain, first, last, count, entries) VALUES (?, ?, ?, ?, ?)",
        [chain, first, last, len(rows), blob],
    )
    db.execute(
        "DELETE FROM audit_log WHERE chain = ? AND seq BETWEEN ? AND ?", [chain, first, last]
    )
    return len(rows)


def verify(db: Database) -> list[ChainReport]:
    """Every chain held in this store (normally only this device's)."""
    devices = [r[0] for r in db.execute("SELECT device_id FROM audit_chains ORDER BY no")]
    own = outbox.device_id(db)
    if own not in devices:
        devices.insert(0, own)
    return [verify_chain(d, chain(db, d)) for d in devices]
