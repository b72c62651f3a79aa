"""The call board (叫号屏) for the hall's second screen: the latest call large, and the
calls before it listed newest first with their window, so a person who looked away
finds their number.

It polls the store on a timer, since the windows call from their own processes. The
queue reports each window's latest call; the board keeps every call it has seen today
(the last ``recent``), so a window's earlier call stays listed after its next one. A new
call or recall is announced by the board's voice (counter.ui.voice): a chime, then the
call said twice, through QtTextToSpeech where it works, espeak-ng otherwise, or the
chime alone; a machine without sound just shows the call.

It goes full screen on the screen the ``board_screen`` setting names (0 the primary, 1
the second…, or the screen's name), or on the primary one, with a warning in the log,
when that screen is not there (:func:`choose_screen`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from counter.ui.background import SingleReading
from counter.ui.polling import poll_while_shown
from counter.ui.product import window_title
from counter.ui.voice import Voice, announcement
from counter.ui.voice import make_voice as make_voice  # the board's, for the stations' start

if TYPE_CHECKING:  # the queue's modules load the store's (sqlite-utils): not to paint
    from counter.services.queue_access import OpenReader
    from counter.services.queue_service import BoardCall, BoardView, Queue

log = logging.getLogger("counter.ui.board")
POLL_MS = 1000
#: How many calls the board shows (the board_recent setting's default): one large, the
#: rest listed.
RECENT = 6


class NamedScreen(Protocol):
    def name(self) -> str: ...


S = TypeVar("S", bound=NamedScreen)


def choose_screen(screens: Sequence[S], wanted: str) -> S:
    """The screen ``wanted`` names, from ``screens`` listed primary first: a number
    (0 the primary, 1 the second…) or a screen's name. A screen that is not there (the
    second monitor unplugged, a name mistyped) gives the primary, and a warning in the
    log naming the screens there are, so the board still shows and the cause is found."""
    wanted = wanted.strip()
    names = ", ".join(f"{n}: {s.name()}" for n, s in enumerate(screens))
    if wanted.isdecimal():
        if int(wanted) < len(screens):
            return screens[int(wanted)]
        log.warning(
            "board_screen = %s, but this machine has %d screen(s) (%s): "
            "the call board shows on the primary screen",
            wanted, len(screens), names,
        )  # fmt: skip
        return screens[0]
    for screen in screens:
        if screen.name() == wanted:
            return screen
    log.warning(
        "board_screen = %r names no screen here (%s): the call board shows on the primary",
        wanted, names,
    )  # fmt: skip
    return screens[0]


def screens_primary_first() -> list[QScreen]:
    """QGuiApplication's screens with the primary first, as the board_screen setting
    counts them (0 the primary, 1 the second…)."""
    primary = QGuiApplication.primaryScreen()
    return [primary, *(s for s in QGuiApplication.screens() if s is not primary)]


class BoardWindow(QWidget):
    """The call board. Built without a queue it paints its frame at once (the hall's
    name, 请稍候… where the calls go) while the store opens (issue 28: a station starts
    every morning); :meth:`use_queue` then adds the waiting counts, which depend on the
    queue's categories, and starts following the calls."""

    def __init__(
        self,
        queue: Queue | None,
        clock: Callable[[], datetime],
        *,
        hall_name: str,
        voice: Voice | None = None,
        parent: QWidget | None = None,
        open_reader: OpenReader | None = None,
        recent: int = RECENT,
    ) -> None:
        super().__init__(parent)
        self.queue: Queue | None = None
        self.clock = clock
        self.voice = voice
        self.open_reader = open_reader
        self.recent = max(1, recent)
        self.reading = SingleReading("call board: reading the queue", self)
        self.seen = -1  # the newest call event already announced
        self.announced: list[str] = []
        #: Today's calls seen so far, newest first, one per ticket, at most ``recent``.
        self.history: list[BoardCall] = []
        self.setWindowTitle(window_title(self.tr("{} 叫号屏").format(hall_name)))
        self.setStyleSheet("background: #0b2a4a; color: white;")
        self.title = QLabel(hall_name)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 28pt; font-weight: bold; color: #ffd76a;")
        self.latest = QLabel(self.tr("请稍候…"))
        self.latest.setObjectName("latestCall")
        self.latest.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.latest.setStyleSheet(
            "font-size: 54pt; font-weight: bold; color: #ffffff; background: #c0392b;"
            " border-radius: 16px; padding: 18px;"
        )
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(40)
        earlier = QLabel(self.tr("此前叫号（从新到旧）"))
        earlier.setStyleSheet("font-size: 18pt; color: #9fc3e6;")
        header = (self.tr("票号"), self.tr("窗口"), self.tr("业务"), self.tr("办理人"))
        for col, text in enumerate(header):
            label = QLabel(text)
            label.setStyleSheet("font-size: 22pt; color: #9fc3e6;")
            self.grid.addWidget(label, 0, col)
        #: The calls before the latest, newest first: row 0 is the one just before it.
        self.rows: list[list[QLabel]] = []
        size = max(18, min(30, 150 // max(1, self.recent - 1)))  # 5 rows at 30 pt fit 768 px
        for row in range(self.recent - 1):
            cells = []
            for col in range(4):
                cell = QLabel()
                cell.setObjectName(f"earlierCall_{row}_{col}")
                cell.setStyleSheet(
                    f"font-size: {size}pt; font-weight: bold;"
                    + (" color: #ffd76a;" if col < 2 else " color: white;")
                )
                self.grid.addWidget(cell, row + 1, col)
                cells.append(cell)
            self.rows.append(cells)
        self.waiting_row = QHBoxLayout()
        self.waiting: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.latest)
        if self.rows:
            layout.addWidget(earlier)
            layout.addLayout(self.grid, 1)
        else:
            earlier.hide()
            layout.addStretch(1)
        waiting_title = QLabel(self.tr("等候人数"))
        waiting_title.setStyleSheet("font-size: 18pt; color: #9fc3e6;")
        layout.addWidget(waiting_title)
        layout.addLayout(self.waiting_row)

        # Polls once shown; each reading waits for the queue (use_queue).
        self.timer = poll_while_shown(self, POLL_MS, self.refresh_in_background)
        if queue is not None:
            self.use_queue(queue)

    def use_queue(
        self,
        queue: Queue,
        *,
        open_reader: OpenReader | None = None,
        hall_name: str | None = None,
    ) -> None:
        """Follow ``queue``: a waiting count per category, the calls shown now (not
        announced: they were made before the board was there), and polled from here
        on. ``open_reader`` as for the constructor; ``hall_name`` is the hall's
        published one, when it differs from the station's file it painted with."""
        if self.queue is not None:
            raise RuntimeError("the board has its queue already")
        if open_reader is not None:
            self.open_reader = open_reader
        if hall_name is not None:
            self.title.setText(hall_name)
            self.setWindowTitle(window_title(self.tr("{} 叫号屏").format(hall_name)))
        view = queue.board(self.clock())
        for cat, _ in view.waiting:
            label = QLabel()
            label.setObjectName(f"waiting_{cat.code}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet(
                "font-size: 18pt; color: #d6e6f5; border: 1px solid #3d6b99;"
                " border-radius: 8px; padding: 6px;"
            )
            self.waiting_row.addWidget(label)
            self.waiting[cat.code] = label
        self.queue = queue
        self._show(view, announce=False)

    def refresh(self, announce: bool = True) -> None:
        if self.queue is not None:
            self._show(self.queue.board(self.clock()), announce)

    def refresh_in_background(self) -> None:
        """The timer's reading, on a pool thread when the board can open a reader."""
        if self.queue is None:  # the store is still opening
            return
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

    def show_full_screen_on(self, screen: QScreen) -> None:
        """Full screen on ``screen`` (see :func:`choose_screen`)."""
        log.info("call board on screen %s (%s)", screen.name(), screen.geometry())
        self.setScreen(screen)
        self.move(screen.geometry().topLeft())  # X11 and Windows place a window by position
        self.showFullScreen()

    def remember(self, calls: Sequence[BoardCall]) -> list[BoardCall]:
        """Today's last ``recent`` calls, newest first: the queue's latest call of each
        window merged into those seen before. A recall, or a ticket called again at
        another window, moves up rather than showing twice."""
        today = self.clock().date()
        by_number = {c.number: c for c in self.history if c.at.date() == today}
        for call in calls:
            if call.at.date() != today:
                continue
            known = by_number.get(call.number)
            if known is None or (call.at, call.event_id) > (known.at, known.event_id):
                by_number[call.number] = call
        newest_first = sorted(by_number.values(), key=lambda c: (c.at, c.event_id), reverse=True)
        self.history = newest_first[: self.recent]
        return self.history

    def _show(self, view: BoardView, announce: bool) -> None:
        calls = view.calls
        shown = self.remember(calls)
        self.latest.setText(shown[0].text if shown else self.tr("请留意叫号"))
        earlier = shown[1:]
        for i, cells in enumerate(self.rows):
            call = earlier[i] if i < len(earlier) else None
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
        """Said twice after the chime (:func:`counter.ui.voice.announcement`) if the
        board has a voice, a beep otherwise; never fail over sound."""
        self.announced.append(call.text)
        try:
            if self.voice is not None:
                self.voice.say(announcement(call.text))
            else:
                QApplication.beep()
        except Exception:
            log.warning("could not announce %s", call.text, exc_info=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stops the voice's programs with the board, so none outlives it."""
        stop = getattr(self.voice, "stop", None)
        if callable(stop):
            stop()
        super().closeEvent(event)
