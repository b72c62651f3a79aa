"""``counter backup`` / ``counter restore`` / ``counter audit verify`` from the command line."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from counter.app import main
from counter.model.clock import HALL_TZ
from counter.store import audit_log
from counter.store.db import open_store

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)


def run(*words: str) -> int:
    return main(list(words))


def test_backup_copies_the_store_and_logs_the_export(store_path: Path, tmp_path: Path) -> None:
    data = str(store_path.parent)
    assert run("backup", str(tmp_path / "b.db"), "--data-dir", data) == 0
    copy = open_store(tmp_path / "b.db")
    assert [e["action"] for e in audit_log.entries(copy)] == ["export"]
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()


def test_restore_puts_the_backup_back_and_keeps_the_old_file(
    store_path: Path, tmp_path: Path
) -> None:
    data = str(store_path.parent)
    run("backup", str(tmp_path / "b.db"), "--data-dir", data)
    db = open_store(store_path)
    db.execute("INSERT INTO departments (code, name) VALUES ('ZZ', '后加的')")
    db.conn.commit()
    db.close()
    assert run("restore", str(tmp_path / "b.db"), "--data-dir", data) == 0
    restored = open_store(store_path)
    assert restored.execute("SELECT count(*) FROM departments WHERE code = 'ZZ'").fetchone()[0] == 0
    restored.close()
    kept = list(store_path.parent.glob("counter.db.before-restore-*"))
    assert len(kept) == 1


def test_restore_refuses_a_file_that_is_not_a_counter_store(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    assert run("restore", str(other), "--data-dir", str(store_path.parent)) == 2
    assert "不是 Counter 的数据文件" in capsys.readouterr().err
    assert not list(store_path.parent.glob("counter.db.before-restore-*"))


def test_restore_refuses_a_store_from_a_newer_counter(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(store_path.parent)
    run("backup", str(tmp_path / "b.db"), "--data-dir", data)
    conn = sqlite3.connect(tmp_path / "b.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    assert run("restore", str(tmp_path / "b.db"), "--data-dir", data) == 2
    assert "较新版本" in capsys.readouterr().err


def test_audit_verify_names_the_first_broken_entry(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(store_path.parent)
    for n in range(3):
        run("backup", str(tmp_path / f"b{n}.db"), "--data-dir", data)
    assert run("audit", "verify", "--data-dir", data) == 0
    assert "哈希链完整" in capsys.readouterr().out
    conn = sqlite3.connect(store_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET staff_name = '改过' WHERE seq = 2")
    conn.commit()
    conn.close()
    assert run("audit", "verify", "--data-dir", data) == 1
    assert "第 2 条起哈希链断裂" in capsys.readouterr().out
