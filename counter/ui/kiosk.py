"""The ticket kiosk (取号机): big touch buttons per category, 绿色通道, appointment check-in.

A station, not a person: it needs no sign-in. Each issued ticket is shown on screen and
announced through :attr:`KioskWindow.ticket_issued` as a :class:`TicketSlip`, so a slip
printer can be wired to it without touching the kiosk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.slips import TicketSlip
from counter.services.queue_service import IssuedTicket, Queue
from counter.ui import safety_net
from counter.ui.polling import poll_while_shown

BIG = "font-size: 26pt; font-weight: bold;"
REFRESH_MS = 5000
RESET_MS = 20000


class KioskWindow(QWidget):
    ticket_issued = Signal(object)  # TicketSlip

    def __init__(
        self,
        queue: Queue,
        clock: Callable[[], datetime],
        *,
        hall_name: str,
        priority_reasons: tuple[str, ...],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.clock = clock
        self.hall_name = hall_name
        self.setWindowTitle(self.tr("{} 取号机").format(hall_name))
        self.setStyleSheet(
            "QWidget { background: #f4f7fb; } QPushButton { background: #ffffff;"
            " border: 2px solid #0b4f8a; border-radius: 12px; padding: 12px; }"
            " QPushButton:checked { background: #0b6e4f; color: white; }"
        )
        title = QLabel(self.tr("{}　请选择办理的业务").format(hall_name))
        title.setStyleSheet("font-size: 24pt; font-weight: bold; color: #0b4f8a;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.category_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, cat in enumerate(queue.categories()):
            button = QPushButton()
            button.setObjectName(f"category_{cat.code}")
            button.setMinimumSize(260, 120)
            button.setStyleSheet(BIG + " color: #0b4f8a;")
            button.clicked.connect(lambda _=False, code=cat.code: self.on_issue(code))
            grid.addWidget(button, i // 3, i % 3)
            self.category_buttons[cat.code] = button

        lane_row = QHBoxLayout()
        lane_label = QLabel(self.tr("绿色通道\n（先选再取号）"))
        lane_label.setStyleSheet("font-size: 18pt;")
        lane_row.addWidget(lane_label)
        self.lane_group = QButtonGroup(self)
        self.reason_buttons: dict[str, QPushButton] = {}
        for reason in ("", *priority_reasons):
            button = QPushButton(reason or self.tr("不需要"))
            button.setCheckable(True)
            button.setMinimumHeight(70)
            button.setStyleSheet("font-size: 18pt;")
            button.setChecked(reason == "")
            self.lane_group.addButton(button)
            self.reason_buttons[reason] = button
            lane_row.addWidget(button)

        self.booking = QLineEdit()
        self.booking.setObjectName("bookingCode")
        self.booking.setMinimumHeight(70)
        self.booking.setStyleSheet("font-size: 22pt; background: white;")
        self.booking.setPlaceholderText(self.tr("预约号或身份证号"))
        self.booking.returnPressed.connect(self.on_check_in)
        check_in = QPushButton(self.tr("预约签到取号"))
        check_in.setObjectName("checkIn")
        check_in.setMinimumHeight(70)
        check_in.setStyleSheet("font-size: 20pt;")
        check_in.clicked.connect(self.on_check_in)
        booking_row = QHBoxLayout()
        booking_row.addWidget(self.booking, 1)
        booking_row.addWidget(check_in)

        self.error = QLabel()
        self.error.setObjectName("kioskError")
        self.error.setStyleSheet("font-size: 18pt; color: #b00020;")
        self.error.setWordWrap(True)
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket = QLabel()
        self.ticket.setObjectName("issuedTicket")
        self.ticket.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket.setStyleSheet(
            "background: white; border: 3px dashed #0b4f8a; border-radius: 12px;"
            " font-size: 20pt; padding: 16px;"
        )
        self.ticket.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.setSpacing(18)
        layout.addWidget(title)
        layout.addLayout(grid, 3)
        layout.addLayout(lane_row)
        layout.addLayout(booking_row)
        layout.addWidget(self.error)
        layout.addWidget(self.ticket, 2)

        self.last: IssuedTicket | None = None
        self.reset_timer = QTimer(self)
        self.reset_timer.setSingleShot(True)
        self.reset_timer.setInterval(RESET_MS)
        self.reset_timer.timeout.connect(self.clear_ticket)
        self.timer = poll_while_shown(self, REFRESH_MS, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        counts = dict((c.code, n) for c, n in self.queue.board(self.clock()).waiting)
        for cat in self.queue.categories():
            if cat.code in self.category_buttons:
                self.category_buttons[cat.code].setText(
                    self.tr("{} {}\n等候 {} 人").format(cat.code, cat.name, counts.get(cat.code, 0))
                )

    def selected_reason(self) -> str:
        for reason, button in self.reason_buttons.items():
            if button.isChecked():
                return reason
        return ""

    def on_issue(self, code: str) -> None:
        reason = self.selected_reason()
        self._issue(lambda: self.queue.issue(code, self.clock(), priority_reason=reason))
        self.reason_buttons[""].setChecked(True)

    def on_check_in(self) -> None:
        value = self.booking.text()
        if self._issue(lambda: self.queue.check_in(value, self.clock())):
            self.booking.clear()

    def _issue(self, action: Callable[[], IssuedTicket]) -> bool:
        self.error.clear()
        try:
            issued = action()
        except CounterError as exc:
            self.error.setText(safety_net.page_message(exc))
            return False
        self.last = issued
        slip: TicketSlip = issued.slip(self.hall_name)
        lane = f"<br><span style='color:#0b6e4f'>{slip.priority_reason}</span>" * bool(
            slip.priority_reason
        )
        self.ticket.setText(
            f"<div style='font-size:56pt; font-weight:bold; color:#0b4f8a'>{slip.number}</div>"
            f"{slip.category}{lane}<br>"
            + self.tr("前面还有 {} 人等候").format(slip.waiting_ahead)
            + f"<br><span style='font-size:14pt; color:#555'>{slip.issued_at:%Y-%m-%d %H:%M}"
            f"　{slip.footer}</span>"
        )
        self.ticket.show()
        self.reset_timer.start()
        self.refresh()
        self.ticket_issued.emit(slip)
        return True

    def clear_ticket(self) -> None:
        self.ticket.hide()
        self.error.clear()
