"""What the main window gets for trust: the screen lock, the recorded sign-in and
sign-out, and the supervisor's backup action. One call from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox
from sqlite_utils import Database

from counter.model.errors import CounterError
from counter.model.staff import Role
from counter.services import session_trail
from counter.services.maintenance import backup_store
from counter.services.session import Session
from counter.ui.screen_lock import IdleLock


class SignOutOnClose(QObject):
    """Closing the main window signs the person out, and the sign-out is recorded."""

    def __init__(
        self, window: QMainWindow, db: Database, session: Session, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(window)
        self.db, self.session, self.clock = db, session, clock
        self.signed_out = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and not self.signed_out:
            self.signed_out = True
            session_trail.note(self.db, self.session, "sign_out", self.clock(), reason="关闭窗口")
        return False


class BackupAction(QAction):
    """文件 → 备份数据…: the supervisor copies the store while the counter keeps working."""

    def __init__(
        self,
        window: QMainWindow,
        db: Database,
        session: Session,
        store_path: Path,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(window.tr("备份数据…"), window)
        self.setObjectName("backupAction")
        self.window, self.db, self.session = window, db, session
        self.store_path, self.clock = store_path, clock
        self.triggered.connect(self.on_triggered)

    def on_triggered(self) -> None:
        name = f"counter-备份-{self.clock():%Y%m%d-%H%M}.db"
        path, _ = QFileDialog.getSaveFileName(
            self.window, self.window.tr("备份数据到"), str(Path.home() / name), "*.db"
        )
        if path:
            self.backup_to(Path(path))

    def backup_to(self, path: Path) -> Path | None:
        try:
            dest = backup_store(self.db, self.store_path, path, self.session, self.clock())
        except (CounterError, OSError) as exc:
            message = getattr(exc, "message", str(exc))
            QMessageBox.critical(self.window, self.window.tr("备份失败"), message)
            return None
        QMessageBox.information(
            self.window, self.window.tr("备份完成"), self.window.tr("已备份到 {}").format(dest)
        )
        return dest


def attach_trust(
    window: QMainWindow,
    db: Database,
    session: Session,
    clock: Callable[[], datetime],
    *,
    lock_minutes: int,
    store_path: Path,
) -> IdleLock:
    session_trail.note(db, session, "sign_in", clock())
    SignOutOnClose(window, db, session, clock)
    if session.staff.role in (Role.SUPERVISOR, Role.ADMIN):
        menu = window.menuBar().actions()[0].menu()
        first = menu.actions()[0] if menu.actions() else None
        action = BackupAction(window, db, session, store_path, clock)
        if first is not None:
            menu.insertAction(first, action)
        else:
            menu.addAction(action)
    return IdleLock(window, db, session, clock, lock_minutes)
