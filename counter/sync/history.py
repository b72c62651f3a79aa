"""A counter that ran alone becomes a hall's window: its casework goes up once, as rows.

While a counter has never been enrolled, nobody has seen its sequence numbers and no
central holds its rows, so the ops of its casework (the tables of
:data:`counter.sync.history_tables.HISTORY_KINDS`) are only a second copy of its
tables: the upkeep's compaction drops them (counter.sync.compaction) and the rows stay
the record. At enrolment, in the one transaction that keeps the token
(:func:`counter.sync.client.keep_token`), the counter turns:

- **with the central's permission** (a code made with ``--history``): every row of
  those tables into one ``import`` op, parents first, numbered from 1, and what else
  was waiting after them: the central takes them before anything the counter does
  next, and checks each against its own records (counter.central.history);
- **without it**: nothing; its casework stays on this PC, and what else was waiting
  goes up as it is.

Either way the casework's own ops still waiting are dropped in that transaction: a row
reaches the central once, as its import, or not at all, and every change made after the
transaction is an ordinary op after the imports.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from counter.model.clock import iso, to_ms
from counter.store import audit_log, case_packs, outbox, print_store, queue_packs, sync_state
from counter.store.migrations import SCHEMA_VERSION
from counter.sync.history_tables import HISTORY_KINDS
from counter.sync.row_shapes import SHAPES

#: Rows read per query while the imports are written.
_CHUNK = 2000
#: How each table's rows are read: the order (parents first) and the local columns
#: that never travel (the shapes' own ``local`` columns are left out as well).
_ORDER = {
    # A bundle's parent case before its sub-cases, which name it.
    "cases": "CASE WHEN parent_id IS NULL OR parent_id = id THEN 0 ELSE 1 END, rowid",
    # Kept by its key, without a rowid (store migration 0030).
    "case_materials": "case_id, material_id",
}
_LOCAL = {"tickets": frozenset({"handed_over", "reconciled"})}
#: The imports that are not a row of a counter table of their name: each is read by
#: the store module that writes it, as its own op carries it, and named by ``key``.
_READERS: dict[str, tuple[Callable[[Database], Iterable[dict[str, Any]]], str]] = {
    "print_log": (print_store.printed_log, "job_id"),
    "audit_log": (audit_log.chain, "id"),  # its own chain only, as each entry was hashed
}
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
#: What those rows are, in the supervisor's words.
WHAT = "办件、材料、叫号、打印和审计日志"


@dataclass(frozen=True)
class Imported:
    """What the enrolment's transaction did with the counter's history."""

    imports: int = 0  # rows queued as import ops
    kept: int = 0  # rows left on this PC: the central did not allow an import
    dropped: int = 0  # waiting ops of the casework, now sent (or kept) as rows
    moved: int = 0  # other waiting ops, numbered after the imports

    def note(self) -> str:
        """What the supervisor is told after enrolling, "" when there was no history."""
        if self.imports:
            return f"本机单机期间的 {self.imports:,} 条记录（{WHAT}）已排队上传中心。"
        if self.kept:
            return (
                f"本机单机期间的 {self.kept:,} 条记录（{WHAT}）留在本机，未上传：登记码未允许导入"
                "（如需导入，请信息管理员用 counter-central enrol-code --history 生成登记码）。"
            )
        return ""


def rows_of(db: Database, table: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(row id, payload) of each row of ``table`` as its import carries it: the row as
    the table's own op would, in the order the central needs them."""
    if table in _READERS:
        read, key = _READERS[table]
        for entry in read(db):
            yield str(entry[key]), entry
        return
    shape = SHAPES[table]
    skip = shape.local | _LOCAL.get(table, frozenset())
    order = _ORDER.get(table, "rowid")
    cursor = db.execute(f"SELECT * FROM [{table}] ORDER BY {order}")
    names = [d[0] for d in cursor.description]
    while rows := cursor.fetchmany(_CHUNK):
        for row in rows:
            payload = {k: v for k, v in zip(names, row, strict=True) if k not in skip}
            yield "/".join(str(payload[c]) for c in shape.pk), payload
    # Rows packed by the upkeep (a closed case's, a past day's queue), as the table held them.
    for packs in (case_packs, queue_packs):
        if table in packs.TABLES:
            for packed in packs.all_rows(db, table):
                payload = {k: v for k, v in packed.items() if k not in skip}
                yield "/".join(str(payload[c]) for c in shape.pk), payload


def switch_to_central(db: Database, history: bool, now: datetime) -> Imported:
    """In the enrolment's write transaction, for a counter never enrolled before: drop
    its casework's waiting ops and, when ``history``, queue every row of it as an import
    numbered from 1, with what else was waiting numbered after."""
    tables = list(HISTORY_KINDS)
    marks = ", ".join("?" * len(tables))
    dropped = db.execute(
        f"DELETE FROM outbox WHERE state = 'pending' AND table_name IN ({marks})", tables
    ).rowcount
    rest = [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY seq").fetchall()]
    if not history:
        _renumber(db, rest, 1)
        kept = sum(_count(db, table) for table in tables)
        return Imported(0, kept, dropped, len(rest))
    clock = outbox.clock(db)
    offset = sync_state.clock_offset_ms(db) or 0
    # Out of the way first: the imports take the numbers from 1.
    db.execute("UPDATE outbox SET seq = -seq")
    now_ms = to_ms(now)
    created = iso(now)
    seq = 1
    for table in tables:
        batch: list[tuple[Any, ...]] = []
        for row_id, payload in rows_of(db, table):
            clock = clock.tick(now_ms + offset)
            batch.append((seq, outbox.uuid7(now_ms), table, row_id, "import",
                          _encode(payload), clock.encode(), SCHEMA_VERSION, created))  # fmt: skip
            seq += 1
            if len(batch) >= _CHUNK:
                _insert(db, batch)
                batch = []
        _insert(db, batch)
    imports = seq - 1
    _renumber(db, [-s for s in rest], imports + 1)
    # The next op ticks from the last import's reading, not the older ops moved after it.
    db.execute("UPDATE device SET hlc = max(hlc, ?) WHERE id = 1", [clock.encode()])
    return Imported(imports, 0, dropped, len(rest))


def _count(db: Database, table: str) -> int:
    source = "print_jobs WHERE status = 'done'" if table == "print_log" else f"[{table}]"
    return int(db.execute(f"SELECT count(*) FROM {source}").fetchone()[0])


def _insert(db: Database, batch: list[tuple[Any, ...]]) -> None:
    if batch:
        db.conn.executemany(
            "INSERT INTO outbox (seq, op_id, table_name, row_id, kind, payload, hlc,"
            " schema_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )


def _renumber(db: Database, seqs: list[int], first: int) -> None:
    """Number the ops now at ``seqs`` (in that order) from ``first`` on."""
    order = sorted(seqs, key=abs)
    moves = [(first + n, old) for n, old in enumerate(order) if first + n != old]
    db.conn.executemany("UPDATE outbox SET seq = ? WHERE seq = ?", moves)
    db.execute(
        "UPDATE device SET next_seq = (SELECT coalesce(max(seq), 0) + 1 FROM outbox) WHERE id = 1"
    )
