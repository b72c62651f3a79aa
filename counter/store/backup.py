"""Backing up and restoring the local store with SQLite's online backup API.

The backup API copies a consistent snapshot page by page while the counter keeps
working (a plain file copy of a WAL database can catch it half-written). A restore
refuses anything that is not a Counter store, or is one from a newer Counter, or is
damaged, and keeps the file it replaces aside rather than overwriting it.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from counter.model.errors import CounterError
from counter.store.migrations import SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(CounterError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _copy(source: sqlite3.Connection, dest_path: Path) -> None:
    """Copy into a temporary file first, so a failed copy never leaves a half file at dest."""
    partial = dest_path.with_name(dest_path.name + ".partial")
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(partial)
    try:
        source.backup(dest, pages=256)
        dest.execute("PRAGMA journal_mode = DELETE")
        result = dest.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dest.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份结果未通过完整性检查（{result}）")
    os.replace(partial, dest_path)


def backup(store_path: Path, dest_path: Path) -> Path:
    """A consistent copy of the store at ``dest_path`` (a folder gets a dated file name)."""
    dest_path = Path(dest_path)
    if dest_path.is_dir():
        dest_path = dest_path / f"counter-{datetime.now():%Y%m%d-%H%M%S}.db"
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{Path(store_path).as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        _copy(source, dest_path)
    finally:
        source.close()
    return dest_path


def check_backup(path: Path) -> int:
    """Refuse a file that is not a Counter store, is from a newer Counter, or is damaged."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}")
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} 不是 SQLite 数据库，不能用来恢复")
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"device", "outbox", "_sqlite_migrations"} <= tables:
            raise BackupError(f"{path} 不是 Counter 的数据文件，不能用来恢复")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise BackupError(
                f"{path} 来自较新版本的 Counter（数据结构版本 {version}，"
                f"本程序支持到 {SCHEMA_VERSION}），请先升级 Counter"
            )
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"{path} 已损坏（{result}），不能用来恢复")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 已损坏（{exc}），不能用来恢复") from None
    finally:
        conn.close()
    return version


def restore(backup_path: Path, store_path: Path, now: datetime) -> Path | None:
    """Put the backup in the store's place; the old store is kept aside and returned.

    Run with Counter closed: the open store's connections would not see the swap.
    """
    check_backup(backup_path)
    store_path = Path(store_path)
    kept: Path | None = None
    if store_path.exists():
        conn = sqlite3.connect(store_path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        kept = store_path.with_name(f"{store_path.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        os.replace(store_path, kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{store_path}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(f"{Path(backup_path).as_uri()}?mode=ro", uri=True)
    try:
        _copy(source, store_path)
    finally:
        source.close()
    return kept


def pending_restore_path(store_path: Path) -> Path:
    """Where the supervisor's menu leaves a chosen backup for the next start."""
    return Path(store_path).with_name(f"{Path(store_path).name}.pending-restore")


def stage_restore(backup_path: Path, store_path: Path) -> Path:
    """Check the backup and copy it beside the store, to be put in place on next start.

    The running app holds the store open, so swapping the file under it is unsafe; the
    swap happens in :func:`apply_pending_restore` before the store is opened again.
    """
    check_backup(backup_path)
    pending = pending_restore_path(store_path)
    source = sqlite3.connect(f"{Path(backup_path).as_uri()}?mode=ro", uri=True)
    try:
        _copy(source, pending)
    finally:
        source.close()
    return pending


def apply_pending_restore(store_path: Path, now: datetime) -> Path | None:
    """On start, before the store is opened: put a staged backup in the store's place.

    Returns where the old store was kept aside (``counter.db.before-restore-*``), or
    None when no restore was waiting.
    """
    pending = pending_restore_path(store_path)
    if not pending.exists():
        return None
    kept = restore(pending, store_path, now)
    pending.unlink()
    return kept
