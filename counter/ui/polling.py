"""Stations and the queue panel follow the shared store by polling it, only while shown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _PollWhileShown(QObject):
    def __init__(
        self, widget: QWidget, timer: QTimer | None, refresh: Callable[[], object]
    ) -> None:
        super().__init__(widget)
        self.timer = timer
        self.refresh = refresh

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            if self.timer is not None:
                self.timer.start()
            self.refresh()
        elif event.type() == QEvent.Type.Hide and self.timer is not None:
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


def refresh_when_shown(widget: QWidget, refresh: Callable[[], object]) -> Callable[..., None]:
    """``refresh`` each time ``widget`` appears, and a callable for a background worker's
    report that refreshes at once only while it is on screen: a hidden page (another
    tab, or a closed window whose store may be closed already) reads when next shown."""
    widget.installEventFilter(_PollWhileShown(widget, None, refresh))

    def reported(*_: object) -> None:
        if widget.isVisible():
            refresh()

    return reported
