"""Sign-in at the window: staff number, password, window number."""

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
from counter.services.session import Session, sign_in
from counter.ui.forms import FieldErrors


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
        self.setWindowTitle(self.tr("Counter 登录 — {}").format(hall_name))
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

        self.errors = FieldErrors()
        form = QFormLayout()
        self.errors.add_row(form, self.tr("工号"), "login", self.login)
        self.errors.add_row(form, self.tr("密码"), "password", self.password)
        self.errors.add_row(form, self.tr("窗口号"), "window", self.window_no)

        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(self.tr("登录"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setDefault(True)
        buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.on_submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
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
            self.errors.show(exc)
            if getattr(exc, "field", None) == "password":
                self.password.selectAll()
            return
        self.accept()
