"""The call board (叫号屏) for the hall's second screen: latest calls per window, large.

It polls the store on a timer, since the windows call from their own processes. A new
call or recall is spoken through Qt TextToSpeech where that optional module is
installed; otherwise the board beeps, and a machine without sound just shows the call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from counter.services.central_queue import OpenReader
from counter.services.queue_service import BoardCall, BoardView, Queue
from counter.ui.background import SingleReading
from counter.ui.polling import poll_while_shown

log = logging.getLogger("counter.ui.board")
POLL_MS = 1000
ROWS = 8


def make_voice() -> Any | None:
    """A Chinese text-to-speech engine, or None when the module or a voice is missing."""
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError:
        return None
    try:
        voice = QTextToSpeech()
        voice.setLocale(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        return voice
    except Exception:
        log.warning("text to speech unavailable", exc_info=True)
        return None


class BoardWindow(QWidget):
    def __init__(
        self,
        queue: Queue,
        clock: Callable[[], datetime],
        *,
        hall_name: str,
        voice: Any | None = None,
        parent: QWidget | None = None,
        open_reader: OpenReader | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.clock = clock
        self.voice = voice
        self.open_reader = open_reader
        self.reading = SingleReading("call board: reading the queue", self)
        self.seen = -1  # the newest call event already announced
        self.announced: list[str] = []
        self.setWindowTitle(self.tr("{} 叫号屏").format(hall_name))
        self.setStyleSheet("background: #0b2a4a; color: white;")
        title = QLabel(hall_name)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("font-size: 28pt; font-weight: bold; color: #ffd76a;")
        self.latest = QLabel()
        self.latest.setObjectName("latestCall")
        self.latest.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.latest.setStyleSheet(
            "font-size: 54pt; font-weight: bold; color: #ffffff; background: #c0392b;"
            " border-radius: 16px; padding: 18px;"
        )
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(40)
        header = (self.tr("票号"), self.tr("窗口"), self.tr("业务"), self.tr("办理人"))
        for col, text in enumerate(header):
            label = QLabel(text)
            label.setStyleSheet("font-size: 22pt; color: #9fc3e6;")
            self.grid.addWidget(label, 0, col)
        self.rows: list[list[QLabel]] = []
        for row in range(ROWS):
            cells = []
            for col in range(4):
                cell = QLabel()
                cell.setStyleSheet(
                    "font-size: 30pt; font-weight: bold;"
                    + (" color: #ffd76a;" if col < 2 else " color: white;")
                )
                self.grid.addWidget(cell, row + 1, col)
                cells.append(cell)
            self.rows.append(cells)
        self.waiting_row = QHBoxLayout()
        self.waiting: dict[str, QLabel] = {}
        for cat, _ in queue.board(clock()).waiting:
            label = QLabel()
            label.setObjectName(f"waiting_{cat.code}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet(
                "font-size: 18pt; color: #d6e6f5; border: 1px solid #3d6b99;"
                " border-radius: 8px; padding: 6px;"
            )
            self.waiting_row.addWidget(label)
            self.waiting[cat.code] = label
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(title)
        layout.addWidget(self.latest)
        layout.addLayout(self.grid, 1)
        waiting_title = QLabel(self.tr("等候人数"))
        waiting_title.setStyleSheet("font-size: 18pt; color: #9fc3e6;")
        layout.addWidget(waiting_title)
        layout.addLayout(self.waiting_row)

        self.timer = poll_while_shown(self, POLL_MS, self.refresh_in_background)
        self.refresh(announce=False)

    def refresh(self, announce: bool = True) -> None:
        self._show(self.queue.board(self.clock()), announce)

    def refresh_in_background(self) -> None:
        """The timer's reading, on a pool thread when the board can open a reader."""
        if self.open_reader is None:
            self.refresh()
            return
        open_reader, now = self.open_reader, self.clock()

        def read() -> object:
            with open_reader() as queue:
                return queue.board(now)

        self.reading.start(read, self._background_read)

    def _background_read(self, view: Any) -> None:
        if view is not None:
            self._show(view, announce=True)

    def _show(self, view: BoardView, announce: bool) -> None:
        calls = view.calls
        self.latest.setText(calls[0].text if calls else self.tr("请留意叫号"))
        for i, cells in enumerate(self.rows):
            call = calls[i] if i < len(calls) else None
            values = (
                (call.number, self.tr("{} 号窗口").format(call.window), call.category_name,
                 call.masked_name)
                if call
                else ("", "", "", "")
            )  # fmt: skip
            for cell, value in zip(cells, values, strict=True):
                cell.setText(value)
        for cat, n in view.waiting:
            if cat.code in self.waiting:
                self.waiting[cat.code].setText(
                    self.tr("{} {}\n{} 人").format(cat.code, cat.name, n)
                )
        fresh = [c for c in calls if c.event_id > self.seen]
        if calls:
            self.seen = max(self.seen, max(c.event_id for c in calls))
        if announce:
            for call in sorted(fresh, key=lambda c: c.event_id):
                self.announce(call)

    def announce(self, call: BoardCall) -> None:
        """Say it twice if a voice exists; a beep otherwise; never fail over sound."""
        self.announced.append(call.text)
        try:
            if self.voice is not None:
                self.voice.say(f"{call.text}，{call.text}")
            else:
                QApplication.beep()
        except Exception:
            log.warning("could not announce %s", call.text, exc_info=True)
