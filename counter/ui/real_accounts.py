"""启用正式账号: the supervisor of a standalone counter replaces the demo accounts.

Shown after a supervisor signs in on a counter that works alone and still has the demo
accounts, whose one password is printed in the README. Each person gets a password of
their own, or the account is switched off; until then the main window says 演示数据.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.staff import Staff
from counter.services.session import Session
from counter.services.staff_service import StaffService
from counter.ui.forms import FieldErrors


class RealAccountsDialog(QDialog):
    def __init__(
        self,
        service: StaffService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.clock = clock
        self.made: dict[str, Staff] = {}
        self.setWindowTitle(self.tr("启用正式账号"))
        self.setMinimumWidth(520)
        intro = QLabel(
            self.tr(
                "本机仍在使用演示账号，演示密码公开在说明书中，任何人都能登录。"
                "正式办件前，请为每位工作人员设置自己的密码（至少 8 位），"
                "不用的账号请勾选“停用”。"
            )
        )
        intro.setWordWrap(True)
        self.errors = FieldErrors()
        self.passwords: dict[str, QLineEdit] = {}
        self.off: dict[str, QCheckBox] = {}
        form = QFormLayout()
        for staff in service.demo_accounts():
            edit = QLineEdit()
            edit.setObjectName(f"password_{staff.login}")
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(self.tr("新密码"))
            off = QCheckBox(self.tr("停用"))
            off.setObjectName(f"off_{staff.login}")
            off.toggled.connect(edit.setDisabled)
            if staff.login == session.staff.login:
                off.setEnabled(False)  # not the account she is signed in with
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(edit, 1)
            line.addWidget(off)
            label = f"{staff.name}（{staff.role.label}，{staff.login}）"
            self.errors.add_row(form, label, staff.login, row)
            self.errors.widgets[staff.login] = edit  # the cursor goes to the password
            self.passwords[staff.login] = edit
            self.off[staff.login] = off

        buttons = QDialogButtonBox()
        self.save = buttons.addButton(self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save.setDefault(True)
        later = buttons.addButton(self.tr("稍后"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save.clicked.connect(self.on_save)
        later.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.errors.general)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> dict[str, str | None]:
        return {
            login: None if self.off[login].isChecked() else edit.text()
            for login, edit in self.passwords.items()
        }

    def own_password(self) -> str:
        return self.passwords[self.session.staff.login].text()

    def on_save(self) -> None:
        try:
            self.made = self.service.replace_demo_accounts(
                self.session, self.chosen(), self.clock()
            )
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.accept()
