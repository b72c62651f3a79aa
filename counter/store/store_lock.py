"""Who has the store open: a lock file beside it, so a restore never swaps the file
under a running Counter.

Every Counter process that opens the store (the window, and the kiosk, call board or
rating pad that may share its PC and its store) holds a *shared* lock on
``counter.db.lock`` for as long as it runs; ``counter backup`` and ``counter audit
verify`` hold one while they read. Putting a backup in the store's place takes the
lock *exclusively* and is refused while anyone holds it. SQLite's own locks cannot
tell: an idle Counter holds none, yet its open connections go on writing into the
file that was moved aside, and a write made after such a restore ended up in neither
file (issue 28).

The operating system drops the lock when the process ends, however it ends, so a
crash never leaves the store locked. POSIX: ``flock``; Windows: ``LockFileEx``. Where
the file system cannot lock at all (some network shares), that is logged and the
store is used unlocked, as before.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from counter.log import store as log
from counter.model.errors import StorageError
from counter.store.paths import PRIVATE_FILE, make_private_dir

LOCK_SUFFIX = ".lock"
IN_USE = "Counter 正在使用这份数据，请先退出所有 Counter 窗口再恢复"
RESTORING = "本机数据正在从备份恢复，请等恢复完成后再启动 Counter"

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import ctypes
    import msvcrt
    from ctypes import wintypes

    class _Overlapped(ctypes.Structure):
        _fields_ = [
            ("Internal", ctypes.c_void_p),
            ("InternalHigh", ctypes.c_void_p),
            ("Offset", wintypes.DWORD),
            ("OffsetHigh", wintypes.DWORD),
            ("hEvent", wintypes.HANDLE),
        ]

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _LOCKFILE_FAIL_IMMEDIATELY = 0x1
    _LOCKFILE_EXCLUSIVE_LOCK = 0x2
    _ERROR_LOCK_VIOLATION = 33

    def _try_lock(fd: int, exclusive: bool) -> bool:
        flags = _LOCKFILE_FAIL_IMMEDIATELY | (_LOCKFILE_EXCLUSIVE_LOCK if exclusive else 0)
        handle = wintypes.HANDLE(msvcrt.get_osfhandle(fd))
        if _kernel32.LockFileEx(handle, flags, 0, 1, 0, ctypes.byref(_Overlapped())):
            return True
        error = ctypes.get_last_error()
        if error == _ERROR_LOCK_VIOLATION:
            return False
        raise ctypes.WinError(error)

    def _unlock(fd: int) -> None:
        handle = wintypes.HANDLE(msvcrt.get_osfhandle(fd))
        _kernel32.UnlockFileEx(handle, 0, 1, 0, ctypes.byref(_Overlapped()))

else:
    import fcntl

    def _try_lock(fd: int, exclusive: bool) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class StoreInUse(StorageError):
    """Someone else has the store open (or is restoring it): nothing was changed."""

    def __init__(self, message: str = IN_USE) -> None:
        super().__init__(message, kind="busy")


def lock_path(store_path: Path) -> Path:
    return Path(f"{store_path}{LOCK_SUFFIX}")


class StoreLock:
    """One hold on a store's lock file; shared or exclusive, never both."""

    def __init__(self, store_path: Path) -> None:
        self.path = lock_path(Path(store_path).absolute())
        self.fd: int | None = None

    def acquire(self, *, exclusive: bool, wait_s: float = 0.0) -> bool:
        """True once held; False if another holder kept it for ``wait_s`` seconds.

        A file system that cannot lock counts as held (logged): the store is still
        wanted, as it was before there was a lock."""
        try:
            fd = os.open(
                self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), PRIVATE_FILE
            )
        except OSError as exc:
            log.warning(
                "cannot open the store's lock file %s: %s; going on unlocked", self.path, exc
            )
            return True
        deadline = time.monotonic() + wait_s
        try:
            while not _try_lock(fd, exclusive):
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.1)
        except OSError as exc:
            os.close(fd)
            log.warning("cannot lock %s: %s; going on unlocked", self.path, exc)
            return True
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)


#: The locks this process holds for the rest of its life, by store.
_held: dict[Path, StoreLock] = {}


def hold_while_running(store_path: Path, *, wait_s: float = 30.0) -> None:
    """A shared hold on the store for the rest of this process (the app's lifetime;
    the operating system lets go when it exits). Waits out a restore in progress."""
    key = Path(store_path).absolute()
    if key in _held:
        return
    make_private_dir(key.parent)
    lock = StoreLock(key)
    if not lock.acquire(exclusive=False, wait_s=wait_s):
        raise StoreInUse(RESTORING)
    _held[key] = lock


@contextlib.contextmanager
def shared(store_path: Path, *, wait_s: float = 30.0) -> Iterator[None]:
    """A shared hold while reading the store (a backup, an audit check)."""
    if Path(store_path).absolute() in _held:
        yield
        return
    lock = StoreLock(store_path)
    if not lock.acquire(exclusive=False, wait_s=wait_s):
        raise StoreInUse(RESTORING)
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def exclusive(store_path: Path, message: str = IN_USE) -> Iterator[None]:
    """The store to oneself, to put another file in its place; refused at once with
    ``message`` while any process (this one included) has it open."""
    lock = StoreLock(store_path)
    if not lock.acquire(exclusive=True):
        raise StoreInUse(message)
    try:
        yield
    finally:
        lock.release()
