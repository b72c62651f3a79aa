"""A past day's finished print jobs, packed into one row (issue 32).

Once a job's bytes are dropped (``print_retention_days`` after it finished), what is
left of it is its row: who printed what, when, and the recipe a reprint lays it out
from again. A year of a window's notices kept that way was 13 MB per 10k cases and
tickets with the table's indexes, read only when someone reprints an old notice from
its case or a history import sends the 打印记录. So the upkeep (:func:`pack`) moves a
day's finished jobs, once the day is :func:`cutoff_days` behind, into one
``print_day_packs`` row: the rows as the table held them (the recipe as its text, so
the day's recipes compress together), compressed, written only after it reads back the
same. ``print_job_refs`` keeps which days hold a reference's jobs, for the case page's
reprint list; a job is found by its id through the day its UUIDv7 id was made
(``print_service.submit`` makes it from the moment it stamps ``created_at``).

Only finished jobs (printed or cancelled) whose bytes are gone are packed, and none a
reprint in the table names. Nothing writes such a job again; a reprint is a new job
that names it, so the job reprinted goes back into the table first (:func:`take_out`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from counter.model.clock import HALL_TZ
from counter.store import packing

#: Days a finished job stays a row at least (the print queue page lists them).
KEEP_DAYS = 31
_FINISHED = (
    "status IN ('done', 'cancelled') AND payload_dropped_at IS NOT NULL"
    # A job a reprint in the table names stays beside it (the reprint's key names it).
    " AND NOT EXISTS (SELECT 1 FROM print_jobs AS r WHERE r.reprint_of = print_jobs.id)"
)
#: Columns a pack leaves out: the dropped bytes.
_BYTES = ("pdf", "escpos")


def cutoff_day(today: date, retention_days: int) -> str:
    """Jobs made before this day (ISO) may be packed."""
    return date.fromordinal(today.toordinal() - max(KEEP_DAYS, retention_days)).isoformat()


def pack(db: Database, before: str, recipe: Callable[[Any], str], at_most: int | None = 10) -> int:
    """Pack the finished jobs of each day before ``before``, one day per write
    transaction, at most ``at_most`` days (None: all). ``recipe`` turns a stored
    ``source`` into its text. Returns days packed."""

    def oldest() -> str | None:
        found = db.execute(
            "SELECT substr(created_at, 1, 10) FROM print_jobs INDEXED BY print_jobs_created"
            f" WHERE created_at < ? AND {_FINISHED} ORDER BY created_at LIMIT 1",
            [before],
        ).fetchone()
        return None if found is None else str(found[0])

    return packing.day_by_day(db, oldest, lambda day: _pack_day(db, day, recipe), at_most)


def _pack_day(db: Database, day: str, recipe: Callable[[Any], str]) -> None:
    live = packing.read(
        db, "print_jobs", f"created_at >= ? AND created_at < ? AND {_FINISHED}",
        [day, f"{day}~"], "rowid",
    )  # fmt: skip
    keep = [i for i, c in enumerate(live["columns"]) if c not in _BYTES]
    source = live["columns"].index("source")
    rows = [[recipe(v) if i == source else v for i, v in enumerate(r) if i in keep]
            for r in live["rows"]]  # fmt: skip
    columns = [live["columns"][i] for i in keep]
    held = _packed(db, day)
    if held is not None and held["print_jobs"]["columns"] == columns:
        rows = held["print_jobs"]["rows"] + rows
    elif held is not None:  # a later schema changed the table: the pack starts again
        raise RuntimeError(f"print day {day}: its pack has other columns than the table")
    blob = packing.pack({"print_jobs": {"columns": columns, "rows": rows}})
    packing.keep_day(db, "print_day_packs", day, blob)
    references = {r[columns.index("reference")] for r in rows}
    db.conn.executemany(
        "INSERT OR IGNORE INTO print_job_refs (reference, day) VALUES (?, ?)",
        [(ref, day) for ref in sorted(references)],
    )
    ids = [r[live["columns"].index("id")] for r in live["rows"]]
    marks = ", ".join("?" * len(ids))
    db.execute(f"DELETE FROM print_payloads WHERE job_id IN ({marks})", ids)
    db.execute(f"DELETE FROM print_jobs WHERE id IN ({marks})", ids)


def _packed(db: Database, day: str) -> dict[str, packing.Held] | None:
    found = db.execute("SELECT packed FROM print_day_packs WHERE day = ?", [day]).fetchone()
    if found is None:
        return None
    return packing.opened(bytes(found[0]), f"print day {day}")


def day_rows(db: Database, day: str) -> list[dict[str, Any]]:
    """A day's packed jobs (column → value, ``source`` as its text), in the order made."""
    held = _packed(db, day)
    return packing.dicts(held["print_jobs"]) if held is not None else []


def by_id(db: Database, job_id: str) -> dict[str, Any] | None:
    """A packed job, found in the day its id was made."""
    day = _day_of(job_id)
    if day is None:
        return None
    return next((r for r in day_rows(db, day) if r["id"] == job_id), None)


def _day_of(job_id: str) -> str | None:
    try:
        value = uuid.UUID(job_id)
    except ValueError:
        return None
    if value.version != 7:
        return None
    made = datetime.fromtimestamp((value.int >> 80) / 1000, HALL_TZ)  # its first 48 bits
    return made.date().isoformat()


def take_out(db: Database, job_id: str) -> dict[str, Any] | None:
    """Take a packed job out of its day's pack, for the caller to put back in the
    table; None when it is not packed. Inside the caller's transaction."""
    day = _day_of(job_id)
    held = _packed(db, day) if day is not None else None
    if day is None or held is None:
        return None
    table = held["print_jobs"]
    rows = packing.dicts(table)
    found = next((r for r in rows if r["id"] == job_id), None)
    if found is None:
        return None
    left = [r for r in table["rows"] if r[table["columns"].index("id")] != job_id]
    if left:
        blob = packing.pack({"print_jobs": {"columns": table["columns"], "rows": left}})
        db.execute("UPDATE print_day_packs SET packed = ? WHERE day = ?", [blob, day])
    else:
        db.execute("DELETE FROM print_day_packs WHERE day = ?", [day])
    return found


def by_reference(db: Database, reference: str) -> list[dict[str, Any]]:
    """A reference's packed jobs, day by day."""
    days = [str(r[0]) for r in db.execute(
        "SELECT day FROM print_job_refs WHERE reference = ? ORDER BY day", [reference]
    )]  # fmt: skip
    return [r for day in days for r in day_rows(db, day) if r["reference"] == reference]


def all_rows(db: Database) -> Iterator[dict[str, Any]]:
    """Every packed job, day by day in the order made (the history import)."""
    days = [str(r[0]) for r in db.execute("SELECT day FROM print_day_packs ORDER BY day")]
    for day in days:
        yield from day_rows(db, day)
