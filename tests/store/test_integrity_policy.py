"""The integrity check runs after an unclean end, weekly and before a backup, not on
every open (issue 32); planner statistics are kept. Checks are counted, never timed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter.store import backup, db, open_marks
from counter.store.db import StoreError, check_if_due, close_store, open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every integrity check run, by the result it gave."""
    ran: list[str] = []
    real = db.quick_check

    def counted(conn: sqlite3.Connection) -> str:
        result = real(conn)
        ran.append(result)
        return result

    monkeypatch.setattr(db, "quick_check", counted)
    yield ran


def closed_store(path: Path) -> Path:
    """A store with some rows, closed cleanly."""
    store = open_store(path)
    store.table("filler").insert_all({"n": n, "text": "x" * 200} for n in range(2000))
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    close_store(store)
    return path


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2048] = b"\xff" * 2048
    path.write_bytes(bytes(data))


def run_child(path: Path, ending: str) -> None:
    """Another Counter process opens the store and ends: ``exit`` cleanly (Python's
    own exit, as when the window is closed), ``crash`` without letting go."""
    end = "os._exit(0)" if ending == "crash" else "sys.exit(0)"
    code = textwrap.dedent(
        f"""
        import os, sys
        from counter.store.db import open_store
        open_store({str(path)!r})
        {end}
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_a_clean_close_skips_the_check_on_the_next_open(tmp_path: Path, checks: list[str]) -> None:
    path = closed_store(tmp_path / "counter.db")
    close_store(open_store(path))
    assert checks == []


def test_closing_the_connection_is_a_clean_close_too(tmp_path: Path, checks: list[str]) -> None:
    path = closed_store(tmp_path / "counter.db")
    open_store(path).close()
    assert list(tmp_path.glob("counter.db.open-*")) == []
    close_store(open_store(path))
    assert checks == []


def test_a_mark_stays_while_any_connection_of_this_process_has_the_store(
    tmp_path: Path,
) -> None:
    path = closed_store(tmp_path / "counter.db")
    first, second = open_store(path), open_store(path)
    first.close()
    assert len(list(tmp_path.glob("counter.db.open-*"))) == 1
    second.close()
    assert list(tmp_path.glob("counter.db.open-*")) == []


def test_a_process_that_crashed_leaves_its_mark_and_the_next_open_checks(
    tmp_path: Path, checks: list[str]
) -> None:
    path = closed_store(tmp_path / "counter.db")
    run_child(path, "crash")
    assert list(tmp_path.glob("counter.db.open-*")) != []
    store = open_store(path)
    assert checks == ["ok"]
    close_store(store)
    assert list(tmp_path.glob("counter.db.open-*")) == []
    close_store(open_store(path))
    assert checks == ["ok"]  # the left mark was dealt with once


def test_a_process_that_exited_normally_leaves_no_mark(tmp_path: Path, checks: list[str]) -> None:
    path = closed_store(tmp_path / "counter.db")
    run_child(path, "exit")
    assert list(tmp_path.glob("counter.db.open-*")) == []
    close_store(open_store(path))
    assert checks == []


def test_a_running_process_is_not_taken_for_a_crashed_one(
    tmp_path: Path, checks: list[str]
) -> None:
    path = closed_store(tmp_path / "counter.db")
    held = open_store(path)
    # Another process opens and closes while this one keeps the store open.
    code = textwrap.dedent(
        f"""
        from counter.store import db
        ran = []
        real = db.quick_check
        db.quick_check = lambda conn: ran.append(1) or real(conn)
        db.close_store(db.open_store({str(path)!r}))
        raise SystemExit(len(ran))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False, timeout=120)
    assert done.returncode == 0
    close_store(held)


def test_damage_found_after_an_unclean_end_is_refused_untouched(
    tmp_path: Path, checks: list[str]
) -> None:
    path = closed_store(tmp_path / "counter.db")
    run_child(path, "crash")
    damage(path)
    before = path.read_bytes()
    for _ in range(2):  # and again at the next start: the left mark stays until it passes
        with pytest.raises(StoreError, match=r"已损坏.*请从备份恢复"):
            open_store(path)
    assert path.read_bytes() == before
    # A refused store leaves no mark of this process (other tests' stores may be open).
    assert path.resolve() not in {held.resolve() for held in open_marks._held}


def test_a_store_from_before_the_record_is_checked_once(tmp_path: Path, checks: list[str]) -> None:
    path = closed_store(tmp_path / "counter.db")
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM store_checks")
    conn.commit()
    conn.close()
    close_store(open_store(path))
    close_store(open_store(path))
    assert checks == ["ok"]


def test_the_weekly_check_runs_when_due_and_is_recorded(tmp_path: Path, checks: list[str]) -> None:
    path = closed_store(tmp_path / "counter.db")
    now = datetime.now().astimezone()
    assert check_if_due(path, now) is False
    assert check_if_due(path, now + timedelta(days=8)) is True
    assert check_if_due(path, now + timedelta(days=9)) is False
    assert checks == ["ok"]


def test_damage_found_by_the_weekly_check_is_said_and_refused_at_the_next_start(
    tmp_path: Path, checks: list[str]
) -> None:
    path = closed_store(tmp_path / "counter.db")
    damage(path)
    with pytest.raises(StoreError, match="已损坏"):
        check_if_due(path, datetime.now().astimezone() + timedelta(days=8))
    with pytest.raises(StoreError, match=r"已损坏.*文件未被改动"):
        open_store(path)


def test_a_backup_checks_the_store_first_and_refuses_a_damaged_one(
    tmp_path: Path, checks: list[str]
) -> None:
    path = closed_store(tmp_path / "counter.db")
    backup.backup(path, tmp_path / "copy.db")
    assert checks == ["ok"]
    damage(path)
    with pytest.raises(backup.BackupError, match=r"已损坏.*未备份"):
        backup.backup(path, tmp_path / "second.db")
    assert not (tmp_path / "second.db").exists()


def planner_statistics(store: Database) -> int:
    return int(store.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0])


def test_statistics_are_gathered_on_open_once_a_week_not_on_every_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = closed_store(tmp_path / "counter.db")
    store = open_store(path)
    assert planner_statistics(store) > 0
    first = store.execute("SELECT at FROM store_checks WHERE kind = 'analyze'").fetchone()
    close_store(store)
    store = open_store(path)
    again = store.execute("SELECT at FROM store_checks WHERE kind = 'analyze'").fetchone()
    assert again == first
    close_store(store)
    later = datetime.now().astimezone() + timedelta(days=8)
    monkeypatch.setattr(db, "_now", lambda: later)
    store = open_store(path)
    latest = store.execute("SELECT at FROM store_checks WHERE kind = 'analyze'").fetchone()
    assert latest != first
    close_store(store)
