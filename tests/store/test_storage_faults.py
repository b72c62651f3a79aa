"""The store meets the disk's faults and says them in the clerk's words: a full,
read-only, locked or corrupt store raises a StorageError (a CounterError) whose message
tells her the action was not saved, the transaction is rolled back whole, and SQLite's
own errors that are the program's pass through as they were (issue 26)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter.model.errors import CounterError, StorageError
from counter.store.db import FAULT_MESSAGES, StoreError, as_storage_fault, connect, immediate
from tests.full_disk import NO_CAP


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = connect(tmp_path / "store.db")
    database.execute("PRAGMA journal_mode = wal")
    database.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    database.execute("CREATE TABLE ballast (b BLOB)")
    yield database
    database.close()


def fill(db: Database) -> None:
    """No page left: the file is capped at its size and its free room used up."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    size = 4096
    while size:
        try:
            with immediate(db):
                db.execute("INSERT INTO ballast VALUES (zeroblob(?))", [size])
        except StorageError:
            size //= 2


def notes(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT body FROM notes ORDER BY id").fetchall()]


def test_a_full_disk_rolls_the_whole_transaction_back_and_says_so_in_chinese(
    db: Database,
) -> None:
    with immediate(db):
        db.execute("INSERT INTO notes (body) VALUES ('早上的')")
    fill(db)
    with pytest.raises(StorageError) as caught, immediate(db):
        db.execute("UPDATE notes SET body = '改过的'")
        db.execute("INSERT INTO notes (body) VALUES (?)", ["长" * 50_000])
    fault = caught.value
    assert isinstance(fault, CounterError)
    assert fault.kind == "full"
    assert fault.message == "本机磁盘已满，数据未保存，请联系信息科清理磁盘后重试"
    # Still SQLite's error, so code that already handles those behaves as before.
    assert isinstance(fault, sqlite3.OperationalError)
    assert fault.sqlite_errorname == "SQLITE_FULL"
    assert isinstance(fault.__cause__, sqlite3.OperationalError)
    assert notes(db) == ["早上的"]
    assert not db.conn.in_transaction


def test_a_fault_is_logged_where_the_store_meets_it(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    fill(db)
    caplog.clear()
    with caplog.at_level(logging.ERROR, "counter.store"), pytest.raises(StorageError):
        db.execute("INSERT INTO notes (body) VALUES (?)", ["长" * 50_000])
    assert "storage fault (full, SQLITE_FULL): database or disk is full" in caplog.text


def test_a_read_only_store_is_a_storage_fault(db: Database) -> None:
    db.execute("PRAGMA query_only = 1")
    with pytest.raises(StorageError) as caught, immediate(db):
        db.execute("INSERT INTO notes (body) VALUES ('x')")
    assert caught.value.kind == "readonly"
    assert caught.value.message == FAULT_MESSAGES["readonly"]


def test_a_store_another_process_holds_is_a_storage_fault_once_the_wait_is_over(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "store.db")
    other.execute("BEGIN IMMEDIATE")
    db.execute("PRAGMA busy_timeout = 0")  # the store waits 30 s; the test does not
    try:
        with pytest.raises(StorageError) as caught, immediate(db):
            db.execute("INSERT INTO notes (body) VALUES ('x')")
    finally:
        other.rollback()
        other.close()
    assert caught.value.kind == "busy"
    assert "稍后重试" in caught.value.message


def test_a_corrupt_page_met_while_reading_is_a_storage_fault(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    db = connect(path)
    db["filler"].insert_all({"n": n, "text": "x" * 200} for n in range(2000))
    db.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2048] = b"\xff" * 2048
    path.write_bytes(bytes(data))
    db = connect(path)
    try:
        with pytest.raises(StorageError) as caught:
            db.execute("SELECT sum(length(text)) FROM filler").fetchall()
    finally:
        db.close()
    assert caught.value.kind == "corrupt"
    assert "备份恢复" in caught.value.message


def test_the_program_s_own_sqlite_errors_pass_through_untouched(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError) as syntax:
        db.execute("SELEKT 1")
    assert not isinstance(syntax.value, CounterError)
    with pytest.raises(sqlite3.IntegrityError) as constraint, immediate(db):
        db.execute("INSERT INTO notes (body) VALUES (NULL)")
    assert not isinstance(constraint.value, CounterError)
    assert not db.conn.in_transaction


def test_a_failed_commit_leaves_no_transaction_open_behind_it(db: Database) -> None:
    """SQLite keeps a transaction open after some failed COMMITs; every later
    ``immediate`` would nest inside it as a savepoint and never be committed."""
    db.execute("CREATE TABLE parents (id TEXT PRIMARY KEY)")
    db.execute("CREATE TABLE children (parent TEXT REFERENCES parents (id))")
    with pytest.raises(sqlite3.IntegrityError), immediate(db):
        db.execute("PRAGMA defer_foreign_keys = ON")
        db.execute("INSERT INTO children VALUES ('nobody')")  # checked at COMMIT
    assert not db.conn.in_transaction
    with immediate(db):
        db.execute("INSERT INTO notes (body) VALUES ('下一笔')")
    assert notes(db) == ["下一笔"]


def test_an_upsert_after_the_disk_is_cleared_writes_its_row(db: Database) -> None:
    """sqlite-utils decides how to upsert by a probe that, failed on a full disk, made
    every later upsert on the connection an INSERT OR IGNORE that dropped new rows."""
    db.execute("CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT NOT NULL)")
    fill(db)
    try:
        with immediate(db):
            db["people"].upsert({"id": "p1", "name": "张三"}, pk="id")
    except StorageError:
        pass  # refused aloud is right on a full disk; dropped silently is not
    db.execute(f"PRAGMA max_page_count = {NO_CAP}")
    with immediate(db):
        db["people"].upsert({"id": "p2", "name": "李四"}, pk="id")
    assert ("p2", "李四") in db.execute("SELECT id, name FROM people").fetchall()


def test_a_store_that_cannot_be_opened_is_a_storage_error() -> None:
    refused = StoreError("数据文件已损坏")
    assert isinstance(refused, StorageError) and refused.kind == "open"


def test_an_error_raised_without_sqlite_s_name_is_known_by_its_words() -> None:
    fault = as_storage_fault(sqlite3.OperationalError("database or disk is full"))
    assert isinstance(fault, StorageError) and fault.kind == "full"
    assert fault.sqlite_errorname == "SQLITE_FULL"  # the pull still tells it from a row's
