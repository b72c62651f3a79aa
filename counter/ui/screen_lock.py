"""The screen lock: after a configurable idle time, or at once with Ctrl+L, the window
hides its pages and asks the signed-in person's password again.

Idle means no key or mouse input anywhere in the application. Ctrl+L locks from
anywhere in the main window, before any page's own use of the key. While locked the
main window's pages are hidden, so an applicant's details are not left on an empty
desk; the ticket in hand stays at the window. Only the same person's password unlocks
(wrong ones are counted as at sign-in); 切换用户 signs her out to the sign-in dialog.
Locking and unlocking are recorded in the audit log. The password is checked on a
worker thread (counter.ui.password_check), so the lock dialog stays painted meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from counter.model.errors import CounterError
from counter.services import session_trail
from counter.services.session import Session
from counter.ui.forms import FieldErrors
from counter.ui.password_check import PasswordVerifier, done_waiting, wait_on
from counter.ui.product import window_title

if TYPE_CHECKING:
    from counter.services.session import PasswordCheck

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)
#: Locks at once, from anywhere in the main window.
LOCK_KEY = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_L)


class LockDialog(QDialog):
    """Only the signed-in person's password opens it; Esc does not. 切换用户 calls
    ``switch_user`` (by default it closes the window)."""

    def __init__(
        self,
        db: Database,
        session: Session,
        clock: Callable[[], datetime],
        parent: QMainWindow,
        switch_user: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.session, self.clock = db, session, clock
        self.setObjectName("lockDialog")
        self.setWindowTitle(window_title(self.tr("已锁屏")))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        staff = session.staff
        title = QLabel(
            self.tr("<h2>已锁屏</h2><p>{} · {}</p><p>请输入密码解锁。</p>").format(
                staff.description, session.where
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
        self.switch_button = buttons.addButton(
            self.tr("切换用户(&U)"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.switch_button.setObjectName("switchUser")
        buttons.accepted.connect(self.on_unlock)
        self.switch_button.clicked.connect(switch_user or parent.close)
        self.verifier = PasswordVerifier(self)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)
        self.password.setFocus()

    def on_unlock(self) -> None:
        """The try read from the store, its password checked on the worker thread; a
        second Enter meanwhile is ignored."""
        if self.verifier.busy:
            return
        try:
            check = session_trail.start_unlock(
                self.db, self.session, self.password.text(), self.clock()
            )
        except CounterError as exc:
            self.refused(exc)
            return
        wait_on(self.unlock_button, [self.switch_button], self.tr("正在解锁…"))
        self.verifier.verify(check, self.on_checked)

    def on_checked(self, check: PasswordCheck) -> None:
        done_waiting(self.unlock_button, [self.switch_button], self.tr("解锁 (Enter)"))
        try:
            session_trail.finish_unlock(self.db, self.session, check)
        except CounterError as exc:
            self.refused(exc)
            return
        self.accept()

    def refused(self, exc: CounterError) -> None:
        self.errors.show(exc)
        self.password.selectAll()

    def reject(self) -> None:
        """Esc and the close button leave the screen locked."""


class IdleLock(QObject):
    """Watches the application's input: locks ``window`` after ``minutes`` without any
    (never, at 0) and at once on Ctrl+L in it."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        window: QMainWindow,
        db: Database,
        session: Session,
        clock: Callable[[], datetime],
        minutes: int,
        switch_user: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(window)
        self.window, self.db, self.session, self.clock = window, db, session, clock
        self.switch_user = switch_user
        self.dialog: LockDialog | None = None
        self.stopped = False
        self.idle = minutes > 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.timeout.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        window.installEventFilter(self)
        if self.idle:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window and kind == QEvent.Type.Close:
            # A close may yet be refused (a ticket in hand): see once it is done.
            QTimer.singleShot(0, self, self._stop_if_closed)
        elif self.stopped or self.dialog is not None:
            pass
        elif kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and self._lock_key(
            watched, event
        ):
            # Taken before the shortcut map sees it, so no page's Ctrl+L competes with
            # it: the override makes the key a plain press, and the press locks.
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()
            else:
                self.lock()
            return True
        elif self.idle and kind in INPUT_EVENTS:
            self.timer.start()
        return False

    def _lock_key(self, watched: QObject, event: QEvent) -> bool:
        return (
            isinstance(event, QKeyEvent)
            and event.keyCombination() == LOCK_KEY
            and isinstance(watched, QWidget)
            and watched.window() is self.window
        )

    def _stop_if_closed(self) -> None:
        if not self.window.isVisible():
            self.stop()  # a closed window has nothing left to lock

    def lock(self) -> None:
        if self.dialog is not None or self.stopped:
            return
        session_trail.note(self.db, self.session, "lock", self.clock())
        central = self.window.centralWidget()
        if central is not None:
            central.hide()
        self.dialog = LockDialog(
            self.db, self.session, self.clock, self.window, switch_user=self.switch_user
        )
        self.dialog.accepted.connect(self.on_unlocked)
        self.dialog.open()
        self.dialog.activateWindow()  # the password is typed at once, whatever had focus
        self.locked.emit()

    def on_unlocked(self) -> None:
        central = self.window.centralWidget()
        if central is not None:
            central.show()
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        if self.idle and not self.stopped:
            self.timer.start()
        self.unlocked.emit()

    def stop(self) -> None:
        """The window is done with (closed, or its person signed out): no more locking,
        and a lock dialog still open goes (the pages stay hidden)."""
        self.stopped = True
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
