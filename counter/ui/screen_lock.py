"""The screen lock: after a configurable idle time the window hides its pages and asks
the signed-in person's password again.

Idle means no key or mouse input anywhere in the application. While locked the main
window's pages are hidden, so an applicant's details are not left on an empty desk.
Locking and unlocking are recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
)
from sqlite_utils import Database

from counter.model.errors import CounterError
from counter.services import session_trail
from counter.services.session import Session
from counter.ui.forms import FieldErrors

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class LockDialog(QDialog):
    """Only the signed-in person's password opens it; Esc does not."""

    def __init__(
        self, db: Database, session: Session, clock: Callable[[], datetime], parent: QMainWindow
    ) -> None:
        super().__init__(parent)
        self.db, self.session, self.clock = db, session, clock
        self.setObjectName("lockDialog")
        self.setWindowTitle(self.tr("Counter 已锁屏"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        staff = session.staff
        title = QLabel(
            self.tr("<h2>已锁屏</h2><p>{} · {} 号窗口</p><p>请输入密码解锁。</p>").format(
                staff.description, session.window
            )
        )
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors = FieldErrors()
        form = QFormLayout()
        self.errors.add_row(form, self.tr("密码"), "password", self.password)
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton(
            self.tr("解锁 (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.unlock_button.setDefault(True)
        self.sign_out_button = buttons.addButton(
            self.tr("退出登录"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        buttons.accepted.connect(self.on_unlock)
        self.sign_out_button.clicked.connect(parent.close)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)
        self.password.setFocus()

    def on_unlock(self) -> None:
        try:
            session_trail.unlock(self.db, self.session, self.password.text(), self.clock())
        except CounterError as exc:
            self.errors.show(exc)
            self.password.selectAll()
            return
        self.accept()

    def reject(self) -> None:
        """Esc and the close button leave the screen locked."""


class IdleLock(QObject):
    """Watches the application's input and locks ``window`` after ``minutes`` without any."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        window: QMainWindow,
        db: Database,
        session: Session,
        clock: Callable[[], datetime],
        minutes: int,
    ) -> None:
        super().__init__(window)
        self.window, self.db, self.session, self.clock = window, db, session, clock
        self.dialog: LockDialog | None = None
        self.stopped = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.timeout.connect(self.lock)
        if minutes > 0:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
            window.installEventFilter(self)
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop()  # a closed window has nothing left to lock
        elif self.dialog is None and not self.stopped and event.type() in INPUT_EVENTS:
            self.timer.start()
        return False

    def lock(self) -> None:
        if self.dialog is not None or self.stopped:
            return
        session_trail.note(self.db, self.session, "lock", self.clock())
        central = self.window.centralWidget()
        if central is not None:
            central.hide()
        self.dialog = LockDialog(self.db, self.session, self.clock, self.window)
        self.dialog.accepted.connect(self.on_unlocked)
        self.dialog.open()
        self.locked.emit()

    def on_unlocked(self) -> None:
        central = self.window.centralWidget()
        if central is not None:
            central.show()
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        if not self.stopped:
            self.timer.start()
        self.unlocked.emit()

    def stop(self) -> None:
        self.stopped = True
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
