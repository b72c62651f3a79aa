"""The hall's 失信 list in the local store (model/credit.py); every write syncs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlite_utils import Database

from counter.model.clock import iso
from counter.model.credit import CreditEntry
from counter.store import outbox


def entries(db: Database) -> list[CreditEntry]:
    return [
        CreditEntry(id_number, name, reason)
        for id_number, name, reason in db.execute(
            "SELECT id_number, name, reason FROM credit_list ORDER BY name, id_number"
        ).fetchall()
    ]


def find(db: Database, id_numbers: Iterable[str]) -> CreditEntry | None:
    """The first listed party among ``id_numbers`` (already normalised), if any."""
    for id_number in id_numbers:
        if not id_number:
            continue
        row = db.execute(
            "SELECT id_number, name, reason FROM credit_list WHERE id_number = ?", [id_number]
        ).fetchone()
        if row is not None:
            return CreditEntry(*row)
    return None


def save(db: Database, entry: CreditEntry, source: str, now: datetime) -> None:
    row = {
        "id_number": entry.id_number,
        "name": entry.name,
        "reason": entry.reason,
        "source": source,
        "updated_at": iso(now),
    }
    outbox.write_row(db, "credit_list", row, "id_number", now)


def remove(db: Database, id_number: str, now: datetime) -> bool:
    before = outbox.prior(db, "credit_list", {"id_number": id_number})
    cursor = db.execute("DELETE FROM credit_list WHERE id_number = ?", [id_number])
    if not cursor.rowcount:
        return False
    outbox.record(
        db,
        table="credit_list",
        row_id=id_number,
        kind="delete",
        payload={"id_number": id_number},
        now=now,
        before=before,
    )
    return True
