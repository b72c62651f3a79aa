"""A closed case's events and materials, packed once nobody works on it (issue 32).

A case's events and its checklist were half of what a year leaves in a counter's store
(36 MB per 10k cases and tickets with their indexes), all of it kept for cases nobody
touches again. Once a case is closed and has not changed for :func:`cutoff`'s days,
the upkeep (:func:`pack`) moves its event and material rows into one ``case_packs``
row: the rows as the tables held them, JSON, compressed with a dictionary of what such
rows look like (``case_pack_dicts``, made once from the store's own first cases), an
eleventh of their size. The rows leave their tables only after the pack has been read
back and compared with them, in the same transaction.

A case is either packed or in the tables, never half: everything that writes a case's
events or materials unpacks it first (:func:`unpack`; ``cases_store``, and the sync
client before it applies pulled rows), so the packed rows are simply the case's rows.
Readers go through :func:`rows` (``cases_store.events``, ``materials``,
``overrides_of_person``, the history import). The statistics read two things by SQL
across cases, and a pack keeps both beside it: when a case was finished
(``case_pack_marks``, the events of :data:`MARKED_ACTIONS`) and the earliest date a 容缺
promise still open was due (``promised_open``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from counter.model.cases import Action, CaseState
from counter.model.clock import iso
from counter.model.intake import MaterialStatus
from counter.store import packing
from counter.store.db import immediate

#: The tables whose rows a pack holds, each read back in this order.
TABLES: dict[str, str] = {"case_events": "rowid", "case_materials": "position, material_id"}
#: The events the statistics find finished cases by (ratings_store.case_rows).
MARKED_ACTIONS = (Action.APPROVE.value, Action.DENY.value)
#: A closed case is packed once it has not changed for this many days, and never while
#: a rating of its hand-over may still be made from its events (ratings_service).
PACK_AFTER_DAYS = 90
#: Cases packed per transaction.
BATCH = 100
#: What a dictionary is made from: this many cases' rows, its last 32 KB (zlib's limit).
_SAMPLE_CASES = 64
_CLOSED = tuple(s.value for s in CaseState if s.closed)
_PROMISED = MaterialStatus.PROMISED.value


def cutoff(now: datetime, rating_days: int) -> datetime:
    """Cases unchanged since before this moment may be packed."""
    return now - timedelta(days=max(PACK_AFTER_DAYS, rating_days + 1))


def pack(db: Database, before: datetime, now: datetime, at_most: int | None = 20) -> int:
    """Pack closed cases unchanged since ``before``, :data:`BATCH` per write
    transaction, at most ``at_most`` transactions (None: all). Returns cases packed.
    The candidates are found before any write: on a store packed for the first time
    that reads every case's events once, and a window's writes do not wait on it."""
    limit = BATCH * at_most if at_most is not None else -1
    candidates = _candidates(db, before, limit)
    packed = 0
    for start in range(0, len(candidates), BATCH):
        with immediate(db):
            ids = _still_packable(db, candidates[start : start + BATCH], before)
            if ids:
                dict_no, zdict = _dictionary(db, ids)
                for case_id in ids:
                    _pack_one(db, case_id, dict_no, zdict, now)
        packed += len(ids)
    return packed


def _candidates(db: Database, before: datetime, limit: int) -> list[str]:
    """Closed cases unchanged since ``before`` that still have rows in the tables (at
    most ``limit``; -1: all). Once the history is packed, the tables hold about a
    season's cases, so this reads the work in hand, not the history."""
    marks = ", ".join("?" * len(_CLOSED))
    rows = db.execute(
        "SELECT c.id FROM cases c WHERE c.id IN (SELECT DISTINCT case_id FROM case_events"
        " UNION SELECT DISTINCT case_id FROM case_materials)"
        f" AND c.state IN ({marks}) AND c.updated_at < ? LIMIT ?",
        [*_CLOSED, iso(before), limit],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _still_packable(db: Database, ids: list[str], before: datetime) -> list[str]:
    """Those of ``ids`` still closed, unchanged and not packed, inside the write (a
    window may have acted on one since they were found)."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    closed = ", ".join("?" * len(_CLOSED))
    rows = db.execute(
        f"SELECT id FROM cases WHERE id IN ({marks}) AND state IN ({closed}) AND updated_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM case_packs p WHERE p.case_id = cases.id)",
        [*ids, *_CLOSED, iso(before)],
    ).fetchall()
    return sorted(str(r[0]) for r in rows)


def _read(db: Database, case_id: str) -> dict[str, packing.Held]:
    """A case's rows in the tables, as a pack holds them."""
    return {t: packing.read(db, t, "case_id = ?", [case_id], order) for t, order in TABLES.items()}


def _dictionary(db: Database, sample_ids: list[str]) -> tuple[int, bytes]:
    """The store's dictionary, made the first time from the cases about to be packed:
    what recurs in a case's rows (column names, actions, states, staff, materials)."""
    found = db.execute("SELECT no, zdict FROM case_pack_dicts ORDER BY no DESC LIMIT 1").fetchone()
    if found is not None:
        return int(found[0]), bytes(found[1])
    sample = b"".join(packing.plain(_read(db, c)) for c in sample_ids[:_SAMPLE_CASES])
    zdict = sample[-32768:]
    made = db.execute("INSERT INTO case_pack_dicts (zdict) VALUES (?)", [zdict])
    return int(made.lastrowid or 0), zdict


def _pack_one(db: Database, case_id: str, dict_no: int, zdict: bytes, now: datetime) -> None:
    held = _read(db, case_id)
    blob = packing.pack(held, zdict)  # compared with the rows before they go
    db.execute(
        "INSERT INTO case_packs (case_id, dict_no, packed_at, promised_open, packed)"
        " VALUES (?, ?, ?, ?, ?)",
        [case_id, dict_no, iso(now), _promised_open(held["case_materials"]), blob],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO case_pack_marks (action, at, case_id) VALUES (?, ?, ?)",
        [(e["action"], e["at"], case_id) for e in packing.dicts(held["case_events"])
         if e["action"] in MARKED_ACTIONS],
    )  # fmt: skip
    for table in TABLES:
        db.execute(f"DELETE FROM [{table}] WHERE case_id = ?", [case_id])


def _promised_open(materials: dict[str, Any]) -> str | None:
    dues = [m["promised_due"] for m in packing.dicts(materials)
            if m["status"] == _PROMISED and m["promised_due"]]  # fmt: skip
    return min(dues) if dues else None


def _held(db: Database, case_id: str) -> dict[str, packing.Held] | None:
    """A packed case's rows by table, or None when the case is not packed."""
    found = db.execute(
        "SELECT p.packed, d.zdict FROM case_packs p JOIN case_pack_dicts d ON d.no = p.dict_no"
        " WHERE p.case_id = ?",
        [case_id],
    ).fetchone()
    if found is None:
        return None
    return packing.opened(bytes(found[0]), f"case {case_id}", bytes(found[1]))


def rows(db: Database, table: str, case_id: str) -> list[dict[str, Any]]:
    """A case's packed rows of ``table`` (column → value), in the order they were kept;
    none when the case is not packed."""
    held = _held(db, case_id)
    return packing.dicts(held[table]) if held is not None else []


def is_packed(db: Database, case_id: str) -> bool:
    found = db.execute("SELECT 1 FROM case_packs WHERE case_id = ?", [case_id]).fetchone()
    return found is not None


def unpack(db: Database, case_ids: Iterable[str]) -> int:
    """Put packed cases' rows back in their tables, before anything writes to them.
    Inside the caller's transaction. Returns how many cases were packed."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return 0
    marks = ", ".join("?" * len(wanted))
    packed = [
        r[0]
        for r in db.execute(f"SELECT case_id FROM case_packs WHERE case_id IN ({marks})", wanted)
    ]
    for case_id in packed:
        held = _held(db, case_id)
        assert held is not None
        for table in TABLES:
            packing.put_back(db, table, held[table])
        db.execute("DELETE FROM case_pack_marks WHERE case_id = ?", [case_id])
        db.execute("DELETE FROM case_packs WHERE case_id = ?", [case_id])
    return len(packed)


def all_rows(db: Database, table: str) -> Iterator[dict[str, Any]]:
    """Every packed case's rows of ``table``, case by case (the history import)."""
    cursor = db.execute("SELECT case_id FROM case_packs ORDER BY case_id")
    while ids := cursor.fetchmany(200):
        for (case_id,) in ids:
            yield from rows(db, table, str(case_id))
