"""Screen lock after idle time, recorded sign-in/out, and the supervisor's backup action."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.errors import RoleRefusedError
from counter.services.bootstrap import DEMO_PASSWORD, open_counter_store
from counter.services.maintenance import schedule_restore
from counter.services.queue_service import LocalQueue
from counter.services.session import Session, sign_in
from counter.store import audit_log, backup
from counter.ui.application import Desk
from counter.ui.main_window import MainWindow
from counter.ui.queue_panel import QueuePanel
from counter.ui.screen_lock import IdleLock, LockDialog
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


def test_the_lock_says_where_she_works_a_window_or_out_on_visits(
    qtbot: QtBot, window: QMainWindow, db: Database, clerk: Session, now: datetime,
    clock: Callable[[], datetime],
) -> None:  # fmt: skip
    lock = locked_after_idle(qtbot, window, db, clerk, clock)
    assert lock.dialog is not None and "3 号窗口" in lock.dialog.findChild(QLabel).text()
    lock.stop()
    out = sign_in(db, "wangqiang", DEMO_PASSWORD, "", now)  # a specialist on visits
    lock = locked_after_idle(qtbot, window, db, out, clock)
    assert lock.dialog is not None
    text = lock.dialog.findChild(QLabel).text()
    assert "外勤" in text and "号窗口" not in text


def test_a_wrong_password_keeps_it_locked_and_says_so_at_the_field(
    qtbot: QtBot, window: QMainWindow, db: Database, clerk: Session, clock: Callable[[], datetime]
) -> None:
    lock = locked_after_idle(qtbot, window, db, clerk, clock)
    assert lock.dialog is not None
    qtbot.keyClicks(lock.dialog.password, "wrong-password")
    qtbot.keyClick(lock.dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lock.dialog is not None and not lock.dialog.verifier.busy)
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


# --- Ctrl+L, 切换用户 and quitting with a ticket in hand, on the real main window ---------


def open_desk(qtbot: QtBot, desk: Desk, session: Session) -> MainWindow:
    window = desk.open(session)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    return window


def lock_dialog(window: QMainWindow) -> LockDialog | None:
    """The lock dialog on screen (one closed before may await deletion)."""
    shown = [d for d in window.findChildren(LockDialog) if d.isVisible()]
    return shown[0] if shown else None


@contextmanager
def answering(qtbot: QtBot, key: Qt.Key) -> Iterator[list[str]]:
    """Each message box shown meanwhile, answered with ``key`` from the keyboard: its
    text and its default button, in the list yielded."""
    asked: list[str] = []
    answered: list[QMessageBox] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible() and box not in answered:
            answered.append(box)  # once: a letter key clicks a moment later
            default = box.defaultButton()
            asked.append(box.text())
            asked.append(box.standardButton(default).name if default is not None else "")
            qtbot.keyClick(box, key)

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(answer)
    timer.start()
    try:
        yield asked
    finally:
        timer.stop()


def switch_user_key(qtbot: QtBot, dialog: LockDialog) -> None:
    """Alt+U: 切换用户(&U) clicks (animated, so a moment later)."""
    clicked: list[bool] = []
    dialog.switch_button.clicked.connect(lambda: clicked.append(True))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(clicked))


def test_ctrl_l_locks_at_once_from_any_page_and_the_same_password_unlocks(
    qtbot: QtBot, desk: Desk, db: Database, clerk: Session
) -> None:
    window = open_desk(qtbot, desk, clerk)
    for row, page in enumerate(window.pages[:3]):
        window.show_page(row)
        focus = page.focusWidget() or page
        focus.setFocus()
        qtbot.keyClick(focus, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        dialog = lock_dialog(window)
        assert dialog is not None, f"Ctrl+L did not lock on {page.title}"  # type: ignore[attr-defined]
        assert not window.centralWidget().isVisible()
        qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: lock_dialog(window) is None)  # checked on a worker thread
        assert window.centralWidget().isVisible()
    assert [e.split('"event":"')[1].split('"')[0] for e in events(db)[1:]] == [
        "lock",
        "unlock",
    ] * 3


def test_another_password_does_not_unlock_what_ctrl_l_locked(
    qtbot: QtBot, desk: Desk, clerk: Session
) -> None:
    window = open_desk(qtbot, desk, clerk)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = lock_dialog(window)
    assert dialog is not None
    qtbot.keyClicks(dialog.password, "not-her-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.verifier.busy)
    assert dialog.errors.text("password") == "密码不正确"
    assert lock_dialog(window) is dialog and not window.centralWidget().isVisible()


def test_switch_user_from_the_lock_returns_to_sign_in_and_opens_the_next_persons_window(
    qtbot: QtBot, desk: Desk, db: Database, clerk: Session
) -> None:
    window = open_desk(qtbot, desk, clerk)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = lock_dialog(window)
    assert dialog is not None
    switch_user_key(qtbot, dialog)
    sign_in_dialog = desk.sign_in_dialog
    assert sign_in_dialog is not None and sign_in_dialog.isVisible()
    qtbot.waitUntil(lambda: not shiboken6.isValid(window))  # closed, and let go
    assert sign_in_dialog.window_no.text() == clerk.window
    assert '"event":"sign_out"' in events(db)[-1] and "切换用户" in events(db)[-1]
    qtbot.keyClicks(sign_in_dialog.login, "wangqiang")
    qtbot.keyClick(sign_in_dialog.login, Qt.Key.Key_Tab)
    qtbot.keyClicks(sign_in_dialog.password, DEMO_PASSWORD)
    qtbot.keyClick(sign_in_dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.window is not None)  # checked on a worker thread
    assert desk.window is not None and desk.window is not window and desk.window.isVisible()
    assert desk.window.session.staff.login == "wangqiang"
    assert desk.window.session.window == clerk.window


def test_switch_user_is_on_the_file_menu(
    qtbot: QtBot, desk: Desk, db: Database, clerk: Session
) -> None:
    window = open_desk(qtbot, desk, clerk)
    menu = window.menuBar().actions()[0].menu()
    names = [a.objectName() for a in menu.actions()]  # type: ignore[union-attr]
    assert names.index("lockAction") < names.index("switchUserAction") < len(names) - 1
    action = window.findChild(QAction, "switchUserAction")
    assert action is not None
    action.trigger()
    assert desk.sign_in_dialog is not None and desk.sign_in_dialog.isVisible()
    assert not window.isVisible()


def call_a_ticket(qtbot: QtBot, window: MainWindow) -> QueuePanel:
    panel = next(p for p in window.pages if isinstance(p, QueuePanel))
    window.show_page(window.pages.index(panel))
    panel.services.setFocus()
    qtbot.keyClick(panel.services, Qt.Key.Key_F1)
    assert panel.current is not None and panel.current.number == "A001"
    return panel


def test_quitting_with_a_called_ticket_asks_and_no_keeps_the_window_open(
    qtbot: QtBot, desk: Desk, db: Database, clerk: Session, now: datetime
) -> None:
    LocalQueue(db).issue("A", now)
    window = open_desk(qtbot, desk, clerk)
    call_a_ticket(qtbot, window)
    with answering(qtbot, Qt.Key.Key_Return) as asked:
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # 退出
    assert asked == ["您正在办理 A001，退出后该号仍在本窗口，确定退出？", "No"]
    assert window.isVisible()
    assert '"event":"sign_out"' not in events(db)[-1]
    with answering(qtbot, Qt.Key.Key_Y) as asked:
        window.close()
    assert asked and not window.isVisible()
    assert '"event":"sign_out"' in events(db)[-1]


def test_switching_user_with_a_called_ticket_asks_too(
    qtbot: QtBot, desk: Desk, db: Database, clerk: Session, now: datetime
) -> None:
    LocalQueue(db).issue("A", now)
    window = open_desk(qtbot, desk, clerk)
    call_a_ticket(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = lock_dialog(window)
    assert dialog is not None
    with answering(qtbot, Qt.Key.Key_Return) as asked:
        switch_user_key(qtbot, dialog)
    assert asked == ["您正在办理 A001，切换后该号仍在本窗口，确定切换用户？", "No"]
    assert lock_dialog(window) is dialog and desk.sign_in_dialog is None
    assert '"event":"lock"' in events(db)[-1]


def test_quitting_with_no_ticket_in_hand_asks_nothing(
    qtbot: QtBot, desk: Desk, db: Database, clerk: Session
) -> None:
    window = open_desk(qtbot, desk, clerk)
    with answering(qtbot, Qt.Key.Key_Return) as asked:
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert asked == [] and not window.isVisible()
