"""Opening the counter's local SQLite file safely.

A file from a newer Counter, a corrupt file or something that is not a Counter store
is refused before anything is written to it: the hall's record is never overwritten.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from counter.log import store as log
from counter.model.errors import CounterError
from counter.store.migrations import MIGRATIONS, SCHEMA_VERSION
from counter.store.paths import create_private_file, make_private_dir, tighten

SQLITE_HEADER = b"SQLite format 3\x00"
DB_FILE = "counter.db"


class StoreError(CounterError):
    """The local store cannot be used; the message tells the person what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _inspect(path: Path) -> None:
    """Read-only checks before the file is opened for writing."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise StoreError(
            f"数据文件 {path} 不是 SQLite 数据库，可能已损坏。文件未被改动，请联系信息科。"
        )
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"无法打开数据文件 {path}：{exc}。文件未被改动。") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"数据文件 {path} 来自较新版本的 Counter（数据结构版本 {version}，"
                f"本程序支持到 {SCHEMA_VERSION}）。请升级 Counter；文件未被改动。"
            )
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise StoreError(f"数据文件 {path} 已损坏（{result}）。文件未被改动，请从备份恢复。")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"数据文件 {path} 已损坏（{exc}）。文件未被改动，请从备份恢复。") from None
    finally:
        conn.close()


def connect(path: Path | str) -> Database:
    """A connection for this thread (SQLite connections are not shared across threads)."""
    db = Database(sqlite3.connect(str(path), timeout=30.0))
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _make_private(path: Path) -> None:
    """The store holds personal data and the device token: owner-only on POSIX.

    A new file is created 0600 before SQLite opens it (SQLite gives its ``-wal`` and
    ``-shm`` files the same mode); an existing looser one is tightened and logged.
    """
    make_private_dir(path.parent)
    if create_private_file(path):
        return
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        tighten(part)


def open_store(path: Path | str) -> Database:
    """Open (creating if new) and migrate the store; refuse files it must not touch."""
    path = Path(path)
    if str(path) != ":memory:":
        _make_private(path)
        _inspect(path)
        db = connect(path)
        db.enable_wal()
    else:
        db = Database(memory=True)
        db.execute("PRAGMA foreign_keys = ON")
    try:
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def schema_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database) -> None:
    """Apply pending forward-only migrations; the version number rides in user_version."""
    pending = MIGRATIONS.pending(db)
    if not pending:
        return
    log.info("applying %d migration(s): %s", len(pending), ", ".join(m.name for m in pending))
    MIGRATIONS.apply(db)
    with db.ensure_autocommit_on():
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextlib.contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction that takes SQLite's write lock at once (``BEGIN IMMEDIATE``).

    Read-then-write steps (the next ticket, the next sequence number) must hold the lock
    from their first read, or two processes read the same value. Writes made inside
    through sqlite-utils nest as savepoints.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    else:
        db.conn.commit()
