"""Screen lock after idle time, recorded sign-in/out, and the supervisor's backup action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.errors import RoleRefusedError
from counter.services.bootstrap import DEMO_PASSWORD, open_counter_store
from counter.services.maintenance import schedule_restore
from counter.services.session import Session, sign_in
from counter.store import audit_log, backup
from counter.ui.screen_lock import IdleLock
from counter.ui.trust import BackupAction, RestoreAction, attach_trust


@pytest.fixture
def clerk(db: Database, now: datetime) -> Session:
    return sign_in(db, "lina", DEMO_PASSWORD, "3", now)


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> QMainWindow:
    """Asks for the store first, so the window closes (and signs out) before it does."""
    win = QMainWindow()
    win.setCentralWidget(QLabel("申请人 110101199003074578"))
    win.menuBar().addMenu("文件(&F)").addAction("退出")
    qtbot.addWidget(win)
    win.show()
    return win


def events(db: Database) -> list[str]:
    return [e["detail"] for e in audit_log.entries(db) if e["action"] == "session"]


def locked_after_idle(qtbot: QtBot, window, db, session, clock) -> IdleLock:  # type: ignore[no-untyped-def]
    lock = IdleLock(window, db, session, clock, minutes=5)
    lock.timer.setInterval(30)  # five minutes, shortened for the test
    with qtbot.wait_signal(lock.locked, timeout=2000):
        lock.timer.start()
    return lock


def test_idle_time_locks_and_hides_the_pages(
    qtbot: QtBot, window: QMainWindow, db: Database, clerk: Session, clock: Callable[[], datetime]
) -> None:
    lock = locked_after_idle(qtbot, window, db, clerk, clock)
    assert lock.dialog is not None and lock.dialog.isVisible()
    assert not window.centralWidget().isVisible()
    assert '"event":"lock"' in events(db)[-1]


def test_a_wrong_password_keeps_it_locked_and_says_so_at_the_field(
    qtbot: QtBot, window: QMainWindow, db: Database, clerk: Session, clock: Callable[[], datetime]
) -> None:
    lock = locked_after_idle(qtbot, window, db, clerk, clock)
    assert lock.dialog is not None
    qtbot.keyClicks(lock.dialog.password, "wrong-password")
    qtbot.keyClick(lock.dialog.password, Qt.Key.Key_Return)
    assert lock.dialog.errors.text("password") == "密码不正确"
    assert not window.centralWidget().isVisible()


def test_escape_does_not_unlock(
    qtbot: QtBot, window: QMainWindow, db: Database, clerk: Session, clock: Callable[[], datetime]
) -> None:
    lock = locked_after_idle(qtbot, window, db, clerk, clock)
    assert lock.dialog is not None
    qtbot.keyClick(lock.dialog, Qt.Key.Key_Escape)
    assert lock.dialog.isVisible()


def test_the_signed_in_password_unlocks_and_is_recorded(
    qtbot: QtBot, window: QMainWindow, db: Database, clerk: Session, clock: Callable[[], datetime]
) -> None:
    lock = locked_after_idle(qtbot, window, db, clerk, clock)
    assert lock.dialog is not None
    qtbot.keyClicks(lock.dialog.password, DEMO_PASSWORD)
    with qtbot.wait_signal(lock.unlocked, timeout=2000):
        qtbot.keyClick(lock.dialog.password, Qt.Key.Key_Return)
    assert window.centralWidget().isVisible()
    assert '"event":"unlock"' in events(db)[-1]
    assert lock.timer.isActive()


def test_closing_the_window_records_the_sign_out(
    window: QMainWindow, db: Database, clerk: Session, clock: Callable[[], datetime]
) -> None:
    attach_trust(window, db, clerk, clock, lock_minutes=0, store_path=Path("unused"))
    window.close()
    assert '"event":"sign_in"' in events(db)[0]
    assert '"event":"sign_out"' in events(db)[-1]


def test_only_a_supervisor_gets_the_backup_action(
    qtbot: QtBot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    found = {}
    for login in ("lina", "zhangwei"):
        win = QMainWindow()
        qtbot.addWidget(win)
        win.menuBar().addMenu("文件(&F)").addAction("退出")
        session = sign_in(db, login, DEMO_PASSWORD, "1", now)
        attach_trust(win, db, session, clock, lock_minutes=0, store_path=Path("unused"))
        menu = win.menuBar().actions()[0].menu()
        found[login] = [a.objectName() for a in menu.actions()].count("backupAction")
        win.close()
    assert found == {"lina": 0, "zhangwei": 1}


def test_the_backup_action_copies_the_store_and_logs_an_export(
    window: QMainWindow,
    db: Database,
    store_path: Path,
    tmp_path: Path,
    now: datetime,
    clock: Callable[[], datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    action = BackupAction(window, db, supervisor, store_path, clock)
    dest = action.backup_to(tmp_path / "backup.db")
    assert dest is not None and dest.exists()
    assert audit_log.entries(db)[-1]["action"] == "export"
    assert shown and str(dest) in shown[0]


def test_restore_from_the_menu_stages_the_backup_and_closes_the_window(
    window: QMainWindow,
    db: Database,
    store_path: Path,
    tmp_path: Path,
    now: datetime,
    clock: Callable[[], datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    saved = BackupAction(window, db, supervisor, store_path, clock).backup_to(tmp_path / "b.db")
    assert saved is not None
    action = RestoreAction(window, db, supervisor, store_path, clock)
    warned: list[Path] = []
    monkeypatch.setattr(action, "confirm", lambda p: warned.append(p) or True)
    pending = action.restore_from(saved)
    assert warned == [saved]
    assert pending == backup.pending_restore_path(store_path) and pending.exists()
    assert audit_log.entries(db)[-1]["target"] == "store:restore"
    assert "重新启动" in shown[-1]
    assert not window.isVisible()


def test_a_restore_cancelled_at_the_warning_stages_nothing(
    window: QMainWindow,
    db: Database,
    store_path: Path,
    tmp_path: Path,
    now: datetime,
    clock: Callable[[], datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    action = RestoreAction(window, db, supervisor, store_path, clock)
    monkeypatch.setattr(action, "confirm", lambda p: False)
    assert action.restore_from(tmp_path / "any.db") is None
    assert not backup.pending_restore_path(store_path).exists()
    assert window.isVisible()


def test_the_staged_restore_is_put_in_place_on_next_start_keeping_the_old_store(
    db: Database, store_path: Path, tmp_path: Path, now: datetime
) -> None:
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    saved = backup.backup(store_path, tmp_path / "b.db")
    schedule_restore(db, store_path, saved, supervisor, now)
    db.close()
    reopened = open_counter_store(store_path.parent, now)
    try:
        restored = {e["id"] for e in audit_log.entries(reopened)}
    finally:
        reopened.close()
    kept = list(store_path.parent.glob(f"{store_path.name}.before-restore-*"))
    assert len(kept) == 1 and not backup.pending_restore_path(store_path).exists()
    assert {e["id"] for e in audit_log.entries(Database(str(saved)))} == restored


def test_a_clerk_cannot_schedule_a_restore(
    db: Database, store_path: Path, tmp_path: Path, clerk: Session, now: datetime
) -> None:
    saved = backup.backup(store_path, tmp_path / "b.db")
    with pytest.raises(RoleRefusedError):
        schedule_restore(db, store_path, saved, clerk, now)
    assert not backup.pending_restore_path(store_path).exists()


def test_the_restore_action_is_on_the_supervisors_menu_only(
    qtbot: QtBot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    found = {}
    for login in ("lina", "zhangwei"):
        win = QMainWindow()
        win.menuBar().addMenu("文件(&F)").addAction("退出")
        qtbot.addWidget(win)
        session = sign_in(db, login, DEMO_PASSWORD, "3", now)
        attach_trust(win, db, session, clock, lock_minutes=0, store_path=Path("unused"))
        menu = win.menuBar().actions()[0].menu()
        found[login] = [a.objectName() for a in menu.actions()].count("restoreAction")
        win.close()
    assert found == {"lina": 0, "zhangwei": 1}
