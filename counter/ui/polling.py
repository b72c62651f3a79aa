"""Stations and the queue panel follow the shared store by polling it, only while shown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _PollWhileShown(QObject):
    def __init__(self, widget: QWidget, timer: QTimer, refresh: Callable[[], object]) -> None:
        super().__init__(widget)
        self.timer = timer
        self.refresh = refresh

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.timer.start()
            self.refresh()
        elif event.type() == QEvent.Type.Hide:
            self.timer.stop()
        return False


def poll_while_shown(widget: QWidget, interval_ms: int, refresh: Callable[[], object]) -> QTimer:
    """A timer calling ``refresh`` every ``interval_ms`` while ``widget`` is on screen,
    and once each time it appears; hidden, it stops, so a page out of view costs nothing."""
    timer = QTimer(widget)
    timer.setInterval(interval_ms)
    timer.timeout.connect(refresh)
    widget.installEventFilter(_PollWhileShown(widget, timer, refresh))
    return timer
