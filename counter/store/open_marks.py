"""Was the store closed cleanly last time? A mark beside it for each process that has
it open, so the integrity check runs after an unclean end and not on every start.

Every process that opens the store (the window, and the kiosk, call board or rating
pad that may share its PC and its store) leaves ``counter.db.open-<pid>-<random>``
beside it and holds a lock on that file until it lets go of the store: on a clean
exit (the store's connection closed, or Python's own exit) the mark is deleted. A mark whose lock
nobody holds was left by a process that ended without letting go (a crash, a kill,
the power): the operating system dropped its lock, the file stayed. The next opening
finds it and the store is checked; the mark goes once the check has passed.

Creating one's mark and looking at the others' happen under a short lock of their
own (``counter.db.marks``): a process that has made its mark but not yet locked it
must not look dead to another starting at the same moment. Where the file system
cannot lock (some network shares), :class:`~counter.store.store_lock.StoreLock`
counts every try as held, so every other mark looks left behind and the store is
checked on each opening, as it was before there were marks.
"""

from __future__ import annotations

import atexit
import os
import secrets
from pathlib import Path

from counter.log import store as log
from counter.store.store_lock import StoreLock

MARK = ".open-"
GUARD = ".marks"


class _FileLock(StoreLock):
    """A :class:`StoreLock` on a file of our choosing rather than ``<store>.lock``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = None


#: This process's marks, by store, with how many of its connections hold the store.
_held: dict[Path, tuple[Path, _FileLock, int]] = {}


def _key(store_path: Path) -> Path:
    return Path(store_path).absolute()


def mark_open(store_path: Path) -> list[Path] | None:
    """Leave this process's mark beside the store (or count one more opening of it).

    Returns the marks other processes left behind, if any: the store may not have
    been closed cleanly and is to be checked; they stay until :func:`forget` is told
    the check passed, so a store found damaged is checked again at the next start.
    None says the marks could not be read: check to be safe."""
    key = _key(store_path)
    if key in _held:
        mark, lock, count = _held[key]
        _held[key] = (mark, lock, count + 1)
        return []
    guard = _FileLock(Path(f"{key}{GUARD}"))
    if not guard.acquire(exclusive=True, wait_s=10.0):
        log.warning("the store's marks stayed locked; checking the store to be safe")
        return None
    try:
        left = [other for other in key.parent.glob(f"{key.name}{MARK}*") if _left(other)]
        mark = Path(f"{key}{MARK}{os.getpid()}-{secrets.token_hex(4)}")
        lock = _FileLock(mark)
        lock.acquire(exclusive=True)  # creates it (0600); a failure is logged
        _held[key] = (mark, lock, 1)
    finally:
        guard.release()
    return left


def _left(other: Path) -> bool:
    """Nobody holds this mark's lock: its process ended without letting go."""
    probe = _FileLock(other)
    if not probe.acquire(exclusive=True):
        return False  # its process still runs
    probe.release()
    log.warning("the store was not closed cleanly (%s left behind)", other.name)
    return True


def forget(left: list[Path]) -> None:
    """The store was checked after an unclean end and is sound: the marks go."""
    for other in left:
        try:
            other.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove %s: %s", other, exc)


def release(store_path: Path) -> None:
    """One of this process's connections let go of the store cleanly; with the last,
    its mark goes."""
    key = _key(store_path)
    held = _held.pop(key, None)
    if held is None:
        return
    mark, lock, count = held
    if count > 1:
        _held[key] = (mark, lock, count - 1)
        return
    lock.release()
    try:
        mark.unlink()
    except OSError as exc:
        log.warning("cannot remove %s: %s", mark, exc)


@atexit.register
def _release_all() -> None:
    """Python is exiting normally (not killed, not crashed): whatever connections are
    still open, the store is as SQLite's transactions left it."""
    for key in list(_held):
        _held[key] = (*_held[key][:2], 1)
        release(key)
