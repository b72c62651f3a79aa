"""The settings dialog, generated from the declarations in ``counter.model.settings``."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.settings import SETTINGS
from counter.services.session import Session
from counter.services.settings_service import SettingsService
from counter.ui.forms import FieldErrors


class SettingsDialog(QDialog):
    def __init__(
        self, service: SettingsService, session: Session, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.setWindowTitle(self.tr("设置"))
        self.setMinimumWidth(560)
        self.editors: dict[str, QWidget] = {}
        self.errors = FieldErrors()
        form = QFormLayout()
        for declared in SETTINGS:
            value = service.settings[declared.key]
            editor: QWidget
            if declared.kind == "bool":
                editor = QCheckBox()
                editor.setChecked(bool(value))
            elif declared.kind == "choice":
                editor = QComboBox()
                editor.addItems(list(declared.choices))
                editor.setCurrentText(str(value))
            else:
                editor = QLineEdit(str(value))
            editor.setObjectName(declared.key)
            editor.setToolTip(declared.description)
            if declared.key in service.published:
                editor.setEnabled(False)
                editor.setToolTip(self.tr("由中心统一设置：") + declared.description)
            self.editors[declared.key] = editor
            self.errors.add_row(form, declared.label, declared.key, editor)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[key] = editor.isChecked()
            elif isinstance(editor, QComboBox):
                values[key] = editor.currentText()
            elif isinstance(editor, QLineEdit):
                values[key] = editor.text()
        return values

    def on_save(self) -> None:
        try:
            self.service.update(self.session, self.values())
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.accept()
