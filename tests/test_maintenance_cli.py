"""``counter backup`` / ``counter restore`` / ``counter audit verify`` from the command line."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from counter.app import main
from counter.model.clock import HALL_TZ
from counter.services.bootstrap import open_counter_store
from counter.store import audit_log, backup
from counter.store.db import open_store
from counter.store.store_lock import StoreInUse

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


# Issue 28, point 11: maintenance traps. Each is refused in Chinese and touches nothing.


def test_backup_to_a_usb_folder_that_is_not_there_writes_nothing(
    store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``counter backup /media/usb/`` with no stick in wrote a file named ``usb``."""
    data = str(store_path.parent)
    media = tmp_path / "media"
    media.mkdir()
    for dest in (f"{media}{os.sep}usb{os.sep}", str(media / "usb" / "backups" / "b.db")):
        assert run("backup", dest, "--data-dir", data) != 0
        assert "不存在（U 盘是否已插好？）" in capsys.readouterr().err
    assert list(media.iterdir()) == []
    db = open_store(store_path)
    assert not [e for e in audit_log.entries(db) if e["action"] == "export"]  # not logged
    db.close()
    (media / "usb").mkdir()  # plugged in: a file named with the date and the device
    assert run("backup", f"{media}{os.sep}usb{os.sep}", "--data-dir", data) == 0
    [written] = list((media / "usb").iterdir())
    assert re.fullmatch(r"counter-[0-9A-F]{4}-\d{8}-\d{6}\.db", written.name)


@pytest.mark.parametrize("command", [["backup", "b.db"], ["audit", "verify"], ["restore"]])
@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_maintenance_never_makes_a_store_in_a_wrong_data_folder(
    store_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    folder: str,
) -> None:
    """Pointed at the wrong folder, backup and audit verify made and seeded a demo store
    there (and reported on it); restore put the backup there."""
    saved = tmp_path / "saved.db"
    assert run("backup", str(saved), "--data-dir", str(store_path.parent)) == 0
    wrong = tmp_path / "wrong"
    if folder == "empty":
        wrong.mkdir()
    if command == ["restore"]:
        command = ["restore", str(saved)]
    elif command[0] == "backup":
        command = ["backup", str(tmp_path / "b.db")]
    capsys.readouterr()
    assert run(*command, "--data-dir", str(wrong)) != 0
    assert "中没有 Counter 数据（counter.db），请检查 --data-dir" in capsys.readouterr().err
    assert (list(wrong.iterdir()) == []) if folder == "empty" else not wrong.exists()
    assert not (tmp_path / "b.db").exists()


HOLDER = """
import sys
from datetime import datetime
from pathlib import Path

from counter.model.clock import HALL_TZ
from counter.services.bootstrap import open_counter_store
from counter.store.db import immediate

db = open_counter_store(Path(sys.argv[1]), datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ))
print("open", flush=True)
sys.stdin.readline()
with immediate(db):
    db.execute("INSERT INTO departments (code, name) VALUES ('LATE', '恢复被拒后写的')")
print("written", flush=True)
sys.stdin.readline()
db.close()
"""


@pytest.fixture
def open_elsewhere(store_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with the store open the way Counter opens it, idle until told
    to write (one line on stdin) and then to quit (another)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store_path.parent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "open"
    yield holder
    if holder.poll() is None:
        holder.kill()
    holder.wait(timeout=30)


def departments(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT code FROM departments")}
    finally:
        conn.close()


def test_restore_is_refused_while_counter_has_the_store_open(
    store_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    open_elsewhere: subprocess.Popen[str],
) -> None:
    """A restore under a running Counter moved its file aside; the next write went
    into neither the restored store nor the one kept aside."""
    data = str(store_path.parent)
    assert run("backup", str(tmp_path / "b.db"), "--data-dir", data) == 0
    capsys.readouterr()
    assert run("restore", str(tmp_path / "b.db"), "--data-dir", data) != 0
    assert "Counter 正在使用这份数据，请先退出所有 Counter 窗口再恢复" in capsys.readouterr().err
    assert not list(store_path.parent.glob("counter.db.before-restore-*"))
    assert open_elsewhere.stdin is not None and open_elsewhere.stdout is not None
    open_elsewhere.stdin.write("write\n")
    open_elsewhere.stdin.flush()
    assert open_elsewhere.stdout.readline().strip() == "written"
    open_elsewhere.stdin.write("quit\n")
    open_elsewhere.stdin.flush()
    assert open_elsewhere.wait(timeout=30) == 0
    assert "LATE" in departments(store_path)  # the write is in the store
    assert run("restore", str(tmp_path / "b.db"), "--data-dir", data) == 0  # Counter closed
    [kept] = store_path.parent.glob("counter.db.before-restore-*")
    assert "LATE" in departments(kept) and "LATE" not in departments(store_path)


def test_a_staged_restore_waits_while_another_counter_has_the_store_open(
    store_path: Path, tmp_path: Path, open_elsewhere: subprocess.Popen[str]
) -> None:
    """The menu's restore is put in place on the next start: not under a call board
    still running on the same store."""
    saved = backup.backup(store_path, tmp_path / "b.db", NOW)
    backup.stage_restore(saved, store_path)
    with pytest.raises(StoreInUse, match="请先退出所有 Counter 窗口，再启动 Counter 完成恢复"):
        open_counter_store(store_path.parent, NOW)
    assert backup.pending_restore_path(store_path).exists()
    assert not list(store_path.parent.glob("counter.db.before-restore-*"))


def test_a_relative_data_dir_and_backup_path_work_every_time(
    store_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--data-dir data`` crashed once the store existed: a relative path has no URI."""
    monkeypatch.chdir(store_path.parent.parent)
    for _ in range(2):
        assert run("audit", "verify", "--data-dir", "data") == 0
        assert run("backup", "b.db", "--data-dir", "data") == 0
    assert run("restore", "b.db", "--data-dir", "data") == 0
    assert "哈希链完整" in capsys.readouterr().out


def compact(*words: str) -> int:
    """``counter compact`` (through the cli: the app's dispatch names its commands)."""
    from counter import cli

    return cli.main(["compact", *words], lambda: NOW)


def test_compact_rewrites_a_large_old_store_smaller_and_incremental(
    store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store from before incremental vacuum, with pages freed inside it (what the
    upkeep leaves on a store too large to switch alone, issue 32)."""
    conn = sqlite3.connect(store_path)
    conn.execute("PRAGMA auto_vacuum = NONE")
    conn.execute("VACUUM")
    conn.execute("CREATE TABLE freed (b BLOB)")
    conn.executemany("INSERT INTO freed VALUES (zeroblob(4000))", [()] * 2000)
    conn.commit()
    conn.execute("DROP TABLE freed")
    conn.commit()
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] >= 2000
    conn.close()
    size = store_path.stat().st_size
    assert compact("--data-dir", str(store_path.parent)) == 0
    assert "数据文件已整理" in capsys.readouterr().out
    assert store_path.stat().st_size <= size - 2000 * 4000
    db = open_store(store_path)
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental from now on
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_compact_is_refused_while_counter_has_the_store_open(
    store_path: Path,
    capsys: pytest.CaptureFixture[str],
    open_elsewhere: subprocess.Popen[str],
) -> None:
    size = store_path.stat().st_size
    assert compact("--data-dir", str(store_path.parent)) == 2
    assert "请先退出所有 Counter 窗口再整理" in capsys.readouterr().err
    assert store_path.stat().st_size == size


def test_compact_refuses_a_folder_without_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert compact("--data-dir", str(tmp_path)) == 2
    assert "没有 Counter 数据" in capsys.readouterr().err


def test_the_app_hands_every_maintenance_command_to_the_cli() -> None:
    """`counter compact` reaches the CLI like backup and restore, not the app's options."""
    from counter import app, cli

    assert app.CLI_COMMANDS == cli.COMMANDS


def test_compact_packs_history_nobody_works_on_and_says_so(
    store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A case closed half a year ago goes into its pack; it reads the same after."""
    from datetime import timedelta

    from counter.model.settings import Settings
    from counter.services.bootstrap import DEMO_PASSWORD
    from counter.services.calendar_service import CalendarService
    from counter.services.cases_service import CasesService
    from counter.services.catalog_service import CatalogService
    from counter.services.intake_service import IntakeService
    from counter.services.session import sign_in
    from counter.store import cases_store
    from tests.services.test_case_packs import closed

    then = NOW - timedelta(days=180)
    db = open_store(store_path)
    settings = Settings()
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    services = (intake, CasesService(db, intake, calendar, settings))
    case_id = closed(services, sign_in(db, "lina", DEMO_PASSWORD, "3", then), then)
    events = cases_store.events(db, case_id)
    db.close()
    assert compact("--data-dir", str(store_path.parent)) == 0
    assert "已归档历史：办件 1 件" in capsys.readouterr().out
    db = open_store(store_path)
    assert db.execute("SELECT count(*) FROM case_packs").fetchone()[0] == 1
    assert cases_store.events(db, case_id) == events
    db.close()
