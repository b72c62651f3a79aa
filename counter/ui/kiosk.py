"""The ticket kiosk (取号机): big touch buttons per category, 绿色通道, appointment check-in.

A station, not a person: it needs no sign-in. Each issued ticket is shown on screen and
announced through :attr:`KioskWindow.ticket_issued` as a :class:`TicketSlip`, so a slip
printer can be wired to it without touching the kiosk.

A category the hall issues only on an ID (``queue_id_required``) asks for it: the
buttons give way to an ID page where the visitor types the number or lays the card on
the reader (a reader types the number and Enter into the focused field), and a refusal
is shown under that field. The queue checks the ID whatever the kiosk knows, so a
category the kiosk was not told about asks for the ID once the queue refuses without.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
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

from counter.model.errors import CounterError, ValidationError
from counter.model.slips import TicketSlip
from counter.services.queue_service import IssuedTicket, Queue
from counter.ui import safety_net
from counter.ui.polling import poll_while_shown
from counter.ui.product import window_title

BIG = "font-size: 26pt; font-weight: bold;"
REFRESH_MS = 5000
RESET_MS = 20000
#: An ID page left alone goes back to the buttons, the typed number cleared.
ID_PAGE_MS = 60000


class KioskWindow(QWidget):
    ticket_issued = Signal(object)  # TicketSlip

    def __init__(
        self,
        queue: Queue,
        clock: Callable[[], datetime],
        *,
        hall_name: str,
        priority_reasons: tuple[str, ...],
        id_required: Collection[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.clock = clock
        self.hall_name = hall_name
        self.id_required = set(id_required)
        self.names = {c.code: c.name for c in queue.categories()}
        self.pending = ""  # the category the ID page asks an ID for
        self.setWindowTitle(window_title(self.tr("{} 取号机").format(hall_name)))
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
        buttons = QWidget()
        buttons.setLayout(grid)
        self.pages = QStackedWidget()
        self.pages.addWidget(buttons)
        self.pages.addWidget(self._id_page())

        layout.addWidget(title)
        layout.addWidget(self.pages, 3)
        layout.addLayout(lane_row)
        layout.addLayout(booking_row)
        layout.addWidget(self.error)
        layout.addWidget(self.ticket, 2)

        self.last: IssuedTicket | None = None
        self.reset_timer = QTimer(self)
        self.reset_timer.setSingleShot(True)
        self.reset_timer.setInterval(RESET_MS)
        self.reset_timer.timeout.connect(self.clear_ticket)
        self.id_timer = QTimer(self)
        self.id_timer.setSingleShot(True)
        self.id_timer.setInterval(ID_PAGE_MS)
        self.id_timer.timeout.connect(self.close_id_page)
        self.timer = poll_while_shown(self, REFRESH_MS, self.refresh)
        self.refresh()

    def _id_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("idPage")
        self.id_prompt = QLabel()
        self.id_prompt.setObjectName("idPrompt")
        self.id_prompt.setStyleSheet("font-size: 22pt; font-weight: bold; color: #0b4f8a;")
        self.id_prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.id_prompt.setWordWrap(True)
        self.person_id = QLineEdit()
        self.person_id.setObjectName("personId")
        self.person_id.setMinimumHeight(80)
        self.person_id.setMaxLength(40)
        self.person_id.setStyleSheet("font-size: 26pt; background: white;")
        self.person_id.setPlaceholderText(self.tr("18位身份证号码"))
        self.person_id.returnPressed.connect(self.on_issue_with_id)
        self.person_id.textEdited.connect(lambda _: self.id_timer.start())
        confirm = QPushButton(self.tr("确认取号"))
        confirm.setObjectName("issueWithId")
        confirm.setMinimumHeight(80)
        confirm.setStyleSheet("font-size: 22pt; background: #0b6e4f; color: white;")
        confirm.clicked.connect(self.on_issue_with_id)
        back = QPushButton(self.tr("返回"))
        back.setObjectName("idBack")
        back.setMinimumHeight(80)
        back.setStyleSheet("font-size: 20pt;")
        back.clicked.connect(self.close_id_page)
        row = QHBoxLayout()
        row.addWidget(self.person_id, 1)
        row.addWidget(confirm)
        row.addWidget(back)
        self.id_error = QLabel()
        self.id_error.setObjectName("personIdError")
        self.id_error.setStyleSheet("font-size: 18pt; color: #b00020;")
        self.id_error.setWordWrap(True)
        self.id_error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.id_prompt)
        box.addLayout(row)
        box.addWidget(self.id_error)
        box.addStretch(1)
        return page

    def ask_for_id(self, code: str, message: str = "") -> None:
        """The ID page for ``code``: the prompt, the field focused for typing or the card
        reader, and ``message`` (a refusal) under it."""
        self.pending = code
        self.id_prompt.setText(
            self.tr("{} {}　须凭本人身份证取号\n请将身份证放在读卡区，或输入身份证号码").format(
                code, self.names.get(code, "")
            )
        )
        self.id_error.setText(message)
        self.error.clear()
        self.pages.setCurrentIndex(1)
        self.person_id.setFocus()
        self.id_timer.start()

    def close_id_page(self) -> None:
        """Back to the buttons; the typed number does not stay on a public screen."""
        self.pending = ""
        self.person_id.clear()
        self.id_error.clear()
        self.id_timer.stop()
        self.pages.setCurrentIndex(0)
        self.reason_buttons[""].setChecked(True)

    def on_issue_with_id(self) -> None:
        code, reason, person = self.pending, self.selected_reason(), self.person_id.text()
        if not code:
            return
        self.id_timer.start()
        try:
            issued = self.queue.issue(code, self.clock(), priority_reason=reason, person_id=person)
        except CounterError as exc:  # every refusal of an ID issue is about that ID
            self.id_error.setText(safety_net.page_message(exc))
            self.person_id.selectAll()
            self.person_id.setFocus()
            return
        self.close_id_page()
        self._show(issued)

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
        if code in self.id_required:
            self.ask_for_id(code)
            return
        reason = self.selected_reason()
        try:
            self._issue(lambda: self.queue.issue(code, self.clock(), priority_reason=reason))
        except ValidationError as exc:  # the hall asks for an ID here: this kiosk now knows
            self.id_required.add(code)
            self.ask_for_id(code, exc.message)
            return
        self.reason_buttons[""].setChecked(True)

    def on_check_in(self) -> None:
        value = self.booking.text()
        try:
            issued = self._issue(lambda: self.queue.check_in(value, self.clock()))
        except ValidationError as exc:  # a booking without the ID its category needs
            self.error.setText(exc.message)
            return
        if issued:
            self.booking.clear()

    def _issue(self, action: Callable[[], IssuedTicket]) -> bool:
        """Shows the ticket or the refusal; a refusal at the ID field is raised, for
        the ID page."""
        self.error.clear()
        try:
            issued = action()
        except ValidationError as exc:
            if exc.field == "person_id":
                raise
            self.error.setText(safety_net.page_message(exc))
            return False
        except CounterError as exc:
            self.error.setText(safety_net.page_message(exc))
            return False
        self._show(issued)
        return True

    def _show(self, issued: IssuedTicket) -> None:
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

    def clear_ticket(self) -> None:
        self.ticket.hide()
        self.error.clear()
