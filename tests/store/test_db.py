from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from counter.store.db import StoreError, open_store, schema_version
from counter.store.migrations import MIGRATIONS, SCHEMA_VERSION


def test_a_new_file_gets_every_migration_and_its_version(tmp_path: Path) -> None:
    db = open_store(tmp_path / "new.db")
    assert schema_version(db) == SCHEMA_VERSION
    assert MIGRATIONS.pending(db) == []
    assert {"outbox", "items", "holidays", "staff"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    open_store(tmp_path / "a.db").close()
    db = open_store(tmp_path / "a.db")
    rows = db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert rows == SCHEMA_VERSION
    db.close()


def test_a_file_from_a_newer_counter_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="较新版本"):
        open_store(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="不是 SQLite"):
        open_store(path)
    assert path.read_bytes() == before


def test_a_corrupt_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    db = open_store(path)
    db["filler"].insert_all({"n": n, "text": "x" * 200} for n in range(2000))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2048] = b"\xff" * 2048
    path.write_bytes(bytes(data))
    # As a Counter that died leaves it: the integrity check runs after an unclean end.
    (tmp_path / "corrupt.db.open-4242-dead").touch()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="损坏"):
        open_store(path)
    assert path.read_bytes() == before


def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    from sqlite_utils.migrations import Migrations

    broken = Migrations("broken")

    @broken()
    def half_then_fail(db):  # type: ignore[no-untyped-def]
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    db = open_store(tmp_path / "m.db")
    with pytest.raises(RuntimeError):
        broken.apply(db)
    assert "half" not in db.table_names()
    db.close()
