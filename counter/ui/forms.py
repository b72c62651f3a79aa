"""Showing errors where the person typed: one red line under each field."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from counter.model.errors import CounterError, ValidationError
from counter.ui import safety_net

ERROR_STYLE = "color: #b00020;"


class FieldErrors:
    """Maps a model field name to the label under its widget."""

    def __init__(self) -> None:
        self.labels: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}
        self.general = QLabel()
        self.general.setObjectName("generalError")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()

    def add_row(self, form: QFormLayout, label: str, field: str, widget: QWidget) -> None:
        error = QLabel()
        error.setObjectName(f"error_{field}")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
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
        """Put the message at its field and move the cursor there; else show it on top.

        A storage fault also goes to the safety net's dialog and the log: the clerk's
        action was not saved, which a red line at the top of the page may not tell her.
        """
        self.clear()
        message = safety_net.page_message(exc)
        field = exc.field if isinstance(exc, ValidationError) else None
        if field in self.labels:
            self.labels[field].setText(message)
            self.labels[field].show()
            self.widgets[field].setFocus()
        else:
            self.general.setText(message)
            self.general.show()

    def text(self, field: str) -> str:
        return self.labels[field].text() if field in self.labels else self.general.text()
