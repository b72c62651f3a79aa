"""A past day's queue steps and clerk states, packed into one row (issue 32).

Every ticket leaves four steps (``ticket_events``) and every call two clerk states
(``clerk_states``), 10 MB per 10k tickets with their indexes; the queue reads them for
today only (the board's last calls, a window's lane rotation, the day's clerk spans),
and a past day's only for one ticket's history or a history import. So the upkeep
(:func:`pack`) moves each day before the last :data:`KEEP_DAYS` into one
``queue_day_packs`` row: the day's rows as the tables held them, compressed, a tenth of
their size, written only after it reads back the same.

A step or state of a packed day that arrives later (a counter that was offline pushes
its day late, and the pull brings it) lands in the tables as usual; readers of a past
day read the pack (:func:`packed_rows`) and then the tables, and the next :func:`pack`
folds such rows into the day's pack.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlite_utils import Database

from counter.store import packing

#: The tables whose rows a day's pack holds, in the order each was written.
TABLES = ("ticket_events", "clerk_states")
#: Days kept as rows before today's: what the queue reads is today's.
KEEP_DAYS = 7


def pack(db: Database, today: date, at_most: int | None = 10) -> int:
    """Pack each day before the last :data:`KEEP_DAYS` that has rows in the tables, one
    day per write transaction, at most ``at_most`` days (None: all). Returns days packed."""
    before = date.fromordinal(today.toordinal() - KEEP_DAYS).isoformat()

    def oldest() -> str | None:
        found = db.execute(
            "SELECT min(day) FROM (SELECT min(day) AS day FROM ticket_events WHERE day < ?"
            " UNION ALL SELECT min(day) FROM clerk_states WHERE day < ?)",
            [before, before],
        ).fetchone()
        return None if found is None or found[0] is None else str(found[0])

    return packing.day_by_day(db, oldest, lambda day: _pack_day(db, day), at_most)


def _pack_day(db: Database, day: str) -> None:
    held = _packed(db, day) or {t: {"columns": [], "rows": []} for t in TABLES}
    for table in TABLES:
        live = packing.read(db, table, "day = ?", [day], "id")
        if live["rows"]:
            if held[table]["columns"] and held[table]["columns"] != live["columns"]:
                # A later schema changed the table: what was packed is put back first.
                packing.put_back(db, table, held[table])
                live = packing.read(db, table, "day = ?", [day], "id")
            else:
                live = {"columns": live["columns"], "rows": held[table]["rows"] + live["rows"]}
            held[table] = live
    blob = packing.pack(held)  # compared with the rows before they go
    packing.keep_day(db, "queue_day_packs", day, blob)
    for table in TABLES:
        db.execute(f"DELETE FROM [{table}] WHERE day = ?", [day])


def _packed(db: Database, day: str) -> dict[str, packing.Held] | None:
    found = db.execute("SELECT packed FROM queue_day_packs WHERE day = ?", [day]).fetchone()
    if found is None:
        return None
    return packing.opened(bytes(found[0]), f"queue day {day}")


def packed_rows(db: Database, table: str, day: date | str) -> list[dict[str, Any]]:
    """A day's packed rows of ``table`` (column → value) in written order; none when the
    day is not packed. Rows of the day still in the table come after them."""
    held = _packed(db, day if isinstance(day, str) else day.isoformat())
    return packing.dicts(held[table]) if held is not None else []


def all_rows(db: Database, table: str) -> Iterator[dict[str, Any]]:
    """Every packed day's rows of ``table``, day by day (the history import)."""
    days = [str(r[0]) for r in db.execute("SELECT day FROM queue_day_packs ORDER BY day")]
    for day in days:
        held = _packed(db, day)
        if held is not None:
            yield from packing.dicts(held[table])
