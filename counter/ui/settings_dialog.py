"""The settings dialog, generated from the declarations in ``counter.model.settings``.

The fields scroll; 保存 and 取消 stay in view below them, on any screen
(counter.ui.screen_fit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRect, QSize
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.settings import SETTINGS
from counter.services.session import Session
from counter.services.settings_service import SettingsService
from counter.ui.forms import FieldErrors
from counter.ui.screen_fit import fit_to_screen

if TYPE_CHECKING:
    from counter.ui.voice import Voice


def _board_voice(parent: QObject) -> Voice:
    """The call board's voice, as this machine would play it (loaded on the first 试听)."""
    from counter.ui.voice import make_voice

    return make_voice(parent)


class SettingsDialog(QDialog):
    def __init__(
        self, service: SettingsService, session: Session, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.setWindowTitle(self.tr("设置"))
        self.editors: dict[str, QWidget] = {}
        self.errors = FieldErrors()
        self.fields = QWidget()
        self.fields.setObjectName("settingsFields")
        form = self.form = QFormLayout(self.fields)
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
            if declared.key == "board_recent":
                self._add_listen_row(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        self.scroller = QScrollArea()
        self.scroller.setObjectName("settingsScroll")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setWidget(self.fields)
        self.box = QVBoxLayout(self)
        self.box.addWidget(self.scroller, 1)
        self.box.addWidget(self.errors.general)
        self.box.addWidget(buttons)
        self.fit_to_screen()

    def _add_listen_row(self, form: QFormLayout) -> None:
        """试听 under the board's settings: the chime and a sample call, played as the
        call board on this machine would (counter.ui.voice), so whoever sets up a
        board hears whether it speaks before the hall opens."""
        #: Makes the voice on the first 试听 (a test gives its own).
        self.make_voice: Callable[[QObject], Voice] = _board_voice
        self.voice: Voice | None = None
        self.listen = QPushButton(self.tr("试听"))
        self.listen.setObjectName("boardListen")
        self.listen.setToolTip(self.tr("播放叫号提示音和一次示例叫号"))
        self.listen.clicked.connect(self.on_listen)
        self.finished.connect(self._stop_voice)  # no chime plays on after 保存 or 取消
        hint = QLabel(self.tr("提示音＋示例叫号，检查本机叫号屏的声音"))
        hint.setStyleSheet("color: #666;")
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.listen)
        line.addWidget(hint, 1)
        form.addRow(self.tr("叫号屏语音"), row)

    def on_listen(self) -> None:
        """The chime and a sample call, in the board's words (call_text) and manner
        (announcement), for the window number typed here."""
        from counter.model.queue import call_text
        from counter.ui.voice import announcement

        if self.voice is None:
            self.voice = self.make_voice(self)
        window = self.editors.get("window_number")
        number = window.text().strip() if isinstance(window, QLineEdit) else ""
        self.voice.say(announcement(call_text("A001", number if number.isdecimal() else "1")))

    def _stop_voice(self) -> None:
        stop = getattr(self.voice, "stop", None)
        if callable(stop):
            stop()
        self.voice = None

    def preferred_size(self) -> QSize:
        """Every field without scrolling, 560 wide at least: what a large screen shows."""
        fields = self.fields.sizeHint()
        bar = self.scroller.verticalScrollBar().sizeHint().width()
        margins = self.box.contentsMargins()
        spacing = self.box.spacing()
        width = max(560, fields.width() + bar + margins.left() + margins.right())
        height = (
            fields.height()
            + self.buttons.sizeHint().height()
            + spacing
            + margins.top()
            + margins.bottom()
        )
        return QSize(width, height)

    def fit_to_screen(self, area: QRect | None = None) -> QRect:
        """As large as every field needs, no larger than ``area`` (the screen's)."""
        return fit_to_screen(self, self.preferred_size(), area)

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
            self.scroll_to(getattr(exc, "field", None))
            return
        self.accept()

    def scroll_to(self, key: str | None) -> None:
        """The field an error is shown at, with its error line, scrolled into view."""
        if key not in self.editors:
            return
        self.form.activate()  # the error line just shown takes its place first
        self.scroller.ensureWidgetVisible(self.errors.labels[key])
        self.scroller.ensureWidgetVisible(self.editors[key])
