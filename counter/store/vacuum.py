"""Giving freed pages back to the disk, a little at a time (issue 32).

Dropping print payloads and compacting the outbox free pages inside the file; SQLite
keeps them for reuse and the file never shrinks. With ``auto_vacuum = INCREMENTAL``
``PRAGMA incremental_vacuum(N)`` hands back up to N free pages in a short write, so the
spool's upkeep can return them in steps without the exclusive lock a ``VACUUM`` holds
for the whole file.

The mode is written in the file's header and only a ``VACUUM`` changes it on a store
that already has tables (sqlite.org/pragma.html#pragma_auto_vacuum). That ``VACUUM``
rewrites every live page: a moment on a new or small store, done by the upkeep itself
(:func:`make_incremental`, only when the live data is below a bound); on a large one it
belongs with a maintenance step that may hold the store alone: ``counter compact``
(:func:`rewrite`, which calls the same function without the bound).
"""

from __future__ import annotations

from sqlite_utils import Database

NONE, FULL, INCREMENTAL = 0, 1, 2
#: Pages handed back per step: 8 MB at SQLite's default 4 KB page.
STEP_PAGES = 2048
#: The upkeep switches a store to incremental itself while its live data is this small
#: (a VACUUM of 64 MB is well under a second on a slow disk).
SMALL_STORE_BYTES = 64 * 1024 * 1024


def mode(db: Database) -> int:
    return int(db.execute("PRAGMA auto_vacuum").fetchone()[0])


def live_bytes(db: Database) -> int:
    """What a VACUUM would write: the pages in use."""
    pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    free = int(db.execute("PRAGMA freelist_count").fetchone()[0])
    size = int(db.execute("PRAGMA page_size").fetchone()[0])
    return (pages - free) * size


def free_pages(db: Database) -> int:
    return int(db.execute("PRAGMA freelist_count").fetchone()[0])


def make_incremental(db: Database, *, at_most: int | None = SMALL_STORE_BYTES) -> bool:
    """Switch the store to incremental vacuum, with the one ``VACUUM`` that takes: True
    when it is (or already was) incremental. Refused (False) when its live data is
    above ``at_most`` bytes (None: no bound, for a maintenance step). Must run outside
    any transaction; another connection's open write makes it fail, which is left to
    the next try."""
    if mode(db) == INCREMENTAL:
        return True
    if at_most is not None and live_bytes(db) > at_most:
        return False
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("VACUUM")
    return mode(db) == INCREMENTAL


def rewrite(db: Database) -> tuple[int, int]:
    """The maintenance step's one full ``VACUUM`` (``counter compact``): switches the
    store to incremental vacuum whatever its size and rewrites every live page, so the
    pages compaction left half empty are packed too, which handing back free pages
    alone cannot do. Holds the whole file while it runs, so only with the store to
    oneself. Returns the file's pages before and after (WAL checkpointed)."""
    size = int(db.execute("PRAGMA page_size").fetchone()[0])
    before = int(db.execute("PRAGMA page_count").fetchone()[0])
    if mode(db) == INCREMENTAL:
        db.execute("VACUUM")
    else:
        make_incremental(db, at_most=None)  # its VACUUM packs the pages as well
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    after = int(db.execute("PRAGMA page_count").fetchone()[0])
    return before * size, after * size


def give_back(db: Database, steps: int = 8) -> int:
    """Hand free pages back to the disk, :data:`STEP_PAGES` per write, at most
    ``steps`` writes; returns how many pages went. Nothing on a store not (yet)
    incremental: its free pages are reused by later writes instead."""
    if mode(db) != INCREMENTAL:
        return 0
    before = free_pages(db)
    for _ in range(steps):
        if free_pages(db) == 0:
            break
        db.execute(f"PRAGMA incremental_vacuum({STEP_PAGES})").fetchall()
    return before - free_pages(db)
