"""A supervisor confirms soft warnings at the clerk's window with their own password."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.intake import FieldWarning
from counter.services.intake_service import IntakeService, Override
from counter.services.session import Session
from counter.ui.forms import FieldErrors


class OverrideDialog(QDialog):
    def __init__(
        self,
        intake: IntakeService,
        session: Session,
        warnings: Sequence[FieldWarning],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.intake = intake
        self.session = session
        self.warnings = tuple(warnings)
        self.override: Override | None = None
        self.setWindowTitle(self.tr("值班长确认"))
        text = QLabel("\n".join(f"· {w.message}" for w in self.warnings))
        text.setWordWrap(True)
        self.login = QLineEdit()
        self.login.setObjectName("override_login")
        self.password = QLineEdit()
        self.password.setObjectName("override_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors = FieldErrors()
        form = QFormLayout()
        self.errors.add_row(form, self.tr("值班长工号"), "override_login", self.login)
        self.errors.add_row(form, self.tr("密码"), "override_password", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确认"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.on_confirm)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("以下情况需值班长核对确认：")))
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)

    def on_confirm(self) -> None:
        try:
            self.override = self.intake.confirm_override(
                self.session, self.warnings, self.login.text(), self.password.text()
            )
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.accept()
