"""Compacting the outbox of a counter that has never been enrolled (issue 32).

A standalone counter kept every op it ever made for the day it is enrolled with a
central (370 MB per 10k cases and tickets, for ever). What that enrolment needs is the
rows, not every step of them. So while the counter has never been enrolled:

- **the casework's ops go** (the tables of counter.sync.history_tables): their rows
  are the record, and the enrolment sends each row once as an import when the central
  allows it (counter.sync.history);
- **each other row's run of changes becomes one op**: the central applies a row's ops
  in order and keeps the last version.

Then the device sequence is closed up again (the central takes a new device's ops from
1 with no gap, counter.central.engine ``push``).

A run is merged into its **first** op's place, carrying the **last** op's clock, id
and the union of the payloads (later fields win): a row still reaches the central
before anything that names it, with the version it has now. What may not be merged or
dropped is left as it was:

- **events and inserts of record tables**: each is its own row, never changed;
- **a run whose row names other rows than its first op did** (a draft picked up by a
  case made later): merged, it would reach the central before the row it names;
- **deletes** end a run: what comes after is a new row;
- **everything up to the last op on a hall-wide table** (``SIGNED_TABLES``): the
  supervisor's signature covers its sequence number (counter.model.staff_key
  ``op_message``), so no op before it may move. Ops after it are renumbered; their
  signatures are not checked by the central.

The merged op's base (what its fields were before, counter.model.merge) is the first
base each field had in the run, so the central merges it with another window's change
as it would have merged the steps; an op whose base was not known makes the run's
unknown too. The device's clock keeps the last reading, so the next op still orders
after every one kept. Everything happens in one transaction that first checks the
counter is still not enrolled, so an enrolment either sees the outbox before or after,
never half-compacted: every row is delivered, each exactly once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from counter.store.db import immediate
from counter.sync.history_tables import HISTORY_KINDS
from counter.sync.row_shapes import parents

#: Tables whose ops the central accepts only with a supervisor's valid signature, which
#: covers the op's sequence number (counter.central.authority RULES, ``proof=True``; a
#: test keeps the two equal).
SIGNED_TABLES = frozenset(
    {"holidays", "holiday_years", "credit_list", "queue_categories", "sync_conflicts"}
)
#: Payloads read per query while merging.
_CHUNK = 500


@dataclass(frozen=True)
class Compacted:
    merged_rows: int = 0  # runs of two or more ops that became one
    dropped_ops: int = 0
    renumbered: int = 0


@dataclass
class _Op:
    seq: int
    op_id: str
    table: str
    row_id: str
    kind: str
    payload: dict[str, Any]
    hlc: str
    schema_version: int
    created_at: str
    actor: str
    base: dict[str, Any] | None


def never_enrolled(db: Database) -> bool:
    """No central address, token, pull or push ever: nobody has seen a sequence number."""
    row = db.execute(
        "SELECT central_url, device_token, cursor, next_expected_seq, last_push_at"
        " FROM sync_state WHERE id = 1"
    ).fetchone()
    return row is not None and row == ("", "", 0, None, None)


def compact(db: Database) -> Compacted:
    """Compact the outbox in one write transaction, if this counter was never enrolled
    (else nothing). Run by the spool's upkeep now and then, so each run meets mostly
    the ops made since the last."""
    with immediate(db):
        if not never_enrolled(db):
            return Compacted()
        first, last, count = db.execute(
            "SELECT min(seq), max(seq), count(*) FROM outbox"
        ).fetchone()
        if first != 1 or last != count:
            return Compacted()  # not one run from 1: not a history to reason about
        # The last reading stays the device's: a run moved forward carries a later
        # clock than the ops after it.
        db.execute(
            "UPDATE device SET hlc = max(hlc, coalesce((SELECT hlc FROM outbox"
            " ORDER BY seq DESC LIMIT 1), '')) WHERE id = 1"
        )
        fixed = _last_signed(db)
        # The casework's ops: its rows are the record (counter.sync.history).
        tables = list(HISTORY_KINDS)
        dropped: list[int] = [
            r[0]
            for r in db.execute(
                f"SELECT seq FROM outbox WHERE seq > ? AND table_name IN"
                f" ({', '.join('?' * len(tables))})",
                [fixed, *tables],
            )
        ]
        runs = _runs(db, fixed, exclude=tables)
        merged = 0
        for run in runs:
            made = _merge(run)
            if made is None:
                continue
            _rewrite(db, made)
            dropped += [op.seq for op in run[1:]]
            merged += 1
        if not dropped:
            return Compacted()
        dropped.sort()
        for start in range(0, len(dropped), _CHUNK):
            chunk = dropped[start : start + _CHUNK]
            db.execute(f"DELETE FROM outbox WHERE seq IN ({', '.join('?' * len(chunk))})", chunk)
        renumbered = _close_up(db, min(dropped))
        db.execute(
            "UPDATE device SET next_seq = (SELECT coalesce(max(seq), 0) + 1 FROM outbox)"
            " WHERE id = 1"
        )
    return Compacted(merged, len(dropped), renumbered)


def _last_signed(db: Database) -> int:
    names = sorted(SIGNED_TABLES)
    row = db.execute(
        f"SELECT max(seq) FROM outbox WHERE table_name IN ({', '.join('?' * len(names))})",
        names,
    ).fetchone()
    return int(row[0] or 0)


def _runs(db: Database, after: int, exclude: list[str]) -> list[list[_Op]]:
    """Each row's runs of mergeable ops after seq ``after``, two ops or more."""
    db.execute("DROP TABLE IF EXISTS temp.outbox_twice")
    db.execute(
        "CREATE TEMP TABLE outbox_twice (table_name TEXT, row_id TEXT,"
        " PRIMARY KEY (table_name, row_id)) WITHOUT ROWID"
    )
    # Only the small columns at the head of each op are read to find the rows changed
    # more than once; payloads only for those.
    db.execute(
        "INSERT INTO temp.outbox_twice SELECT table_name, row_id FROM outbox"
        " WHERE seq > ? AND state = 'pending'"
        f" AND table_name NOT IN ({', '.join('?' * len(exclude))}) GROUP BY table_name, row_id"
        " HAVING count(*) > 1 AND sum(kind = 'upsert') > 0",
        [after, *exclude],
    )
    cursor = db.execute(
        "SELECT o.seq, o.op_id, o.table_name, o.row_id, o.kind, o.payload, o.hlc,"
        " o.schema_version, o.created_at, o.actor, o.base FROM outbox AS o"
        " JOIN temp.outbox_twice AS t ON t.table_name = o.table_name AND t.row_id = o.row_id"
        " WHERE o.seq > ? AND o.state = 'pending' ORDER BY o.seq",
        [after],
    )
    by_row: dict[tuple[str, str], list[list[_Op]]] = {}
    for r in cursor.fetchall():
        op = _Op(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8], r[9],
                 None if r[10] is None else json.loads(r[10]))  # fmt: skip
        if op.table in SIGNED_TABLES:
            continue
        runs = by_row.setdefault((op.table, op.row_id), [[]])
        current = runs[-1]
        if op.kind not in ("upsert", "insert"):  # a delete or an event ends the run
            runs.append([])
            continue
        if current and op.kind == "insert":
            current = []
            runs.append(current)
        current.append(op)
    db.execute("DROP TABLE temp.outbox_twice")
    return [run for runs in by_row.values() for run in runs if len(run) > 1]


def _merge(run: list[_Op]) -> _Op | None:
    """The run as one op in its first op's place, or None when it must stay as it is."""
    head, last = run[0], run[-1]
    payload: dict[str, Any] = {}
    for op in run:
        payload.update(op.payload)
    named = parents(head.table, "upsert", head.row_id, payload)
    if named != parents(head.table, head.kind, head.row_id, head.payload):
        return None
    known: dict[str, Any] = {}
    for op in run:
        for key, value in (op.base or {}).items():
            known.setdefault(key, value)
    unknown = any(op.kind == "insert" or op.base is None for op in run)
    base = None if unknown else known
    actor = next((op.actor for op in reversed(run) if op.actor), "")
    return _Op(head.seq, last.op_id, head.table, head.row_id, "upsert", payload, last.hlc,
               last.schema_version, last.created_at, actor, base)  # fmt: skip


_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _rewrite(db: Database, op: _Op) -> None:
    db.execute(
        "UPDATE outbox SET op_id = ?, kind = ?, payload = ?, hlc = ?, schema_version = ?,"
        " created_at = ?, actor = ?, proof = '', base = ? WHERE seq = ?",
        [
            op.op_id,
            op.kind,
            _encode(op.payload),
            op.hlc,
            op.schema_version,
            op.created_at,
            op.actor,
            None if op.base is None else _encode(op.base),
            op.seq,
        ],
    )


def _close_up(db: Database, gap: int) -> int:
    """Renumber the ops after the first gap so the sequence runs on with none. In
    order, each moves down into a number already left free by those before it."""
    seqs = [r[0] for r in db.execute("SELECT seq FROM outbox WHERE seq > ? ORDER BY seq", [gap])]
    moves = [(gap + n, seq) for n, seq in enumerate(seqs) if gap + n != seq]
    for start in range(0, len(moves), _CHUNK):
        db.conn.executemany(
            "UPDATE outbox SET seq = ? WHERE seq = ?", moves[start : start + _CHUNK]
        )
    return len(moves)
