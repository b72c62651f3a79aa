"""The embedded central keeps one SQLite connection per thread between transactions."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from counter.central.sqlite_engine import SqliteEngine


def engine_at(tmp_path: Path) -> SqliteEngine:
    engine = SqliteEngine(tmp_path / "central.db")
    engine.setup()
    return engine


def test_a_thread_keeps_its_connection_across_transactions(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    engine.create_enrol_code(0)
    first = engine._connect()
    engine.create_enrol_code(1)
    assert engine._connect() is first
    assert not first.in_transaction


def test_a_refused_transaction_leaves_the_connection_ready_for_the_next(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    with pytest.raises(sqlite3.OperationalError), engine._write() as cur:
        cur.execute("INSERT INTO no_such_table VALUES (1)")
    assert not engine._connect().in_transaction
    engine.create_enrol_code(0)
    assert engine.query("SELECT count(*) FROM enrol_codes") == [(1,)]


def test_closing_while_another_thread_is_in_a_transaction_lets_it_commit(
    tmp_path: Path,
) -> None:
    engine = engine_at(tmp_path)
    inside, release = threading.Event(), threading.Event()

    def work() -> None:
        with engine._write() as cur:
            inside.set()
            release.wait(5)
            cur.execute(
                "INSERT INTO enrol_codes (code_hash, created_at, expires_at) VALUES ('x', 0, 1)"
            )

    worker = threading.Thread(target=work)
    worker.start()
    assert inside.wait(5)
    engine.close()
    release.set()
    worker.join()
    assert engine.query("SELECT count(*) FROM enrol_codes") == [(1,)]
