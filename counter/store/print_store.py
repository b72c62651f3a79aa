"""Print jobs in the store: the spool survives a crash, a reboot and a dead printer.

Listing never loads the document bytes; :func:`payload` fetches them for the one job
being printed. The bytes are dropped once a job is finished and kept long enough
(:func:`drop_payloads`, issue 32); the row and the recipe (``source``) stay.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from counter.model.clock import iso, parse_iso
from counter.model.print_job import (
    DocumentKind,
    JobStatus,
    MissedTicket,
    PrintJob,
    PrintPayload,
)
from counter.store import outbox, print_packs
from counter.store.recipe_dictionary import DICTIONARY

_COLUMNS = (
    "id, kind, title, reference, target, status, attempts, last_error, next_attempt_at,"
    " staff_id, staff_name, window, created_at, updated_at, printed_at, reprint_of"
)


def _job(row: tuple[Any, ...]) -> PrintJob:
    return PrintJob(
        id=row[0],
        kind=DocumentKind(row[1]),
        title=row[2],
        reference=row[3],
        target=row[4],
        status=JobStatus(row[5]),
        attempts=row[6],
        last_error=row[7],
        next_attempt_at=parse_iso(row[8]),
        staff_id=row[9],
        staff_name=row[10],
        window=row[11],
        created_at=parse_iso(row[12]),
        updated_at=parse_iso(row[13]),
        printed_at=parse_iso(row[14]) if row[14] else None,
        reprint_of=row[15],
    )


def insert(db: Database, job: PrintJob, payload: PrintPayload, *, unmasked: bool) -> None:
    db.execute(
        "INSERT INTO print_jobs (id, kind, title, reference, target, status, attempts,"
        " last_error, next_attempt_at, staff_id, staff_name, window, unmasked, created_at,"
        " updated_at, printed_at, reprint_of, pdf, escpos, source)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, X'', NULL, ?)",
        [
            job.id,
            job.kind.value,
            job.title,
            job.reference,
            job.target,
            job.status.value,
            job.attempts,
            job.last_error,
            iso(job.next_attempt_at),
            job.staff_id,
            job.staff_name,
            job.window,
            int(unmasked),
            iso(job.created_at),
            iso(job.updated_at),
            None,
            job.reprint_of,
            _pack(payload.source),
        ],
    )
    db.execute(
        "INSERT INTO print_payloads (job_id, pdf, escpos) VALUES (?, ?, ?)",
        [job.id, payload.pdf, payload.escpos],
    )


_COLUMN_NAMES = tuple(c.strip() for c in _COLUMNS.split(","))


def _packed_job(row: dict[str, Any]) -> PrintJob:
    return _job(tuple(row[c] for c in _COLUMN_NAMES))


def get(db: Database, job_id: str) -> PrintJob | None:
    """A job, from the table or, once its day is packed, from the pack (print_packs)."""
    row = db.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE id = ?", [job_id]).fetchone()
    if row is not None:
        return _job(row)
    packed = print_packs.by_id(db, job_id)
    return _packed_job(packed) if packed is not None else None


def log_entry(job: PrintJob, printed_at: datetime, unmasked: bool) -> dict[str, Any]:
    """What the central's 打印记录 (``print_log``) keeps of a printed job: the event the
    spool records as it prints, and what a history import sends for a job printed
    before the counter was enrolled (counter.sync.history)."""
    return {
        "job_id": job.id,
        "document": job.kind.value,
        "title": job.title,
        "reference": job.reference,
        "target": job.target,
        "attempts": job.attempts,
        "staff_id": job.staff_id,
        "staff_name": job.staff_name,
        "window": job.window,
        "submitted_at": iso(job.created_at),
        "printed_at": iso(printed_at),
        "reprint_of": job.reprint_of,
        "unmasked": unmasked,
    }


def printed_log(db: Database) -> Iterator[dict[str, Any]]:
    """The 打印记录 of every printed job, in the order they were made, read a page at a
    time (a year's kiosk is hundreds of thousands)."""
    cursor = db.execute(
        f"SELECT {_COLUMNS}, unmasked FROM print_jobs WHERE status = 'done'"
        " AND printed_at IS NOT NULL ORDER BY rowid"
    )
    for packed in print_packs.all_rows(db):  # the older days first, as they were made
        job = _packed_job(packed)
        if job.status is JobStatus.DONE and job.printed_at is not None:
            yield log_entry(job, job.printed_at, bool(packed["unmasked"]))
    while rows := cursor.fetchmany(2000):
        for row in rows:
            job = _job(row[:-1])
            assert job.printed_at is not None
            yield log_entry(job, job.printed_at, bool(row[-1]))


def unmasked(db: Database, job_id: str) -> bool:
    row = db.execute("SELECT unmasked FROM print_jobs WHERE id = ?", [job_id]).fetchone()
    if row is not None:
        return bool(row[0])
    packed = print_packs.by_id(db, job_id)
    return bool(packed and packed["unmasked"])


def payload(db: Database, job_id: str) -> PrintPayload | None:
    """The job's bytes and recipe; None when there is no such job or its bytes were
    dropped (:func:`source` then still has the recipe)."""
    row = db.execute(
        "SELECT j.title, coalesce(p.pdf, j.pdf), coalesce(p.escpos, j.escpos), j.source,"
        " j.payload_dropped_at FROM print_jobs AS j"
        " LEFT JOIN print_payloads AS p ON p.job_id = j.id WHERE j.id = ?",
        [job_id],
    ).fetchone()
    if row is None or row[4] is not None:
        return None
    return PrintPayload(row[0], bytes(row[1]), bytes(row[2]) if row[2] else None, _unpack(row[3]))


def source(db: Database, job_id: str) -> str:
    """What the job's bytes were made from ("" for a job from before recipes)."""
    row = db.execute("SELECT source FROM print_jobs WHERE id = ?", [job_id]).fetchone()
    if row is not None:
        return _unpack(row[0])
    packed = print_packs.by_id(db, job_id)
    return str(packed["source"] or "") if packed is not None else ""


def unpack_job(db: Database, job_id: str) -> None:
    """Put a packed job back in the table (a reprint is about to name it)."""
    row = print_packs.take_out(db, job_id)
    if row is None:
        return
    values = {**row, "source": _pack(str(row["source"] or "")), "pdf": b"", "escpos": None}
    names = list(values)
    db.execute(
        f"INSERT INTO print_jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values[c] for c in names],
    )


def pack_days(db: Database, before: str, at_most: int | None = 10) -> int:
    """Pack the finished jobs of the days before ``before`` (print_packs.pack), each
    recipe as its text."""
    return print_packs.pack(db, before, _unpack, at_most)


def _pack(recipe: str) -> bytes | None:
    """Recipes are kept for every document a window prints: deflated with the preset
    dictionary of typical recipes (counter.store.recipe_dictionary), about a fifth of
    their size (plain deflate: a half)."""
    if not recipe:
        return None
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)
    return packer.compress(recipe.encode("utf-8")) + packer.flush()


#: Every dictionary recipes were ever packed with, by the checksum a packed recipe
#: names it by (RFC 1950's DICTID).
_DICTIONARIES = {zlib.adler32(DICTIONARY): DICTIONARY}


def _unpack(stored: bytes | None) -> str:
    """A recipe as stored: with the dictionary its header names, or none (those packed
    before dictionaries)."""
    if not stored:
        return ""
    try:
        if stored[1] & 0x20:  # FDICT
            named = int.from_bytes(stored[2:6], "big")
            unpacker = zlib.decompressobj(zdict=_DICTIONARIES[named])
        else:
            unpacker = zlib.decompressobj()
        text = unpacker.decompress(stored) + unpacker.flush()
        return text.decode("utf-8") if unpacker.eof else ""  # cut short: damaged
    except (IndexError, KeyError, zlib.error, UnicodeDecodeError):
        # Damaged: as a job without a recipe, whose reprint says it cannot be made
        # again (PrintService.reprint) rather than failing.
        return ""


def drop_payloads(db: Database, cutoff: datetime, now: datetime, limit: int) -> int:
    """Drop the bytes of at most ``limit`` finished jobs (printed or cancelled): those
    last touched before ``cutoff``, and a kiosk's tickets at once (worth printing only
    while the visitor stands there, :data:`counter.model.print_job.KIOSK_TICKET_TTL`).
    The row, its recipe and its times stay. Reads the partial index of finished jobs
    still holding bytes (m0021): a few days' worth, whatever the history. Returns how
    many were dropped; the caller commits each batch on its own."""
    ids = _ids(
        db,
        # Named: without statistics the planner took print_jobs_due and walked
        # every finished job ever printed.
        "SELECT id FROM print_jobs INDEXED BY print_jobs_payload_kept"
        " WHERE payload_dropped_at IS NULL"
        " AND status IN ('done', 'cancelled')"
        " AND (updated_at < ? OR (kind = 'ticket' AND staff_id LIKE 'station:%'))"
        " LIMIT ?",
        [iso(cutoff), limit],
    )
    if not ids:
        return 0
    marks = _drop_bytes(db, ids)
    # A job from before print_payloads holds its bytes in its own row.
    db.execute(
        "UPDATE print_jobs SET pdf = CASE WHEN length(pdf) > 0 THEN X'' ELSE pdf END,"
        f" escpos = NULL, payload_dropped_at = ? WHERE id IN ({marks})",
        [iso(now), *ids],
    )
    return len(ids)


def forget_station_tickets(db: Database, cutoff: datetime, limit: int) -> int:
    """Delete at most ``limit`` of a kiosk's ticket jobs finished (printed or cancelled)
    before ``cutoff``: row and recipe. A queue slip is worth printing only while its
    visitor stands at the kiosk, and its bytes went at once (:func:`drop_payloads`);
    the ticket itself stays in the queue's records, and the audit chain and the
    central's 打印记录 say it printed. A ticket the guide desk reprinted stays, named by
    its reprint. Reads the index of the kiosks' tickets alone (m0028)."""
    ids = _ids(
        db,
        "SELECT id FROM print_jobs AS j INDEXED BY print_jobs_station_tickets"
        " WHERE kind = 'ticket' AND staff_id LIKE 'station:%' AND updated_at < ?"
        " AND status IN ('done', 'cancelled')"
        " AND NOT EXISTS (SELECT 1 FROM print_jobs AS r WHERE r.reprint_of = j.id)"
        " LIMIT ?",
        [iso(cutoff), limit],
    )
    if not ids:
        return 0
    marks = _drop_bytes(db, ids)
    db.execute(f"DELETE FROM print_jobs WHERE id IN ({marks})", ids)
    return len(ids)


def _ids(db: Database, sql: str, args: list[Any]) -> list[str]:
    return [str(r[0]) for r in db.execute(sql, args).fetchall()]


def _drop_bytes(db: Database, ids: list[str]) -> str:
    """Delete the documents' bytes of these jobs; returns the placeholders for ``ids``."""
    marks = ", ".join("?" * len(ids))
    db.execute(f"DELETE FROM print_payloads WHERE job_id IN ({marks})", ids)
    return marks


def payload_bytes(db: Database) -> int:
    """The bytes of documents the store still holds (the store-size figures)."""
    total = 0
    for table in ("print_jobs", "print_payloads"):
        row = db.execute(
            f"SELECT coalesce(sum(length(pdf) + coalesce(length(escpos), 0)), 0) FROM {table}"
        ).fetchone()
        total += int(row[0])
    return total


def recent(db: Database, limit: int = 300) -> list[PrintJob]:
    """Open jobs first (oldest first), then history (newest first)."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs ORDER BY"
        " CASE WHEN status IN ('pending', 'printing') THEN 0 ELSE 1 END,"
        " CASE WHEN status IN ('pending', 'printing') THEN created_at END ASC,"
        " created_at DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [_job(r) for r in rows]


def by_reference(db: Database, reference: str) -> list[PrintJob]:
    """A reference's jobs in the order made, packed days' first."""
    packed = [_packed_job(r) for r in print_packs.by_reference(db, reference)]
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE reference = ? ORDER BY created_at", [reference]
    ).fetchall()
    return sorted([*packed, *(_job(r) for r in rows)], key=lambda j: j.created_at)


def next_due(db: Database, now: datetime) -> PrintJob | None:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, created_at LIMIT 1",
        [iso(now)],
    ).fetchone()
    return _job(row) if row else None


def pending(db: Database) -> list[PrintJob]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE status = 'pending' ORDER BY created_at"
    ).fetchall()
    return [_job(r) for r in rows]


def tickets_since(db: Database, since: datetime) -> list[PrintJob]:
    """Queue tickets submitted since ``since`` that nobody has reprinted, newest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs AS j WHERE kind = 'ticket' AND created_at >= ?"
        " AND NOT EXISTS (SELECT 1 FROM print_jobs AS r WHERE r.reprint_of = j.id)"
        " ORDER BY created_at DESC",
        [iso(since)],
    ).fetchall()
    return [_job(r) for r in rows]


def next_wakeup(db: Database) -> datetime | None:
    row = db.execute(
        "SELECT min(next_attempt_at) FROM print_jobs WHERE status = 'pending'"
    ).fetchone()
    return parse_iso(row[0]) if row and row[0] else None


def update(db: Database, job_id: str, now: datetime, **fields: Any) -> None:
    values = {k: (iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()}
    values["updated_at"] = iso(now)
    assignments = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE print_jobs SET {assignments} WHERE id = ?", [*values.values(), job_id])


def requeue_interrupted(db: Database, now: datetime) -> int:
    """Jobs left 'printing' by a crash go back to the queue (printing twice beats never)."""
    cursor = db.execute(
        "UPDATE print_jobs SET status = 'pending', next_attempt_at = ?, updated_at = ?,"
        " last_error = CASE WHEN last_error = '' THEN '程序在打印中途退出，已重新排队'"
        " ELSE last_error END WHERE status = 'printing'",
        [iso(now), iso(now)],
    )
    return cursor.rowcount


def troubled(db: Database) -> list[PrintJob]:
    """What the status bar shows: open jobs that have failed at least once, and failed
    jobs nobody has reprinted or cancelled yet."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs AS j WHERE (status = 'pending' AND last_error != '')"
        " OR (status = 'failed' AND NOT EXISTS"
        " (SELECT 1 FROM print_jobs AS r WHERE r.reprint_of = j.id))"
        " ORDER BY updated_at DESC"
    ).fetchall()
    return [_job(r) for r in rows]


# --- Kiosk tickets that did not print (synced: every supervisor's window hears) ----------


def record_missed(db: Database, missed: MissedTicket, now: datetime) -> None:
    """In the caller's transaction, once per ticket: the row and its op to the central,
    which hands it to every counter in the hall."""
    row = {
        "id": missed.id,
        "number": missed.number,
        "station": missed.station,
        "cause": missed.cause,
        "at": iso(missed.at),
        "device_id": outbox.device_id(db),
    }
    added = db.execute(
        "INSERT OR IGNORE INTO missed_tickets (id, number, station, cause, at, device_id)"
        " VALUES (:id, :number, :station, :cause, :at, :device_id)",
        row,
    ).rowcount
    if added:
        outbox.record(
            db, table="missed_tickets", row_id=missed.id, kind="insert", payload=row, now=now
        )


def missed_since(db: Database, since: datetime) -> list[MissedTicket]:
    """Every kiosk's missed tickets since ``since``, newest first (through ``at``'s index)."""
    rows = db.execute(
        "SELECT id, number, station, cause, at FROM missed_tickets WHERE at >= ? ORDER BY at DESC",
        [iso(since)],
    ).fetchall()
    return [MissedTicket(r[0], r[1], r[2], r[3], parse_iso(r[4])) for r in rows]
