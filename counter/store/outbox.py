"""The outbox: every write the central must see, appended in the same transaction.

An op carries a device-made id (UUIDv7, so ids sort by time), the device's next
sequence number and a hybrid-clock reading. Callers must already be inside a write
transaction; :func:`record` refuses otherwise, because an op committed apart from its
change is exactly the lost or phantom write the outbox exists to prevent.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from counter.model.clock import Hlc, iso, to_ms
from counter.model.merge import changed_fields
from counter.store.migrations import SCHEMA_VERSION

# Signing (cryptography, argon2) comes with a signing key: a kiosk or a board records
# ops unsigned and starts without it.
if TYPE_CHECKING:
    from counter.model.staff_key import StaffKey

KINDS = ("insert", "upsert", "delete", "event")


class Unknown(Enum):
    #: The caller did not say what the row was before: the central lets the newer
    #: version win whole, as it did before bases.
    ROW = 0


UNKNOWN = Unknown.ROW
# One encoder for every op: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


class OutsideTransactionError(RuntimeError):
    """A bug: an outbox op written outside the transaction of its change."""


@dataclass(frozen=True, slots=True)
class Op:
    seq: int
    op_id: str
    table_name: str
    row_id: str
    kind: str
    payload: dict[str, Any]
    hlc: str
    schema_version: int
    created_at: str
    state: str = "pending"
    refused_reason: str | None = None
    #: The staff member signed in when the op was made ("" for a station or a worker).
    actor: str = ""
    #: Her signature over the op (counter.model.staff_key), when her session had a key.
    proof: str = ""
    #: For a change to a row this device already held, what each changed field was
    #: before it (counter.model.merge): how the central merges concurrent edits.
    base: dict[str, Any] | None = None


@dataclass(frozen=True)
class Acting:
    """Who is signed in on a store's connection: every op recorded on it names her, and
    carries her signature when her session holds a signing key."""

    staff_id: str
    key: StaffKey | None = None


_acting: weakref.WeakKeyDictionary[Database, Acting] = weakref.WeakKeyDictionary()


def act_as(db: Database, acting: Acting | None) -> None:
    """Name who acts on ``db`` from now on (sign-in), or nobody (sign-out, a station)."""
    if acting is None:
        _acting.pop(db, None)
    else:
        _acting[db] = acting


def acting(db: Database) -> Acting | None:
    return _acting.get(db)


@contextmanager
def acting_as(db: Database, who: Acting) -> Iterator[None]:
    """For one service call: ops recorded inside name ``who``, whoever else is signed
    in on the connection (a supervisor's override at a clerk's window)."""
    before = _acting.get(db)
    _acting[db] = who
    try:
        yield
    finally:
        act_as(db, before)


def uuid7(now_ms: int) -> str:
    """RFC 9562 UUIDv7 from a given time: sortable ids made on the device, offline."""
    rand = int.from_bytes(os.urandom(10), "big")
    value = (now_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    h = f"{value:032x}"  # what str(uuid.UUID(int=value)) gives, without the object
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ensure_device(db: Database, now: datetime) -> str:
    """The device's identity, made once when the store is first created."""
    row = db.execute("SELECT device_id FROM device WHERE id = 1").fetchone()
    if row:
        return str(row[0])
    device_id = uuid7(to_ms(now))
    with db.atomic():
        db.table("device").insert({"id": 1, "device_id": device_id, "created_at": iso(now)})
    return device_id


def device_id(db: Database) -> str:
    row = db.execute("SELECT device_id FROM device WHERE id = 1").fetchone()
    if row is None:
        raise RuntimeError("store has no device identity; open it through the store service")
    return str(row[0])


# The next sequence number, the last clock reading and how far this PC's clock is off
# the central's. The last reading is the newest op still waiting in the outbox, else
# what the device row keeps (the clock as it was when acked ops left the outbox, moved
# on by what was pulled since). Refused ops do not count: nobody else ever saw their
# clock, and a clock once far too fast must not hold every later op at its reading.
# Reading them so, rather than updating the device row on every write, keeps a write
# with its op to the pages the op itself touches (see checkpoint()).
_NEXT = (
    "SELECT max(next_seq, coalesce((SELECT max(seq) FROM outbox), 0) + 1),"
    " max(hlc, coalesce((SELECT hlc FROM outbox WHERE state = 'pending'"
    " ORDER BY seq DESC LIMIT 1), '')),"
    " coalesce((SELECT clock_offset_ms FROM sync_state WHERE id = 1), 0)"
    " FROM device WHERE id = 1"
)


def checkpoint(db: Database) -> None:
    """Keep the device's next sequence and clock before acked ops leave the outbox: once
    they are gone the device row is the only memory of them. Call in the transaction
    that deletes them, after marking what was refused."""
    db.conn.execute(
        "UPDATE device SET"
        " next_seq = max(next_seq, coalesce((SELECT max(seq) FROM outbox), 0) + 1),"
        " hlc = max(hlc, coalesce((SELECT hlc FROM outbox WHERE state = 'pending'"
        " ORDER BY seq DESC LIMIT 1), ''))"
        " WHERE id = 1"
    )


def clock(db: Database) -> Hlc:
    """The device's clock as its next op will read it (before the tick)."""
    last = db.execute(_NEXT).fetchone()[1]
    return Hlc.decode(last) if last else Hlc(0)


def advance_clock(db: Database, seen: Hlc, now_ms: int) -> None:
    """Move the device's clock past a reading it has seen (a pulled change): its next op
    orders after everything it has seen, however slow this PC's clock is."""
    moved = clock(db).receive(seen, now_ms).encode()
    db.conn.execute("UPDATE device SET hlc = max(hlc, ?) WHERE id = 1", [moved])


def lower_clock(db: Database, ceiling: Hlc) -> None:
    """Bring a clock that ran ahead of what the central accepts back to its bound. Safe:
    every reading the central ever accepted or sent down is below the bound, so no op
    this device made or saw orders after a new one (counter.sync.protocol
    MAX_CLOCK_AHEAD_MS)."""
    db.conn.execute("UPDATE device SET hlc = min(hlc, ?) WHERE id = 1", [ceiling.encode()])


def prior(db: Database, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """A row as it is before a change: what :func:`record` takes as ``before``."""
    where = " AND ".join(f"[{name}] = ?" for name in key)
    cursor = db.execute(f"SELECT * FROM [{table}] WHERE {where}", list(key.values()))
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def write_row(
    db: Database,
    table: str,
    row: dict[str, Any],
    pk: str,
    now: datetime,
    *,
    kind: str = "upsert",
) -> Op:
    """A whole synced row and its op, in the caller's transaction: the row as it was
    (for an upsert, so the central can merge a change made at another window meanwhile),
    then the row, then the op. Every store that keeps a synced row whole writes it here."""
    before = prior(db, table, {pk: row[pk]}) if kind == "upsert" else None
    db.table(table).upsert(row, pk=pk)
    return record(
        db, table=table, row_id=str(row[pk]), kind=kind, payload=row, now=now, before=before
    )


def table_columns(db: Database, table: str) -> tuple[str, ...]:
    """The columns of a local table, in order; () when this store has no such table."""
    if not db[table].exists():
        return ()
    return tuple(db[table].columns_dict)


def record(
    db: Database,
    *,
    table: str,
    row_id: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    before: dict[str, Any] | Unknown | None = UNKNOWN,
) -> Op:
    """Append one op for a change made in the current transaction.

    ``before`` is the row as it was before the change (:func:`prior`), or None for a
    row this device did not hold: an upsert then carries what it changed, so the
    central can merge it with another window's change made at the same time.
    """
    if not db.conn.in_transaction:
        raise OutsideTransactionError("outbox.record() must run inside the change's transaction")
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    seq, last, offset = db.conn.execute(_NEXT).fetchone()
    now_ms = to_ms(now)
    # In the central's time when this PC's clock is known to be off: a window whose
    # clock is ten minutes slow still orders its edit after one made a minute earlier.
    hlc = Hlc.decode(last).tick(now_ms + offset).encode()
    text = _encode(payload)
    base = None
    if kind == "upsert" and not isinstance(before, Unknown):
        base = changed_fields(before or {}, payload)
    who = _acting.get(db)
    actor = who.staff_id if who else ""
    proof = ""
    if who is not None and who.key is not None:
        from counter.model.staff_key import op_message

        # Signed as the central will read it back: the payload after its JSON trip.
        message = op_message(device_id(db), seq, table, row_id, kind, json.loads(text), hlc, actor)
        proof = who.key.sign(message)
    op = Op(
        seq=seq,
        op_id=uuid7(now_ms),
        table_name=table,
        row_id=row_id,
        kind=kind,
        payload=payload,
        hlc=hlc,
        schema_version=SCHEMA_VERSION,
        created_at=iso(now),
        actor=actor,
        proof=proof,
        base=base,
    )
    db.conn.execute(
        "INSERT INTO outbox (seq, op_id, table_name, row_id, kind, payload, hlc,"
        " schema_version, created_at, actor, proof, base)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            op.seq,
            op.op_id,
            op.table_name,
            op.row_id,
            op.kind,
            text,
            op.hlc,
            op.schema_version,
            op.created_at,
            actor,
            proof,
            None if base is None else _encode(base),
        ],
    )
    return op


def _op(row: tuple[Any, ...]) -> Op:
    return Op(
        seq=row[0],
        op_id=row[1],
        table_name=row[2],
        row_id=row[3],
        kind=row[4],
        payload=json.loads(row[5]),
        hlc=row[6],
        schema_version=row[7],
        created_at=row[8],
        state=row[9],
        refused_reason=row[10],
        actor=row[11],
        proof=row[12],
        base=None if row[13] is None else json.loads(row[13]),
    )


_COLUMNS = (
    "seq, op_id, table_name, row_id, kind, payload, hlc, schema_version, created_at,"
    " state, refused_reason, actor, proof, base"
)


def pending(db: Database, limit: int = 500) -> list[Op]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?", [limit]
    ).fetchall()
    return [_op(r) for r in rows]


def refused(db: Database) -> list[Op]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state = 'refused' ORDER BY seq"
    ).fetchall()
    return [_op(r) for r in rows]


def pending_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])
