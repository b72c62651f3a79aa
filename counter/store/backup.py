"""Backing up and restoring the local store with SQLite's online backup API.

The backup API copies a consistent snapshot page by page while the counter keeps
working (a plain file copy of a WAL database can catch it half-written). A restore
refuses anything that is not a Counter store, or is one from a newer Counter, or is
damaged, and keeps the file it replaces aside rather than overwriting it.

Copies are created 0600 and carry no device token (``sync_state.device_token``, the
counter's bearer token with the central): a lost backup cannot speak for the counter.
A restore therefore leaves the counter to re-enrol, unless the person chooses to keep
the token of the store being replaced and the backup is of this same device.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from counter.log import store as log
from counter.model.case_numbers import device_code
from counter.model.errors import CounterError
from counter.store import db, store_lock
from counter.store.migrations import SCHEMA_VERSION
from counter.store.paths import create_private_file, read_only_uri, tighten

SQLITE_HEADER = b"SQLite format 3\x00"
PENDING_IN_USE = (
    "已选择从备份恢复，但还有 Counter 窗口（如叫号屏、取号机、评价器）在使用这份数据。"
    "请先退出所有 Counter 窗口，再启动 Counter 完成恢复；数据文件未被改动"
)


class BackupError(CounterError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _copy(
    source: sqlite3.Connection,
    dest_path: Path,
    *,
    token: str | None = "",
    central_url: str | None = None,
) -> None:
    """Copy into a temporary file first, so a failed copy never leaves a half file at dest.

    The copy's device token becomes ``token`` ("" blanks it; None leaves it as copied)
    and, when given, its central address ``central_url``.
    """
    partial = dest_path.with_name(dest_path.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)  # 0600 before a page is written; SQLite keeps the mode
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=256)
        finally:
            dest.close()
        result = _finish_copy(partial, token, central_url)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份结果未通过完整性检查（{result}）")
    os.replace(partial, dest_path)


def _finish_copy(partial: Path, token: str | None, central_url: str | None) -> str:
    """On a fresh connection to the copy: leave WAL mode, set the device token, then
    the integrity check; returns its result."""
    conn = sqlite3.connect(partial, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        if token is not None and _has_table(conn, "sync_state"):
            # No journal file is written with the old page, deleted bytes are zeroed,
            # and VACUUM rebuilds the file so no free page or block keeps an old token.
            conn.execute("PRAGMA journal_mode = MEMORY")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("BEGIN")
            conn.execute("UPDATE sync_state SET device_token = ?", [token])
            if central_url is not None:
                conn.execute("UPDATE sync_state SET central_url = ?", [central_url])
            conn.execute("COMMIT")
            conn.execute("VACUUM")
            conn.execute("PRAGMA journal_mode = DELETE")
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name])
    return found.fetchone() is not None


def _read(path: Path, sql: str) -> tuple[str, ...] | None:
    """One row of a store, read only; None when the table or the row is missing."""
    conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=30)
    try:
        row = conn.execute(sql).fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return None if row is None else tuple(str(v or "") for v in row)


def device_id(path: Path) -> str | None:
    """The ``device.device_id`` of a store or backup (None before it has one)."""
    row = _read(path, "SELECT device_id FROM device WHERE id = 1")
    return None if row is None else row[0]


def sync_credentials(path: Path) -> tuple[str, str]:
    """``(central_url, device_token)`` of a store or backup; empty strings when unset."""
    row = _read(path, "SELECT central_url, device_token FROM sync_state WHERE id = 1")
    return ("", "") if row is None else (row[0], row[1])


def _token_to_keep(backup_path: Path, store_path: Path) -> tuple[str | None, str]:
    """The central address and token of the store being replaced, to put back into the
    restored one: only for a backup of this same device (same ``device.device_id``)."""
    if not store_path.exists():
        return None, ""
    current = device_id(store_path)
    restored = device_id(backup_path)
    if current is not None and restored != current:
        raise BackupError(
            f"不能保留设备令牌：备份 {backup_path} 来自另一台设备（设备编号 {restored}），"
            f"而本机是 {current}。设备令牌只属于本机，不能交给另一台设备的数据使用。"
            "请选择不保留令牌再恢复（命令行不加 --keep-token），"
            "恢复后在“数据同步”页面输入中心新发的一次性登记码重新登记。数据文件未被改动。"
        )
    url, token = sync_credentials(store_path)
    if not token:
        return None, ""
    return url, token


def backup_target(dest: str | os.PathLike[str], store_path: Path, now: datetime) -> Path:
    """The file a backup asked for at ``dest`` is written to; nothing is created.

    A folder (one that exists, or any path ending in a separator, as ``/media/usb/``)
    gets a file named with the date and this device's code. The folder must exist:
    a USB stick that is not plugged in is refused, not written as a file named after
    its mount point, and no folder is made in its place.
    """
    text = os.fspath(dest)
    path = Path(text).expanduser().absolute()
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if path.is_dir() or text.endswith(separators):
        folder, name = path, None
    else:
        folder, name = path.parent, path.name
    if not folder.is_dir():
        raise BackupError(
            f"目标文件夹 {folder} 不存在（U 盘是否已插好？）。未备份，没有写入任何文件。"
        )
    if name is None:
        device = device_id(store_path)
        code = f"-{device_code(device)}" if device else ""
        name = f"counter{code}-{now:%Y%m%d-%H%M%S}.db"
    return folder / name


def backup(
    store_path: Path, dest_path: str | os.PathLike[str], now: datetime | None = None
) -> Path:
    """A consistent copy of the store at ``dest_path`` (see :func:`backup_target`)."""
    now = now or datetime.now().astimezone()
    dest_path = backup_target(dest_path, store_path, now)
    source = sqlite3.connect(read_only_uri(store_path), uri=True, timeout=30)
    try:
        _check_source(source, Path(store_path), now)
        _copy(source, dest_path)
    finally:
        source.close()
    return dest_path


def _check_source(source: sqlite3.Connection, store_path: Path, now: datetime) -> None:
    """The store's integrity check before it is copied (the store no longer checks
    itself on every start, :func:`counter.store.db.open_store`): a damaged store is
    not copied over a good backup, and the clerk hears of it. The copy's own check
    cannot tell: VACUUM rebuilds a damaged index in the copy. Recorded in the store
    as its weekly check, unless the store is busy: the backup goes on regardless."""
    try:
        result = db.quick_check(source)
    except sqlite3.DatabaseError as exc:
        result = str(exc)
    try:
        conn = db.connect(store_path)
        try:
            db.record_check(conn, "integrity", result, now)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("cannot record the integrity check before a backup: %s", exc)
    if result != "ok":
        raise BackupError(
            f"本机数据文件已损坏（{result}），未备份：请停止办理并立即联系信息科从备份恢复"
        )


def check_backup(path: Path) -> int:
    """Refuse a file that is not a Counter store, is from a newer Counter, or is damaged."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}")
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} 不是 SQLite 数据库，不能用来恢复")
    conn = sqlite3.connect(read_only_uri(path), uri=True)
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


def restore(
    backup_path: Path, store_path: Path, now: datetime, *, keep_token: bool = False
) -> Path | None:
    """Put the backup in the store's place; the old store is kept aside and returned.

    By default the restored counter must re-enrol: its central address is kept, its
    device token left empty. ``keep_token`` puts back the token (and central address)
    of the store being replaced, and is refused for a backup of another device.
    Refused (:class:`~counter.store.store_lock.StoreInUse`, nothing changed) while
    Counter, or anything else, has the store open: its connections would go on
    writing into the file moved aside.
    """
    check_backup(backup_path)
    store_path = Path(store_path)
    central_url, token = _token_to_keep(Path(backup_path), store_path) if keep_token else (None, "")
    with store_lock.exclusive(store_path):
        return _put_in_place(backup_path, store_path, now, token=token, central_url=central_url)


def _put_in_place(
    backup_path: Path,
    store_path: Path,
    now: datetime,
    *,
    token: str | None,
    central_url: str | None = None,
) -> Path | None:
    kept: Path | None = None
    if store_path.exists():
        conn = sqlite3.connect(store_path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        kept = store_path.with_name(f"{store_path.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        os.replace(store_path, kept)
        tighten(kept)  # it still holds the hall's data and this device's token
        for suffix in ("-wal", "-shm"):
            Path(f"{store_path}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(read_only_uri(backup_path), uri=True)
    try:
        _copy(source, store_path, token=token, central_url=central_url)
    finally:
        source.close()
    return kept


def pending_restore_path(store_path: Path) -> Path:
    """Where the supervisor's menu leaves a chosen backup for the next start."""
    return Path(store_path).with_name(f"{Path(store_path).name}.pending-restore")


def stage_restore(backup_path: Path, store_path: Path, *, keep_token: bool = False) -> Path:
    """Check the backup and copy it beside the store, to be put in place on next start.

    The running app holds the store open, so swapping the file under it is unsafe; the
    swap happens in :func:`apply_pending_restore` before the store is opened again. The
    token choice (see :func:`restore`) is made now and written into the staged copy.
    """
    check_backup(backup_path)
    store_path = Path(store_path)
    central_url, token = _token_to_keep(Path(backup_path), store_path) if keep_token else (None, "")
    pending = pending_restore_path(store_path)
    source = sqlite3.connect(read_only_uri(backup_path), uri=True)
    try:
        _copy(source, pending, token=token, central_url=central_url)
    finally:
        source.close()
    return pending


def apply_pending_restore(store_path: Path, now: datetime) -> Path | None:
    """On start, before the store is opened: put a staged backup in the store's place.

    Returns where the old store was kept aside (``counter.db.before-restore-*``), or
    None when no restore was waiting. The staged copy's token is already as chosen.
    Refused while another Counter (a call board on the same store) still has it open:
    putting the backup in place later would set aside whatever was done meanwhile.
    """
    store_path = Path(store_path)
    pending = pending_restore_path(store_path)
    if not pending.exists():
        return None
    check_backup(pending)
    with store_lock.exclusive(store_path, PENDING_IN_USE):
        kept = _put_in_place(pending, store_path, now, token=None)
        pending.unlink()
    return kept


#: Where the copies taken before a migration go: a folder beside the store, so an
#: upgrade that goes wrong can be rolled back without a USB stick.
BEFORE_MIGRATION_DIR = "backups"
#: How many of them are kept: a store is migrated once per upgrade, and a folder that
#: grows with every upgrade would one day fill the disk it is meant to protect.
BEFORE_MIGRATION_KEEP = 3
_BEFORE_MIGRATION_GLOB = "counter-before-v*.db"


def before_migration_dir(store_path: Path) -> Path:
    return Path(store_path).absolute().parent / BEFORE_MIGRATION_DIR


def before_migration(store_path: Path, old: int, new: int, now: datetime) -> Path:
    """A copy of the store as it is, taken before it is migrated from schema ``old`` to
    ``new``: an upgrade whose migration turns out wrong is rolled back by putting the
    old Counter back with this file (``counter restore``), nothing of the hall's lost.

    Named ``counter-before-v{new}-from-v{old}-{time}.db`` in :data:`BEFORE_MIGRATION_DIR`
    beside the store; the newest :data:`BEFORE_MIGRATION_KEEP` are kept, older ones
    removed only once this one is safely written. Like every backup it carries no
    device token. Raises :class:`BackupError` (the store untouched) when the copy
    cannot be made or the store is damaged: migrating a store with no way back, or a
    damaged one, is what this is here to prevent."""
    store_path = Path(store_path)
    folder = before_migration_dir(store_path)
    name = f"counter-before-v{new}-from-v{old}-{now:%Y%m%d-%H%M%S}.db"
    dest = folder / name
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        tighten(folder)
        source = sqlite3.connect(read_only_uri(store_path), uri=True, timeout=30)
        try:
            result = db.quick_check(source)
            if result != "ok":
                raise BackupError(
                    f"本机数据文件已损坏（{result}），未升级数据结构：请停止办理并立即联系"
                    "信息科从备份恢复"
                )
            _copy(source, dest)
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        kind = db.fault_kind(exc) if isinstance(exc, sqlite3.Error) else None
        full = kind == "full" or getattr(exc, "errno", None) == errno.ENOSPC
        why = "磁盘空间不足" if full else str(exc)
        raise BackupError(
            f"升级数据结构（版本 {old} → {new}）前须先备份本机数据，但备份失败（{why}）。"
            f"数据文件未被改动，也未升级。请联系信息科"
            f"{'清理磁盘' if full else '检查文件夹 ' + str(folder)}后重新启动 Counter。"
        ) from exc
    log.warning(
        "store %s backed up to %s before migrating it from version %d to %d",
        store_path,
        dest,
        old,
        new,
    )
    _prune_before_migration(folder, dest)
    return dest


def _prune_before_migration(folder: Path, kept: Path) -> None:
    """Only the newest few; a file that cannot be removed is logged and left."""
    copies = sorted(
        folder.glob(_BEFORE_MIGRATION_GLOB), key=lambda p: (p.stat().st_mtime_ns, p.name)
    )
    for old in copies[:-BEFORE_MIGRATION_KEEP]:
        if old == kept:
            continue
        try:
            old.unlink()
        except OSError as exc:
            log.warning("cannot remove the old backup %s: %s", old, exc)
        else:
            log.info(
                "removed the old backup %s (keeping the newest %d)", old, BEFORE_MIGRATION_KEEP
            )
