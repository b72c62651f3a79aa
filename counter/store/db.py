"""Opening the counter's local SQLite file safely, and SQLite's faults in the clerk's words.

A file from a newer Counter, a corrupt file or something that is not a Counter store
is refused before anything is written to it: the hall's record is never overwritten.

A fault of the disk under the store (full, read-only, locked, corrupt, failing) is met
here and nowhere else: every connection this module makes, and every transaction
:func:`immediate` runs, turns SQLite's error into a :class:`StoreFault`, a
:class:`~counter.model.errors.StorageError` whose message tells the clerk the action
was not saved and what to do. It stays an ``sqlite3.OperationalError`` too, with
SQLite's error name, so code that already tells a store fault from a bad row (the sync
client's pull) behaves as before. SQLite's other errors (a constraint, a syntax error)
are the program's and pass through untouched.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from counter.log import store as log
from counter.model.clock import iso, parse_iso
from counter.model.errors import StorageError
from counter.store import open_marks
from counter.store.migrations import MIGRATIONS, SCHEMA_VERSION
from counter.store.paths import create_private_file, make_private_dir, read_only_uri, tighten

SQLITE_HEADER = b"SQLite format 3\x00"
DB_FILE = "counter.db"


class StoreError(StorageError):
    """The local store cannot be opened; the message tells the person what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="open")


#: SQLite's primary error names (extended ones start with these), the kind of fault
#: each is, and what the clerk is told: the action was not saved, and who can fix it.
FAULTS: dict[str, str] = {
    "SQLITE_FULL": "full",
    "SQLITE_READONLY": "readonly",
    "SQLITE_PERM": "readonly",
    "SQLITE_CANTOPEN": "readonly",
    "SQLITE_BUSY": "busy",
    "SQLITE_LOCKED": "busy",
    "SQLITE_CORRUPT": "corrupt",
    "SQLITE_NOTADB": "corrupt",
    "SQLITE_IOERR": "io",
    "SQLITE_PROTOCOL": "io",
    "SQLITE_NOMEM": "memory",
}
FAULT_MESSAGES: dict[str, str] = {
    "full": "本机磁盘已满，数据未保存，请联系信息科清理磁盘后重试",
    "readonly": "本机数据文件只读或无权写入，数据未保存，请联系信息科检查文件权限",
    "busy": "本机数据文件正被其他程序占用，数据未保存，请稍后重试；反复出现请联系信息科",
    "corrupt": "本机数据文件已损坏，数据未保存，请停止办理并立即联系信息科从备份恢复",
    "io": "本机磁盘读写出错，数据未保存，请联系信息科检查磁盘",
    "memory": "本机内存不足，数据未保存，请关闭其他程序后重试",
}
#: For an error raised without SQLite's name (Python's own, or an older build): its text.
_FAULT_TEXTS = (
    ("database or disk is full", "full"),
    ("readonly database", "readonly"),
    ("database is locked", "busy"),
    ("database table is locked", "busy"),
    ("malformed", "corrupt"),
    ("file is not a database", "corrupt"),
    ("disk i/o error", "io"),
)


class StoreFault(StorageError, sqlite3.OperationalError):
    """A fault of the disk under the store, met by SQLite: a :class:`StorageError` for
    the clerk, still an ``sqlite3.OperationalError`` (with SQLite's error code and
    name) for code that handles SQLite's own errors."""

    def __init__(self, kind: str, cause: sqlite3.Error) -> None:
        super().__init__(FAULT_MESSAGES[kind], kind=kind)
        # Absent on an error raised without them (the kind was read from its text):
        # the kind's own name, so whoever tells store faults by name still can.
        primary = next(name for name, fault in FAULTS.items() if fault == kind)
        self.sqlite_errorcode: int = getattr(cause, "sqlite_errorcode", -1)
        self.sqlite_errorname: str = getattr(cause, "sqlite_errorname", "") or primary
        self.detail = str(cause)


def fault_kind(exc: BaseException) -> str | None:
    """The kind of storage fault ``exc`` is, or None when it is no fault of the disk
    (a constraint, a syntax error, a missing table: the program's own error)."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.IntegrityError):
        return None
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    for prefix, kind in FAULTS.items():
        if name == prefix or name.startswith(f"{prefix}_"):
            return kind
    if name:
        return None
    text = str(exc).lower()
    return next((kind for words, kind in _FAULT_TEXTS if words in text), None)


def as_storage_fault(exc: BaseException) -> BaseException:
    """``exc`` in the clerk's words if it is a fault of the disk, else ``exc`` itself.

    Logged here, where it is met, with SQLite's own words: whoever shows the message
    to the clerk, the log says what the disk did."""
    if isinstance(exc, StoreFault):
        return exc
    kind = fault_kind(exc)
    if kind is None:
        return exc
    assert isinstance(exc, sqlite3.Error)
    fault = StoreFault(kind, exc)
    log.error(
        "storage fault (%s, %s): %s",
        kind,
        fault.sqlite_errorname or type(exc).__name__,
        exc,
    )
    return fault


class FaultTranslatingConnection(sqlite3.Connection):
    """A connection whose statements raise :class:`StoreFault` for a fault of the disk,
    so a page's read and a service's write meet the same error family wherever in the
    program the statement ran. A plain ``try`` in each method, not a context manager:
    this runs for every statement the counter makes."""

    #: Told when the connection is closed (a clean close: :mod:`.open_marks`).
    on_close: Callable[[], None] | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            fault = as_storage_fault(exc)
            if fault is exc:
                raise
            raise fault from exc

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.DatabaseError as exc:
            fault = as_storage_fault(exc)
            if fault is exc:
                raise
            raise fault from exc

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        try:
            return super().executescript(sql_script)
        except sqlite3.DatabaseError as exc:
            fault = as_storage_fault(exc)
            if fault is exc:
                raise
            raise fault from exc

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.DatabaseError as exc:
            fault = as_storage_fault(exc)
            if fault is exc:
                raise
            raise fault from exc

    def close(self) -> None:
        """Closed cleanly: whatever :func:`open_store` asked to be told is told."""
        try:
            super().close()
        finally:
            told, self.on_close = self.on_close, None
            if told is not None:
                told()


def _inspect(path: Path, *, check: bool) -> None:
    """Read-only checks before the file is opened for writing: the header and the
    version always, the integrity check (``PRAGMA quick_check``, 1.5 s on a year's
    store) only when ``check`` says so (see :func:`open_store`)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise StoreError(
            f"数据文件 {path} 不是 SQLite 数据库，可能已损坏。文件未被改动，请联系信息科。"
        )
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"无法打开数据文件 {path}：{exc}。文件未被改动。") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"数据文件 {path} 来自较新版本的 Counter（数据结构版本 {version}，"
                f"本程序支持到 {SCHEMA_VERSION}）。请升级 Counter；文件未被改动。"
            )
        if check or not _checked_fine(conn):
            _refuse_if_damaged(path, conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"数据文件 {path} 已损坏（{exc}）。文件未被改动，请从备份恢复。") from None
    finally:
        conn.close()


def quick_check(conn: sqlite3.Connection) -> str:
    """SQLite's ``quick_check``: "ok", or what is wrong. Every integrity check the
    counter runs on its store goes through here (tests count them)."""
    return str(conn.execute("PRAGMA quick_check").fetchone()[0])


def _refuse_if_damaged(path: Path, conn: sqlite3.Connection) -> None:
    """Damage is refused, not recorded: the file stays untouched, and whatever made
    this check run (a mark left behind) makes the next start check again."""
    result = quick_check(conn)
    if result != "ok":
        raise StoreError(f"数据文件 {path} 已损坏（{result}）。文件未被改动，请从备份恢复。")
    _checked[_key(path)] = result


def _checked_fine(conn: sqlite3.Connection) -> bool:
    """The store's own record says its last integrity check found nothing (false for
    a store from before the record, or one never checked: it is checked once)."""
    try:
        row = conn.execute("SELECT result FROM store_checks WHERE kind = 'integrity'").fetchone()
    except sqlite3.OperationalError:  # no such table: a store from before migration 0020
        return False
    return row is not None and row[0] == "ok"


def _known_features(db: Database) -> Database:
    """Tell sqlite-utils what this SQLite can do rather than let it find out.

    sqlite-utils learns whether SQLite has upsert (3.24) and STRICT tables (3.37) by
    creating a scratch table the first time it needs to know, and keeps the answer for
    the connection's life. Asked on a full disk, the scratch table fails, the answer is
    "no", and from then on every upsert on that connection is an INSERT OR IGNORE that
    leaves a new row out without a word: a case saved after the disk was cleared lost
    its applicant (found by tests/ui/test_full_disk.py). The version says it instead.
    """
    version = sqlite3.sqlite_version_info
    db._supports_on_conflict = version >= (3, 24, 0)
    db._supports_strict = version >= (3, 37, 0)
    return db


def connect(path: Path | str) -> Database:
    """A connection for this thread (SQLite connections are not shared across threads)."""
    db = _known_features(
        Database(
            sqlite3.connect(str(path), timeout=30.0, factory=FaultTranslatingConnection),
            execute_plugins=False,  # Counter uses no sqlite-utils plugins: no entry-point scan
        )
    )
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def store_path(db: Database) -> Path:
    """The file of a store's connection: another thread opens its own with it."""
    return Path(db.execute("PRAGMA database_list").fetchone()[2])


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
    """Open (creating if new) and migrate the store; refuse files it must not touch.

    The integrity check does not run on every open (it grows with the store: 0.75 s
    at 600k cases, 1.5 s for a year's): only when the store may not have been closed
    cleanly (:mod:`counter.store.open_marks`), when its last check found damage or
    none is recorded. :func:`check_if_due` runs it weekly, off the GUI thread;
    :func:`counter.store.backup.backup` before each copy. Planner statistics are kept
    here too (:func:`_keep_statistics`). Close with :func:`close_store`.
    """
    path = Path(path)
    if str(path) != ":memory:":
        _make_private(path)
        left = open_marks.mark_open(path)
        try:
            _inspect(path, check=left != [])
            db = connect(path)
        except BaseException:
            open_marks.release(path)
            raise
        open_marks.forget(left or [])
        assert isinstance(db.conn, FaultTranslatingConnection)
        db.conn.on_close = lambda: open_marks.release(path)
        db.enable_wal()
    else:
        db = _known_features(Database(memory=True, execute_plugins=False))
        db.execute("PRAGMA foreign_keys = ON")
    try:
        if str(path) != ":memory:":
            _back_up_before_migrating(db, path)
        migrate(db)
        if str(path) != ":memory:":
            _after_open(db, path)
    except BaseException:
        db.close()
        raise
    return db


#: How often the integrity check and a fresh ANALYZE run (see :func:`check_if_due`).
CHECK_EVERY = timedelta(days=7)
ANALYZE_EVERY = timedelta(days=7)
#: Rows ANALYZE samples per index: its statistics in ~50 ms at 600k cases, not seconds.
ANALYSIS_LIMIT = 400
#: Integrity checks run by this process, by store, until recorded in the store.
_checked: dict[Path, str] = {}


def _key(path: Path | str) -> Path:
    return Path(path).absolute()


def _now() -> datetime:
    return datetime.now().astimezone()


def _after_open(db: Database, path: Path) -> None:
    """Record a check :func:`_inspect` ran (or a new file's: nothing to check yet),
    then keep the planner's statistics."""
    result = _checked.pop(_key(path), None)
    new = result is None and _last(db, "integrity") is None
    if new:
        result = "ok"
    if result is not None:
        record_check(db, "integrity", result, _now())
    if not new:  # an empty store's statistics would mislead the planner for a week
        _keep_statistics(db, _now())


def _last(db: Database, kind: str) -> tuple[datetime, str] | None:
    row = db.execute("SELECT at, result FROM store_checks WHERE kind = ?", [kind]).fetchone()
    return (parse_iso(row[0]), str(row[1])) if row else None


def record_check(db: Database, kind: str, result: str, now: datetime) -> None:
    """This counter's own record (never synced) of a check or an ANALYZE."""
    with db.ensure_autocommit_on():
        db.execute(
            "INSERT INTO store_checks (kind, at, result) VALUES (?, ?, ?)"
            " ON CONFLICT (kind) DO UPDATE SET at = excluded.at, result = excluded.result",
            [kind, iso(now), result],
        )


def _keep_statistics(db: Database, now: datetime) -> None:
    """The planner's statistics, as SQLite's docs ask of a long-lived connection:
    ``PRAGMA optimize=0x10002`` on open (from 3.46 it analyzes any table that needs
    it; before, it knows only this connection's queries, none yet), and ``PRAGMA
    optimize`` on close (:func:`close_store`). A sampled ANALYZE once a week makes
    sure of it whatever the SQLite version: ``analysis_limit`` keeps both cheap."""
    db.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    last = _last(db, "analyze")
    if last is None or now - last[0] >= ANALYZE_EVERY:
        with db.ensure_autocommit_on():
            db.execute("ANALYZE")
        record_check(db, "analyze", "ok", now)
    db.execute("PRAGMA optimize = 0x10002")


def close_store(db: Database) -> None:
    """Close the app's store: statistics brought up to date (``PRAGMA optimize``, as
    SQLite's docs ask before closing), then the connection, which removes this
    process's mark (so does Python's own exit): the next start skips the check."""
    try:
        db.execute("PRAGMA optimize")
    except sqlite3.Error as exc:  # a full disk: the close still happens
        log.warning("PRAGMA optimize on close failed: %s", exc)
    db.close()


def check_due(db: Database, now: datetime) -> bool:
    """The weekly integrity check is due (or the last one found damage)."""
    last = _last(db, "integrity")
    return last is None or last[1] != "ok" or now - last[0] >= CHECK_EVERY


def check_if_due(path: Path | str, now: datetime) -> bool:
    """The weekly integrity check, when due: on connections of its own, so the UI can
    run it on a worker thread while the clerk works. True when it ran and found the
    store sound; False when none was due; :class:`StoreError` with the same words
    as at start-up when the store is damaged (recorded, so the next start refuses
    it too)."""
    path = Path(path)
    db = connect(path)
    try:
        if not check_due(db, now):
            return False
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=30.0)
        try:
            result = quick_check(conn)
        except sqlite3.DatabaseError as exc:
            result = str(exc)
        finally:
            conn.close()
        try:
            record_check(db, "integrity", result, now)
        except sqlite3.DatabaseError as exc:  # a damaged file may refuse the record
            log.error("cannot record the integrity check of %s: %s", path, exc)
    finally:
        db.close()
    if result != "ok":
        log.error("integrity check of %s: %s", path, result)
        raise StoreError(
            f"数据文件 {path} 已损坏（{result}），请停止办理并立即联系信息科从备份恢复。"
        )
    return True


def schema_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _back_up_before_migrating(db: Database, path: Path) -> None:
    """A store with data that is about to be migrated is copied first (an upgrade whose
    migration goes wrong is rolled back from the copy: :func:`counter.store.backup.
    before_migration`); a brand-new store has nothing to lose and is not. A copy that
    cannot be made stops the open, the store untouched and unmigrated."""
    pending = MIGRATIONS.pending(db)
    applied = len(MIGRATIONS.applied(db)) if pending else 0
    if not pending or not applied:
        return
    from counter.store import backup  # it imports this module

    old = schema_version(db) or applied
    try:
        backup.before_migration(path, old, SCHEMA_VERSION, _now())
    except backup.BackupError as exc:
        log.error("not migrating %s: %s", path, exc.message)
        raise StoreError(exc.message) from exc


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

    All or nothing, whatever fails: a fault of the disk leaves the transaction rolled
    back and raises :class:`StoreFault`. A failed COMMIT is rolled back too: SQLite may
    leave the transaction open after one (a busy file), and every later ``immediate``
    would then nest inside it as a savepoint and never be committed.
    """
    if db.conn.in_transaction:
        try:
            with db.atomic():
                yield db
        except sqlite3.DatabaseError as exc:
            fault = as_storage_fault(exc)
            if fault is exc:
                raise
            raise fault from exc
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.commit()
    except BaseException as exc:
        db.conn.rollback()
        fault = as_storage_fault(exc)
        if fault is exc:
            raise
        raise fault from exc
