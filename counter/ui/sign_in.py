"""Sign-in at the window: staff number, password, window number.

A login refused after five wrong passwords (counter.model.lockout) is said with the
time it is refused until; 值班长解锁 (Alt+S) then lets the duty supervisor lift it with
her own login and password, at this dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from counter.model.errors import CounterError
from counter.model.lockout import SignInLockedError
from counter.services.session import Session, sign_in, sign_out
from counter.services.staff_service import StaffService
from counter.ui.forms import FieldErrors
from counter.ui.product import window_title


class SignInDialog(QDialog):
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        *,
        hall_name: str,
        window: str = "1",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.clock = clock
        self.session: Session | None = None
        self.setWindowTitle(window_title(self.tr("登录"), hall_name))
        self.setMinimumWidth(420)

        title = QLabel(f"<h2>{hall_name}</h2><p>{self.tr('综合窗口 · 一窗通办')}</p>")
        self.login = QLineEdit()
        self.login.setObjectName("login")
        self.login.setPlaceholderText(self.tr("工号"))
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.window_no = QLineEdit(window)
        self.window_no.setObjectName("window")
        self.window_no.setMaxLength(3)
        self.window_no.setPlaceholderText(self.tr("帮代办专员可不填"))

        self.errors = FieldErrors()
        form = QFormLayout()
        self.errors.add_row(form, self.tr("工号"), "login", self.login)
        self.errors.add_row(form, self.tr("密码"), "password", self.password)
        self.errors.add_row(form, self.tr("窗口号"), "window", self.window_no)

        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(self.tr("登录"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setDefault(True)
        buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole)
        self.unlock_button = buttons.addButton(
            self.tr("值班长解锁(&S)"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.unlock_button.setObjectName("supervisorUnlock")
        self.unlock_button.setAutoDefault(False)
        self.unlock_button.hide()  # until a login is refused for a while
        self.unlock_button.clicked.connect(self.on_supervisor_unlock)
        buttons.accepted.connect(self.on_submit)
        buttons.rejected.connect(self.reject)
        self.unlock_dialog: SupervisorUnlockDialog | None = None
        self.notice = QLabel()
        self.notice.setObjectName("signInNotice")
        self.notice.setStyleSheet("color: #0b6e4f;")
        self.notice.setWordWrap(True)
        self.notice.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.notice)
        layout.addWidget(buttons)
        self.login.setFocus()

    def on_submit(self) -> None:
        try:
            self.session = sign_in(
                self.db,
                self.login.text(),
                self.password.text(),
                self.window_no.text(),
                self.clock(),
            )
        except CounterError as exc:
            self.notice.hide()
            self.errors.show(exc)
            self.unlock_button.setVisible(isinstance(exc, SignInLockedError))
            if getattr(exc, "field", None) == "password":
                self.password.selectAll()
            return
        self.accept()

    def on_supervisor_unlock(self) -> None:
        dialog = SupervisorUnlockDialog(
            self.db, self.clock, self.login.text(), self.window_no.text(), self
        )
        dialog.accepted.connect(self.on_unlocked)
        self.unlock_dialog = dialog
        dialog.open()

    def on_unlocked(self) -> None:
        self.errors.clear()
        self.unlock_button.hide()
        self.notice.setText(self.tr("值班长已解除该工号的登录限制，请重新输入密码。"))
        self.notice.show()
        self.password.clear()
        self.password.setFocus()


class SupervisorUnlockDialog(QDialog):
    """值班长解锁: the duty supervisor's own login and password lift the refusal of
    ``login``; her sign-in here is only for this, and recorded with the unlocking."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        login: str,
        window: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.clock, self.locked_login, self.window_no = db, clock, login, window
        self.setObjectName("supervisorUnlockDialog")
        self.setWindowTitle(self.tr("值班长解锁"))
        self.setMinimumWidth(400)
        intro = QLabel(
            self.tr("解除工号 {} 的登录限制：请值班长输入自己的工号和密码。").format(
                login.strip().lower()
            )
        )
        intro.setWordWrap(True)
        self.login = QLineEdit()
        self.login.setObjectName("supervisorLogin")
        self.password = QLineEdit()
        self.password.setObjectName("supervisorPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors = FieldErrors()
        form = QFormLayout()
        self.errors.add_row(form, self.tr("值班长工号"), "login", self.login)
        self.errors.add_row(form, self.tr("密码"), "password", self.password)
        buttons = QDialogButtonBox()
        ok = buttons.addButton(self.tr("解锁"), QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.on_submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)
        self.login.setFocus()

    def on_submit(self) -> None:
        now = self.clock()
        try:
            supervisor = sign_in(
                self.db, self.login.text(), self.password.text(), self.window_no, now
            )
            try:
                StaffService(self.db).unlock_sign_in(supervisor, self.locked_login, now)
            finally:
                sign_out(self.db)  # she was signed in for this only
        except CounterError as exc:
            self.errors.show(exc)
            if getattr(exc, "field", None) == "password":
                self.password.selectAll()
            return
        self.accept()
