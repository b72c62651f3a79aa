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
belongs with a maintenance step that may hold the store alone (a backup, the command
line), which calls the same function without the bound.
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
