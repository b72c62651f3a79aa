"""The ticket kiosk (取号机): big touch buttons per category, 绿色通道, appointment check-in.

A station, not a person: it needs no sign-in. Each issued ticket is shown on screen and
announced through :attr:`KioskWindow.ticket_issued` as a :class:`TicketSlip`, so a slip
printer can be wired to it without touching the kiosk (:meth:`KioskWindow.use_printer`).

A category the hall issues only on an ID (``queue_id_required``) asks for it: the
buttons give way to an ID page where the visitor types the number on the digit pad or
lays the card on the reader (a reader types the number and Enter into the focused
field), and a refusal is shown under that field. The queue checks the ID whatever the
kiosk knows, so a category the kiosk was not told about asks for the ID once the queue
refuses without. 预约签到 has a page of its own, with the same pad.

What a public screen shows (issue 28):

- **Nothing moves.** The buttons sit on the left; the ticket, the refusals and a failed
  print appear in a panel of fixed width on the right, so a tap lands where the button
  was a moment ago.
- **Nothing stays.** The ticket and every message go after :data:`RESET_MS`; a typed ID
  is cleared as soon as it is sent, whatever the answer, and a page left alone goes
  back to the buttons after :data:`ID_PAGE_MS`. A refusal clears the previous visitor's
  ticket.
- **An ID shows masked as it is typed** (``110101********1234``, :class:`IdField`); the
  real value is kept for the queue.
- **A slip that did not print is said**, in large text, with the number and where to
  go: 请到导办台取号. The guide desk is told by the print queue (see
  :mod:`counter.ui.print_queue_page`); the spool cancels the slip after a minute rather
  than print it into the next visitor's hands.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QInputMethodEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError, ValidationError
from counter.model.identity import mask_id, mask_id_typing, normalise
from counter.model.slips import TicketSlip
from counter.ui import safety_net
from counter.ui.polling import poll_while_shown
from counter.ui.product import window_title

if TYPE_CHECKING:  # the queue's module loads the store's (sqlite-utils): not to paint
    from counter.model.queue import Category
    from counter.services.queue_service import IssuedTicket, Queue
    from counter.ui.notice_printing import TicketPrinter

BIG = "font-size: 26pt; font-weight: bold;"
REFRESH_MS = 5000
#: The ticket on screen, and any message, go after this long.
RESET_MS = 20000
#: An ID or check-in page left alone goes back to the buttons, the typed number cleared.
ID_PAGE_MS = 60000
#: The right-hand panel (ticket, messages): fixed, so the buttons never move.
PANEL_WIDTH = 430

#: The pages of the left-hand side.
CATEGORIES, ID_PAGE, CHECK_IN = range(3)
ENTRY_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace)

IDLE_TEXT = (
    "<div style='font-size:20pt; color:#6b7a8c'>取号后，您的号码显示在这里</div>"
    "<div style='font-size:16pt; color:#6b7a8c'><br>请取走出纸口的小票</div>"
)
ERROR_STYLE = "font-size: 18pt; color: #b00020;"
FAILURE_STYLE = (
    "font-size: 24pt; font-weight: bold; color: white; background: #b00020;"
    " border-radius: 12px; padding: 12px;"
)


class IdField(QLineEdit):
    """A field for an ID number (or a booking code) on a public screen.

    It shows the number masked as it is typed (``110101********1234``,
    :func:`counter.model.identity.mask_id_typing`) and keeps the real value in
    :meth:`value`; :meth:`text` is what the screen shows. Keys, a card reader's
    keystrokes, an input method's commit, a paste and the digit pad only add at the
    end or take the last character away: a masked number is not edited in the middle.
    With ``codes_in_clear`` a booking code (it starts with a letter) shows as typed.
    """

    edited = Signal()  # by the visitor: a key, the pad, the card reader

    def __init__(
        self, *, codes_in_clear: bool = False, limit: int = 40, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._value = ""
        self.codes_in_clear = codes_in_clear
        self.limit = limit
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhPreferNumbers
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhSensitiveData
        )

    def value(self) -> str:
        return self._value

    def shown(self, value: str) -> str:
        if self.codes_in_clear and value.strip()[:1].isalpha():
            return value
        return mask_id_typing(value)

    def _set(self, value: str) -> None:
        self._value = value[: self.limit]
        QLineEdit.setText(self, self.shown(self._value))
        self.end(False)

    def setText(self, text: str | None) -> None:
        self._set(text or "")

    def clear(self) -> None:
        self._set("")

    def insert(self, text: str) -> None:
        """Add ``text`` at the end, as typed."""
        if text:
            self._set(self._value + text)
            self.edited.emit()

    def erase(self) -> None:
        """Take the last character away (⌫)."""
        if self._value:
            self._set(self._value[:-1])
            self.edited.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        blocked = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)  # returnPressed
            event.accept()  # sent: the window has no default button to press as well
        elif key == Qt.Key.Key_Backspace:
            self.erase()
        elif key == Qt.Key.Key_Escape:
            self.clear()
            self.edited.emit()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.insert(QGuiApplication.clipboard().text())
        elif event.text().isprintable() and event.text() and not event.modifiers() & blocked:
            self.insert(event.text())
        else:
            event.ignore()  # Tab, arrows, shortcuts: nothing to do in a masked field

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        self.insert(event.commitString())  # an IME's full-width digits: normalised later
        event.accept()


class DigitPad(QWidget):
    """The kiosk has a touch screen, not a keyboard: 0–9, X (the ID's check digit), ⌫,
    and 确定. Its keys never take the focus from the field a card reader types into."""

    KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "⌫")

    def __init__(
        self,
        field: IdField,
        confirm: Callable[[], None],
        *,
        ok_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{ok_name}Pad")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        self.keys: dict[str, QPushButton] = {}
        for n, key in enumerate(self.KEYS):
            button = QPushButton(key)
            button.setObjectName("digitErase" if key == "⌫" else f"digit{key}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoRepeat(key == "⌫")
            button.setMinimumSize(110, 72)
            button.setMaximumHeight(96)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
            button.setStyleSheet("font-size: 26pt; font-weight: bold; color: #0b4f8a;")
            if key == "⌫":
                button.clicked.connect(field.erase)
            else:
                button.clicked.connect(lambda _=False, k=key: field.insert(k))
            grid.addWidget(button, n // 3, n % 3)
            self.keys[key] = button
        self.ok = QPushButton(self.tr("确定"))
        self.ok.setObjectName(ok_name)
        self.ok.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ok.setMinimumHeight(72)
        self.ok.setMaximumHeight(96)
        self.ok.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.ok.setStyleSheet(
            "font-size: 24pt; font-weight: bold; background: #0b6e4f; color: white;"
        )
        self.ok.clicked.connect(confirm)
        grid.addWidget(self.ok, 4, 0, 1, 3)


class KioskWindow(QWidget):
    """The kiosk's window. Built without a queue it paints at once, its buttons'
    place saying 请稍候… and every tap ignored, while the store opens (issue 28: a
    station starts every morning); :meth:`use_queue` then builds the buttons, which
    depend on the queue's categories, and serves visitors."""

    ticket_issued = Signal(object)  # TicketSlip

    def __init__(
        self,
        queue: Queue | None,
        clock: Callable[[], datetime],
        *,
        hall_name: str,
        priority_reasons: tuple[str, ...] = (),
        id_required: Collection[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue: Queue | None = None
        self.clock = clock
        self.hall_name = hall_name
        self.id_required = set(id_required)
        self.names: dict[str, str] = {}
        self.category_buttons: dict[str, QPushButton] = {}
        self.reason_buttons: dict[str, QPushButton] = {}
        self.pending = ""  # the category the ID page asks an ID for
        self.setWindowTitle(window_title(self.tr("{} 取号机").format(hall_name)))
        self.setStyleSheet(
            "QWidget { background: #f4f7fb; } QPushButton { background: #ffffff;"
            " border: 2px solid #0b4f8a; border-radius: 12px; padding: 10px; }"
            " QPushButton:checked { background: #0b6e4f; color: white; }"
            " QPushButton:pressed { background: #dce8f5; }"
        )
        self.title = QLabel(self.tr("{}　请选择办理的业务").format(hall_name))
        self.title.setStyleSheet("font-size: 24pt; font-weight: bold; color: #0b4f8a;")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # The buttons' page is a holder: 请稍候… until use_queue puts the buttons in it.
        self.categories_page = QWidget()
        self.categories_page.setObjectName("categoriesPage")
        self.holder = QVBoxLayout(self.categories_page)
        self.holder.setContentsMargins(0, 0, 0, 0)
        self.please_wait = QLabel(self.tr("请稍候…"))
        self.please_wait.setObjectName("kioskWaiting")
        self.please_wait.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.please_wait.setStyleSheet("font-size: 24pt; color: #6b7a8c;")
        self.holder.addWidget(self.please_wait)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.categories_page)  # the ID pages come with the queue

        body = QHBoxLayout()
        body.setSpacing(24)
        body.addWidget(self.pages, 1)
        body.addWidget(self._panel())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)

        self.last: IssuedTicket | None = None
        self.reset_timer = QTimer(self)
        self.reset_timer.setSingleShot(True)
        self.reset_timer.setInterval(RESET_MS)
        self.reset_timer.timeout.connect(self.clear_ticket)
        self.id_timer = QTimer(self)
        self.id_timer.setSingleShot(True)
        self.id_timer.setInterval(ID_PAGE_MS)
        self.id_timer.timeout.connect(self.close_id_page)
        self.timer = poll_while_shown(self, REFRESH_MS, self.refresh)  # idle until a queue
        self.clear_ticket()
        if queue is not None:
            self.use_queue(queue, priority_reasons=priority_reasons, id_required=id_required)

    def use_queue(
        self,
        queue: Queue,
        *,
        priority_reasons: tuple[str, ...] = (),
        id_required: Collection[str] = (),
        hall_name: str | None = None,
    ) -> None:
        """Serve visitors from ``queue``: its categories' buttons replace 请稍候…, and
        the waiting counts are read now and polled from here on. ``hall_name`` is the
        hall's published one, when it differs from the station's file it painted with."""
        if self.queue is not None:
            raise RuntimeError("the kiosk has its queue already")
        if hall_name is not None and hall_name != self.hall_name:
            self.hall_name = hall_name
            self.setWindowTitle(window_title(self.tr("{} 取号机").format(hall_name)))
            self.title.setText(self.tr("{}　请选择办理的业务").format(hall_name))
        categories = queue.categories()
        self.names = {c.code: c.name for c in categories}
        self.id_required = set(self.id_required) | set(id_required)
        buttons = self._categories(categories, priority_reasons)
        # Reached only from the buttons; their digit pads are half the kiosk's widgets,
        # so they are not built to paint 请稍候….
        self.pages.addWidget(self._id_page())
        self.pages.addWidget(self._check_in_page())
        self.please_wait.hide()
        self.holder.addWidget(buttons)
        self.please_wait.deleteLater()
        self.queue = queue
        self.refresh()

    # --- building ------------------------------------------------------------------

    def _categories(
        self, categories: Sequence[Category], priority_reasons: tuple[str, ...]
    ) -> QWidget:
        """The category buttons, 绿色通道's reasons and 预约签到: what the queue decides."""
        page = QWidget()
        page.setObjectName("categoryButtons")
        rows = max(1, -(-len(categories) // 3))
        height = max(80, min(120, 360 // rows))
        grid = QGridLayout()
        grid.setSpacing(12)
        for i, cat in enumerate(categories):
            button = QPushButton()
            button.setObjectName(f"category_{cat.code}")
            button.setMinimumSize(220, height)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.setStyleSheet(BIG + " color: #0b4f8a;")
            button.clicked.connect(lambda _=False, code=cat.code: self.on_issue(code))
            grid.addWidget(button, i // 3, i % 3)
            self.category_buttons[cat.code] = button

        lane_label = QLabel(self.tr("绿色通道（先选原因，再选业务）"))
        lane_label.setStyleSheet("font-size: 16pt; color: #0b6e4f; font-weight: bold;")
        lane_row = QHBoxLayout()
        lane_row.setSpacing(10)
        self.lane_group = QButtonGroup(self)
        for reason in ("", *priority_reasons):
            button = QPushButton(reason or self.tr("不需要"))
            button.setCheckable(True)
            button.setMinimumHeight(64)
            button.setStyleSheet("font-size: 16pt;")
            button.setChecked(reason == "")
            self.lane_group.addButton(button)
            self.reason_buttons[reason] = button
            lane_row.addWidget(button)

        check_in = QPushButton(self.tr("预约签到取号（输入预约号或身份证号）"))
        check_in.setObjectName("openCheckIn")
        check_in.setMinimumHeight(72)
        check_in.setStyleSheet("font-size: 20pt; font-weight: bold; color: #0b4f8a;")
        check_in.clicked.connect(lambda: self.open_check_in())

        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(12)
        box.addLayout(grid, 1)
        box.addSpacing(6)
        box.addWidget(lane_label)
        box.addLayout(lane_row)
        box.addSpacing(6)
        box.addWidget(check_in)
        return page

    def _entry_page(
        self,
        name: str,
        prompt: QLabel,
        field: IdField,
        message: QLabel | None,
        ok_name: str,
        confirm: Callable[[], None],
    ) -> tuple[QWidget, DigitPad]:
        """A prompt, a masked field with its message, 返回, and the digit pad."""
        page = QWidget()
        page.setObjectName(name)
        prompt.setStyleSheet("font-size: 20pt; font-weight: bold; color: #0b4f8a;")
        prompt.setWordWrap(True)
        field.setMinimumHeight(80)
        field.setStyleSheet("font-size: 24pt; background: white;")
        field.returnPressed.connect(confirm)
        field.edited.connect(self.id_timer_restart)
        back = QPushButton(self.tr("返回"))
        back.setObjectName("idBack" if name == "idPage" else "checkInBack")
        back.setMinimumHeight(72)
        back.setStyleSheet("font-size: 20pt;")
        back.clicked.connect(self.close_id_page)
        left = QVBoxLayout()
        left.setSpacing(14)
        left.addWidget(field)
        if message is not None:
            message.setStyleSheet(ERROR_STYLE)
            message.setWordWrap(True)
            left.addWidget(message)
        left.addStretch(1)
        left.addWidget(back)
        pad = DigitPad(field, confirm, ok_name=ok_name)
        row = QHBoxLayout()
        row.setSpacing(20)
        row.addLayout(left, 1)
        row.addWidget(pad)
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(14)
        box.addWidget(prompt)
        box.addLayout(row, 1)
        return page, pad

    def _id_page(self) -> QWidget:
        self.id_prompt = QLabel()
        self.id_prompt.setObjectName("idPrompt")
        self.person_id = IdField()
        self.person_id.setObjectName("personId")
        self.person_id.setPlaceholderText(self.tr("18位身份证号码"))
        self.id_error = QLabel()
        self.id_error.setObjectName("personIdError")
        page, self.id_pad = self._entry_page(
            "idPage", self.id_prompt, self.person_id, self.id_error, "issueWithId",
            self.on_issue_with_id,
        )  # fmt: skip
        return page

    def _check_in_page(self) -> QWidget:
        prompt = QLabel(
            self.tr("预约签到\n请输入预约号或预约时填写的身份证号码，或将身份证放在读卡区")
        )
        prompt.setObjectName("checkInPrompt")
        self.booking = IdField(codes_in_clear=True)
        self.booking.setObjectName("bookingCode")
        self.booking.setPlaceholderText(self.tr("预约号或身份证号"))
        page, self.check_in_pad = self._entry_page(
            "checkInPage", prompt, self.booking, None, "checkIn", self.on_check_in
        )
        return page

    def _panel(self) -> QWidget:
        """The ticket and every message, at a fixed width and never taller than the
        window gives it: what appears here moves nothing else."""
        panel = QFrame()
        panel.setObjectName("kioskPanel")
        panel.setFixedWidth(PANEL_WIDTH)
        panel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Ignored)
        self.ticket = QLabel()
        self.ticket.setObjectName("issuedTicket")
        self.ticket.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket.setWordWrap(True)
        self.ticket.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.ticket.setStyleSheet(
            "background: white; border: 3px dashed #0b4f8a; border-radius: 12px;"
            " font-size: 20pt; padding: 12px;"
        )
        self.error = QLabel()
        self.error.setObjectName("kioskError")
        self.error.setWordWrap(True)
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(14)
        box.addWidget(self.ticket, 3)
        box.addWidget(self.error, 2)
        return panel

    # --- the pages -----------------------------------------------------------------

    def id_timer_restart(self) -> None:
        self.id_timer.start()

    def ask_for_id(self, code: str, message: str = "") -> None:
        """The ID page for ``code``: the prompt, the field focused for the pad or the
        card reader, and ``message`` (a refusal) under it."""
        self.pending = code
        self.id_prompt.setText(
            self.tr("{} {}　须凭本人身份证取号\n请将身份证放在读卡区，或输入身份证号码").format(
                code, self.names.get(code, "")
            )
        )
        self.clear_ticket()  # the previous visitor's
        self.person_id.clear()
        self.id_error.setText(message)
        self.pages.setCurrentIndex(ID_PAGE)
        self.person_id.setFocus()
        self.id_timer.start()

    def open_check_in(self, typed: str = "") -> None:
        """The check-in page, ``typed`` already in (a card laid on the reader while the
        buttons were shown)."""
        self.clear_ticket()
        self.booking.clear()
        self.pages.setCurrentIndex(CHECK_IN)
        self.booking.setFocus()
        self.id_timer.start()
        if typed:
            self.booking.insert(typed)

    def close_id_page(self) -> None:
        """Back to the buttons; a typed number does not stay on a public screen."""
        self.pending = ""
        self.person_id.clear()
        self.booking.clear()
        self.id_error.clear()
        self.id_timer.stop()
        self.pages.setCurrentIndex(CATEGORIES)
        if "" in self.reason_buttons:  # none before the queue is there
            self.reason_buttons[""].setChecked(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keys no field took: a card laid on the reader while the buttons are shown
        checks a booking in; on a page with a field, they go to that field."""
        if self.queue is None:  # nothing to serve yet: a key is dropped, not kept
            super().keyPressEvent(event)
            return
        text = event.text()
        page = self.pages.currentIndex()
        if page == CATEGORIES and text.isascii() and text.isalnum():
            self.open_check_in(text)
            return
        field = {ID_PAGE: self.person_id, CHECK_IN: self.booking}.get(page)
        if field is not None and ((text and text.isprintable()) or event.key() in ENTRY_KEYS):
            field.setFocus()
            field.keyPressEvent(event)
            return
        super().keyPressEvent(event)

    # --- actions -------------------------------------------------------------------

    def refresh(self) -> None:
        if self.queue is None:
            return
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
        if self.queue is None:  # no ticket without a queue (a tap while it opens)
            return
        self.clear_ticket()  # the previous visitor's
        if code in self.id_required:
            self.ask_for_id(code)
            return
        reason = self.selected_reason()
        self.reason_buttons[""].setChecked(True)
        try:
            issued = self.queue.issue(code, self.clock(), priority_reason=reason)
        except ValidationError as exc:
            if exc.field == "person_id":  # the hall asks for an ID here: this kiosk now knows
                self.id_required.add(code)
                self.ask_for_id(code, exc.message)
                return
            self._refused(safety_net.page_message(exc))
            return
        except CounterError as exc:
            self._refused(safety_net.page_message(exc))
            return
        self._show(issued)

    def on_issue_with_id(self) -> None:
        code, reason, person = self.pending, self.selected_reason(), self.person_id.value()
        if not code or self.queue is None:
            return
        self.person_id.clear()  # sent: it does not stay, whatever the answer
        self.id_timer.start()
        try:
            issued = self.queue.issue(code, self.clock(), priority_reason=reason, person_id=person)
        except CounterError as exc:  # every refusal of an ID issue is about that ID
            self.id_error.setText(public(safety_net.page_message(exc), person))
            self.person_id.setFocus()
            return
        self.close_id_page()
        self._show(issued)

    def on_check_in(self) -> None:
        if self.queue is None:
            return
        value = self.booking.value()
        self.booking.clear()  # sent: it does not stay, whatever the answer
        self.id_timer.start()
        try:
            issued = self.queue.check_in(value, self.clock())
        except CounterError as exc:
            self._refused(public(safety_net.page_message(exc), value))
            self.booking.setFocus()
            return
        self.close_id_page()
        self._show(issued)

    def _refused(self, message: str) -> None:
        """A refusal in the panel; the previous visitor's ticket goes with it."""
        self.clear_ticket()
        self._say(message)
        self.reset_timer.start()

    def _show(self, issued: IssuedTicket) -> None:
        self.last = issued
        slip: TicketSlip = issued.slip(self.hall_name)
        lane = f"<div style='color:#0b6e4f'>{slip.lane_line}</div>" * bool(slip.lane_line)
        self._say("")
        self.ticket.setText(
            "<div style='font-size:18pt; color:#0b4f8a'>" + self.tr("您的号码") + "</div>"
            f"<div style='font-size:60pt; font-weight:bold; color:#0b4f8a'>{slip.number}</div>"
            f"<div style='font-size:22pt'>{slip.category}</div>{lane}<div>"
            + self.tr("前面还有 {} 人等候").format(slip.waiting_ahead)
            + f"</div><div style='font-size:13pt; color:#555'>{slip.issued_at:%Y-%m-%d %H:%M}"
            f"<br>{slip.footer}</div>"
        )
        self.reset_timer.start()
        self.refresh()
        self.ticket_issued.emit(slip)

    def clear_ticket(self) -> None:
        """The panel back to its idle text: no ticket, no message."""
        self.last = None
        self.ticket.setText(IDLE_TEXT)
        self._say("")

    def _say(self, text: str, style: str = ERROR_STYLE) -> None:
        """``text`` in the panel under the ticket: a refusal, or a print failure."""
        self.error.setStyleSheet(style if text else ERROR_STYLE)
        self.error.setText(text)

    # --- the printer ---------------------------------------------------------------

    def use_printer(self, printer: TicketPrinter) -> None:
        """Print every ticket issued here; a slip that does not print is said."""
        self.printer = printer
        self.ticket_issued.connect(printer.print_slip)
        printer.failed.connect(self.show_print_failure)
        printer.printed.connect(self.show_printed)

    def show_print_failure(self, ticket_id: str, reason: str = "") -> None:
        """The slip of the ticket on screen did not print: its visitor is told, in large
        text, to take their number from the guide desk. A slip of a visitor who has
        gone is the desk's business (the print queue), not the next visitor's."""
        if self.last is None or self.last.ticket.id != ticket_id:
            return
        number = self.last.ticket.number
        self._say(
            self.tr("小票没有打印出来\n请到导办台取号\n您的号码：{}").format(number),
            FAILURE_STYLE,
        )
        self.reset_timer.start()

    def show_printed(self, ticket_id: str) -> None:
        """Printed after all (a retry within the minute): the failure goes."""
        if self.last is not None and self.last.ticket.id == ticket_id:
            self._say("")


def public(message: str, typed: str) -> str:
    """A refusal for a public screen: an ID number the visitor typed, should the message
    repeat it, is masked."""
    value = normalise(typed)
    if len(value) >= 15 and value[:6].isdigit() and value in message:
        return message.replace(value, mask_id(value))
    return message
