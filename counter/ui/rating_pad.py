"""The rating pad (评价器): an applicant-facing screen beside the window, ``counter --rate``.

A station, not a person: it reads the services just finished at its own window from the
counter's store (the same file the window's program writes) and offers the newest one
for rating. It shows what was done and by which window — never who the applicant is.
Touch first, with number keys as shortcuts (5 = 非常满意 … 1 = 非常不满意).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.ratings import LEVELS, SUB_RATINGS, Channel, Level, RatingRequest, Scores
from counter.services.ratings_service import RatingsService
from counter.ui import safety_net
from counter.ui.polling import poll_while_shown
from counter.ui.product import window_title

REFRESH_MS = 2000
THANKS_MS = 6000
LEVEL_STYLE = {
    Level.VERY_SATISFIED: "#0b6e4f",
    Level.SATISFIED: "#3d8b37",
    Level.BASIC: "#8a7d0b",
    Level.DISSATISFIED: "#c0661a",
    Level.VERY_DISSATISFIED: "#b00020",
}


class RatingPad(QWidget):
    rated = Signal(object)  # RatingOutcome

    def __init__(
        self,
        ratings: RatingsService,
        clock: Callable[[], datetime],
        *,
        window: str,
        hall_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ratings = ratings
        self.clock = clock
        self.window_number = window
        self.request: RatingRequest | None = None
        self.setWindowTitle(
            window_title(self.tr("{} {} 号窗口 服务评价").format(hall_name, window))
        )
        self.setStyleSheet(
            "QWidget { background: #f4f7fb; } QPushButton { background: #ffffff;"
            " border: 2px solid #0b4f8a; border-radius: 12px; padding: 10px; }"
            " QPushButton:checked { background: #0b4f8a; color: white; }"
        )
        title = QLabel(self.tr("{}　{} 号窗口").format(hall_name, window))
        title.setStyleSheet("font-size: 20pt; font-weight: bold; color: #0b4f8a;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.stack = QStackedWidget()
        self.idle = QLabel(self.tr("欢迎光临\n办理结束后，请在这里为我们的服务评价"))
        self.idle.setObjectName("idle")
        self.idle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle.setStyleSheet("font-size: 26pt; color: #555555;")
        self.thanks = QLabel()
        self.thanks.setObjectName("thanks")
        self.thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks.setStyleSheet("font-size: 28pt; color: #0b6e4f; font-weight: bold;")
        self.thanks.setWordWrap(True)
        self.stack.addWidget(self.idle)
        self.stack.addWidget(self._form())
        self.stack.addWidget(self.thanks)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.stack, 1)

        self.timer = poll_while_shown(self, REFRESH_MS, self.refresh)
        self.back = QTimer(self)
        self.back.setSingleShot(True)
        self.back.setInterval(THANKS_MS)
        self.back.timeout.connect(self.refresh)

    def _form(self) -> QWidget:
        page = QWidget()
        self.what = QLabel()
        self.what.setObjectName("what")
        self.what.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.what.setWordWrap(True)
        self.what.setStyleSheet("font-size: 18pt;")
        ask = QLabel(self.tr("请您对本次服务评价"))
        ask.setAlignment(Qt.AlignmentFlag.AlignCenter)
        ask.setStyleSheet("font-size: 22pt; font-weight: bold;")

        self.levels = QButtonGroup(self)
        row = QHBoxLayout()
        self.level_buttons: dict[Level, QPushButton] = {}
        for level in LEVELS:
            button = QPushButton(f"{level.label}\n（{int(level)}）")
            button.setObjectName(f"level{int(level)}")
            button.setCheckable(True)
            button.setMinimumHeight(110)
            colour = LEVEL_STYLE[level]
            button.setStyleSheet(
                f"QPushButton {{ font-size: 20pt; font-weight: bold; color: {colour};"
                f" border-color: {colour}; }}"
                f" QPushButton:checked {{ background: {colour}; color: white; }}"
            )
            self.levels.addButton(button, int(level))
            self.level_buttons[level] = button
            row.addWidget(button)
        self.levels.idToggled.connect(self._on_level_toggled)

        subs = QGridLayout()
        self.sub_groups: dict[str, QButtonGroup] = {}
        for r, (key, label) in enumerate(SUB_RATINGS):
            name = QLabel(label)
            name.setStyleSheet("font-size: 14pt;")
            subs.addWidget(name, r, 0)
            group = QButtonGroup(self)
            for c, level in enumerate(LEVELS, start=1):
                button = QPushButton(level.label)
                button.setObjectName(f"{key}{int(level)}")
                button.setCheckable(True)
                button.setMinimumHeight(44)
                button.setStyleSheet("font-size: 12pt;")
                group.addButton(button, int(level))
                subs.addWidget(button, r, c)
            self.sub_groups[key] = group

        self.comment = QLineEdit()
        self.comment.setObjectName("comment")
        self.comment.setPlaceholderText(self.tr("意见建议（可不填）"))
        self.comment.setMinimumHeight(44)
        self.comment.setStyleSheet("font-size: 14pt; background: white;")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #b00020; font-size: 14pt;")
        self.error.setWordWrap(True)
        self.submit = QPushButton(self.tr("提交评价 (Enter)"))
        self.submit.setObjectName("submit")
        self.submit.setMinimumHeight(70)
        self.submit.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.submit.setEnabled(False)
        self.submit.clicked.connect(self.on_submit_clicked)
        self.comment.returnPressed.connect(self.on_submit_clicked)

        layout = QVBoxLayout(page)
        layout.addWidget(self.what)
        layout.addWidget(ask)
        layout.addLayout(row)
        hint = QLabel(self.tr("分项评价（可不选）"))
        hint.setStyleSheet("font-size: 12pt; color: #555555;")
        layout.addWidget(hint)
        layout.addLayout(subs)
        layout.addWidget(self.comment)
        layout.addWidget(self.error)
        layout.addWidget(self.submit)
        return page

    # --- life cycle -------------------------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:
        self.back.stop()
        super().hideEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Number keys choose the level (not shortcuts: digits typed in the comment stay
        there); Enter submits."""
        key = event.key()
        level = key - Qt.Key.Key_0
        if self.stack.currentIndex() == 1 and 1 <= level <= 5:
            self.level_buttons[Level(level)].click()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.submit.isEnabled():
            self.on_submit_clicked()
            return
        super().keyPressEvent(event)

    # --- behaviour ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Offer the newest unrated service of this window, unless one is being rated."""
        if self.back.isActive():
            return
        if self.request is not None and self.stack.currentIndex() == 1:
            return
        found = self.ratings.next_for_window(self.window_number, self.clock())
        if found is None:
            self.request = None
            self.stack.setCurrentIndex(0)
            return
        self._offer(found)

    def _offer(self, found: RatingRequest) -> None:
        self.request = found
        self.what.setText(
            self.tr("{}\n经办：{} 号窗口 {}").format(found.what(), found.window, found.clerk_name)
        )
        for group in (self.levels, *self.sub_groups.values()):
            group.setExclusive(False)
            for button in group.buttons():
                button.setChecked(False)
            group.setExclusive(True)
        self.comment.clear()
        self.error.clear()
        self.submit.setEnabled(False)
        self.stack.setCurrentIndex(1)

    def _on_level_toggled(self, _id: int, _checked: bool) -> None:
        self.submit.setEnabled(self.levels.checkedId() > 0)

    def _sub(self, key: str) -> Level | None:
        chosen = self.sub_groups[key].checkedId()
        return Level(chosen) if chosen > 0 else None

    def on_submit_clicked(self) -> None:
        if self.request is None or self.levels.checkedId() <= 0:
            return
        scores = Scores(
            Level(self.levels.checkedId()),
            self._sub("efficiency"),
            self._sub("skill"),
            self._sub("attitude"),
            self.comment.text(),
        )
        try:
            outcome = self.ratings.rate(self.request.id, scores, Channel.PAD, self.clock())
        except CounterError as exc:
            self.error.setText(safety_net.page_message(exc))
            return
        self.request = None
        if outcome.rating.level.bad:
            self.thanks.setText(self.tr("感谢您的评价！\n我们会尽快联系您，改进我们的工作。"))
        else:
            self.thanks.setText(self.tr("感谢您的评价！"))
        self.stack.setCurrentIndex(2)
        self.back.start()
        self.rated.emit(outcome)
