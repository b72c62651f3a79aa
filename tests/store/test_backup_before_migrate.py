"""A counter copies its store before it migrates it (issue 30): an upgrade whose
migration goes wrong is rolled back from the copy. A brand-new store has nothing to
lose; a copy that cannot be made (a full disk) stops the migration, the store as it was."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from counter.store import backup
from counter.store.db import StoreError, connect, open_store, schema_version
from counter.store.migrations import MIGRATIONS, SCHEMA_VERSION

OLD = SCHEMA_VERSION - 1


def _old_store(path: Path, version: int = OLD) -> None:
    """A store as an older Counter left it: only its first ``version`` migrations, with
    a catalogue version recorded and the device enrolled."""
    db = connect(path)
    db.enable_wal()
    MIGRATIONS.apply(db, stop_before=MIGRATIONS._migrations[version].name)
    with db.ensure_autocommit_on():
        db.execute(f"PRAGMA user_version = {version}")
    db.execute(
        "INSERT INTO catalog_versions (version, loaded_at, source, items)"
        " VALUES ('2025-old', '2025-01-01T00:00:00+08:00', 'test', 7)"
    )
    db.execute("UPDATE sync_state SET central_url = 'https://c:8443', device_token = 'secret'")
    db.conn.commit()
    db.close()


def _read(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_an_old_store_is_copied_before_it_is_migrated(tmp_path: Path) -> None:
    store = tmp_path / "counter.db"
    _old_store(store)
    db = open_store(store)
    try:
        assert schema_version(db) == SCHEMA_VERSION
        assert MIGRATIONS.pending(db) == []
        assert db.execute("SELECT items FROM catalog_versions").fetchall() == [(7,)]
    finally:
        db.close()
    copies = list((tmp_path / "backups").glob("*.db"))
    assert len(copies) == 1
    copy = copies[0]
    assert copy.name.startswith(f"counter-before-v{SCHEMA_VERSION}-from-v{OLD}-")
    assert _read(copy, "PRAGMA user_version") == [(OLD,)]
    assert _read(copy, "SELECT version, items FROM catalog_versions") == [("2025-old", 7)]
    # The old schema, not the new one: the newest migration's change is not in the copy.
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    assert _read(copy, schema) != _read(store, schema)
    # Like every backup, it cannot speak for the counter; the address stays.
    assert _read(copy, "SELECT central_url, device_token FROM sync_state") == [
        ("https://c:8443", "")
    ]
    assert backup.check_backup(copy) == OLD
    if os.name == "posix":
        assert copy.stat().st_mode & 0o077 == 0
        assert (tmp_path / "backups").stat().st_mode & 0o077 == 0


def test_a_store_many_versions_old_is_copied_at_its_own_version(tmp_path: Path) -> None:
    store = tmp_path / "counter.db"
    _old_store(store, 12)
    open_store(store).close()
    (copy,) = (tmp_path / "backups").glob("*.db")
    assert "-from-v12-" in copy.name
    assert _read(copy, "PRAGMA user_version") == [(12,)]


def test_a_new_store_and_a_current_one_are_not_copied(tmp_path: Path) -> None:
    store = tmp_path / "counter.db"
    open_store(store).close()
    open_store(store).close()
    assert not (tmp_path / "backups").exists()


def test_an_old_store_is_copied_once_not_on_every_start(tmp_path: Path) -> None:
    store = tmp_path / "counter.db"
    _old_store(store)
    open_store(store).close()
    open_store(store).close()
    assert len(list((tmp_path / "backups").glob("*.db"))) == 1


@pytest.mark.parametrize(
    "full",
    [
        sqlite3.OperationalError("database or disk is full"),  # SQLite writing the copy
        OSError(errno.ENOSPC, "No space left on device"),  # the file system itself
    ],
    ids=["sqlite", "os"],
)
def test_a_failed_copy_stops_the_migration_and_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full: Exception
) -> None:
    store = tmp_path / "counter.db"
    _old_store(store)

    def disk_full(source: sqlite3.Connection, dest: Path, **_: object) -> None:
        raise full

    monkeypatch.setattr(backup, "_copy", disk_full)
    with pytest.raises(StoreError) as refused:
        open_store(store)
    message = str(refused.value)
    assert "磁盘空间不足" in message
    assert "未被改动" in message and "未升级" in message
    assert _read(store, "PRAGMA user_version") == [(OLD,)]
    assert len(_read(store, "SELECT name FROM _sqlite_migrations")) == OLD
    assert _read(store, "SELECT items FROM catalog_versions") == [(7,)]
    assert list((tmp_path / "backups").iterdir()) == []
    # Once the disk is cleared, the next start copies and migrates as usual.
    monkeypatch.undo()
    db = open_store(store)
    assert schema_version(db) == SCHEMA_VERSION
    db.close()
    assert len(list((tmp_path / "backups").glob("*.db"))) == 1


def test_a_folder_that_cannot_be_made_stops_the_migration(tmp_path: Path) -> None:
    store = tmp_path / "counter.db"
    _old_store(store)
    (tmp_path / "backups").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match="备份失败"):
        open_store(store)
    assert _read(store, "PRAGMA user_version") == [(OLD,)]


def test_only_the_newest_copies_are_kept(tmp_path: Path) -> None:
    store = tmp_path / "counter.db"
    _old_store(store)
    folder = tmp_path / "backups"
    folder.mkdir()
    older = []
    for n in range(4):
        old = folder / f"counter-before-v{OLD}-from-v{OLD - 1}-2020010{n + 1}-000000.db"
        old.write_bytes(b"old")
        os.utime(old, (1_600_000_000 + n, 1_600_000_000 + n))
        older.append(old)
    keep_also = folder / "counter-usb-20200101.db"  # the supervisor's own: not ours
    keep_also.write_bytes(b"mine")
    open_store(store).close()
    left = sorted(p.name for p in folder.glob("counter-before-v*.db"))
    assert len(left) == backup.BEFORE_MIGRATION_KEEP
    assert older[3].name in left and older[2].name in left
    assert any(name.startswith(f"counter-before-v{SCHEMA_VERSION}-") for name in left)
    assert keep_also.exists()
