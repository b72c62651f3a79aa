"""A store on a full disk, for real rather than by a patched function.

SQLite will not grow a file past ``PRAGMA max_page_count`` and then fails the write
with exactly what a full disk gives: SQLITE_FULL, "database or disk is full". Capping
the file at the pages it has is not enough on its own, since a small write still fits
in the room left inside those pages; so the cap is followed by real work (the
morning's tickets) until the store refuses one, as a disk that filled up during the
day would. The cap belongs to the connection: the test's own store, not the file.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from counter.model.errors import StorageError

#: SQLite's largest page count: the cap taken off again.
NO_CAP = 4294967294


def fill_the_disk(db: Database, write: Callable[[], object], limit: int = 500) -> int:
    """Cap ``db`` at its present size, then repeat ``write`` until the store refuses it
    for a full disk; returns how many went in before."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    for done in range(limit):
        try:
            write()
        except StorageError as exc:
            assert exc.kind == "full", exc
            return done
    raise AssertionError(f"the disk never filled after {limit} writes")


def free_the_disk(db: Database) -> None:
    """IT has cleared the disk: the store may grow again."""
    db.execute(f"PRAGMA max_page_count = {NO_CAP}")


def everything(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in order: equal before and after a failed action
    means the action left nothing half-written anywhere in the store."""
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    ]
    return {t: sorted(db.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}
