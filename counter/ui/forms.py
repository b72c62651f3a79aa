"""Showing errors where the person typed: a red line under each field, every field's at
once (a submit with three mistakes shows three), each in its own space."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from counter.model.errors import CounterError, ValidationError, ValidationErrors
from counter.ui import safety_net

ERROR_STYLE = "color: #b00020;"


class WrappedLabel(QLabel):
    """Wrapped text that always gets the height it needs at the width it has: a page
    short of room grows (or scrolls, in the main window) rather than clipping it or
    drawing the next line over it.

    Qt's layouts give a word-wrapped label its height for its width but leave it out
    of the page's minimum size, so a page short of room squeezes its neighbours below
    theirs; asked for its size instead, this says the height its text needs at the
    width it was last given, and asks again when that width changes."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self.width() > 0:
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def setText(self, text: str) -> None:
        super().setText(text)
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # wrapped anew: another height


class FieldMessage(WrappedLabel):
    """A message under a field, each in its own space; hidden until it has one."""

    def __init__(self, name: str, style: str = ERROR_STYLE) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setStyleSheet(style)
        self.hide()


class FieldErrors:
    """Maps a model field name to the label under its widget."""

    def __init__(self) -> None:
        self.labels: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}
        self.general: QLabel = FieldMessage("generalError")

    def add_row(self, form: QFormLayout, label: str, field: str, widget: QWidget) -> None:
        error = FieldMessage(f"error_{field}")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        layout.addWidget(error)
        form.addRow(label, box)
        self.labels[field] = error
        self.widgets[field] = widget

    def clear(self) -> None:
        for label in (*self.labels.values(), self.general):
            label.clear()
            label.hide()

    def show(self, exc: CounterError) -> None:
        """Put each message at its field and move the cursor to the first; a message
        for no field here is shown on top. Several fields' (:class:`ValidationErrors`)
        are all shown together, replacing the last submit's.

        A storage fault also goes to the safety net's dialog and the log: the clerk's
        action was not saved, which a red line at the top of the page may not tell her.
        """
        self.clear()
        message = safety_net.page_message(exc)
        if isinstance(exc, ValidationErrors):
            messages = exc.messages
        elif isinstance(exc, ValidationError):
            messages = {exc.field: message}
        else:
            messages = {"": message}
        self.show_all(messages)

    def show_all(self, messages: Mapping[str, str]) -> None:
        """Every field's message at once; the cursor goes to the first field named."""
        general = [text for field, text in messages.items() if field not in self.labels]
        for field, text in messages.items():
            if field in self.labels:
                self.labels[field].setText(text)
                self.labels[field].show()
        if general:
            self.general.setText("；".join(general))
            self.general.show()
        first = next((f for f in messages if f in self.widgets), None)
        if first is not None:
            self.widgets[first].setFocus()

    def text(self, field: str) -> str:
        return self.labels[field].text() if field in self.labels else self.general.text()
