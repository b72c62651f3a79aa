"""The kiosk: big category buttons, 绿色通道, appointment check-in, the slip signal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt, QThreadPool
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.queue import DEFAULT_PRIORITY_REASONS, Lane, QueueRules
from counter.model.settings import Settings
from counter.model.slips import TicketSlip
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.print_service import PrintService
from counter.services.queue_service import LocalQueue
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.ui.kiosk import CHECK_IN, ID_PAGE, KioskWindow
from counter.ui.main_window import MainWindow
from counter.ui.notice_printing import TicketPrinter
from counter.ui.print_queue_page import PrintQueuePage
from counter.ui.print_spool import PrintSpool


@pytest.fixture
def queue(db: Database) -> LocalQueue:
    return LocalQueue(db)


@pytest.fixture
def kiosk(qtbot: QtBot, queue: LocalQueue, clock: Callable[[], datetime]) -> KioskWindow:
    widget = KioskWindow(
        queue, clock, hall_name="示范市政务服务中心", priority_reasons=DEFAULT_PRIORITY_REASONS
    )
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_kiosk_issues_a_priority_ticket(
    qtbot: QtBot, kiosk: KioskWindow, queue: LocalQueue, now: datetime
) -> None:
    queue.issue("A", now)
    qtbot.mouseClick(kiosk.reason_buttons["老年人"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(kiosk.ticket_issued) as signal:
        qtbot.mouseClick(kiosk.category_buttons["A"], Qt.MouseButton.LeftButton)
    slip = signal.args[0]
    assert isinstance(slip, TicketSlip)
    assert (slip.number, slip.priority_reason, slip.waiting_ahead) == ("A002", "老年人", 0)
    assert [t.lane for t in queue.waiting(now)] == [Lane.PRIORITY, Lane.NORMAL]
    assert "A002" in kiosk.ticket.text()


def test_the_lane_choice_returns_to_normal_after_a_ticket(qtbot: QtBot, kiosk: KioskWindow) -> None:
    qtbot.mouseClick(kiosk.reason_buttons["军人"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(kiosk.category_buttons["B"], Qt.MouseButton.LeftButton)
    assert kiosk.selected_reason() == ""


def test_appointment_check_in_by_code(qtbot: QtBot, kiosk: KioskWindow) -> None:
    qtbot.mouseClick(kiosk.findChild(QPushButton, "openCheckIn"), Qt.MouseButton.LeftButton)
    assert kiosk.pages.currentIndex() == CHECK_IN and kiosk.booking.hasFocus()
    qtbot.keyClicks(kiosk.booking, "yy0001")  # a booking code shows as typed
    assert kiosk.booking.text() == "yy0001"
    qtbot.keyClick(kiosk.booking, Qt.Key.Key_Return)
    assert kiosk.last is not None
    assert kiosk.last.ticket.appointment_code == "YY0001"
    assert "前面还有 0 人等候" in kiosk.ticket.text()
    assert "预约" in kiosk.ticket.text() and "绿色通道" not in kiosk.ticket.text()
    assert kiosk.pages.currentIndex() == 0 and kiosk.booking.value() == ""


def test_an_unknown_booking_code_is_explained(
    qtbot: QtBot, kiosk: KioskWindow, queue: LocalQueue, now: datetime
) -> None:
    kiosk.open_check_in()
    qtbot.keyClicks(kiosk.booking, "yy9999")
    qtbot.keyClick(kiosk.booking, Qt.Key.Key_Return)
    assert "没有预约号为“YY9999”的预约" in kiosk.error.text()
    assert queue.tickets_today(now) == []


def test_buttons_show_how_many_wait(kiosk: KioskWindow, queue: LocalQueue, now: datetime) -> None:
    queue.issue("C", now)
    kiosk.refresh()
    assert kiosk.category_buttons["C"].text() == "C 社保医保\n等候 1 人"


# --- a category issued on an ID (issue 27) ---------------------------------------------

VALID_ID = "110101199001011237"
SCREENSHOT = Path("/tmp/kiosk27.png")


def show_id_kiosk(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> KioskWindow:
    """A kiosk on a 1366×768 panel, of a hall that issues 不动产登记 (D) only on the
    visitor's ID."""
    queue = LocalQueue(db, QueueRules(id_required=frozenset({"D"})))
    widget = KioskWindow(
        queue,
        clock,
        hall_name="示范市政务服务中心",
        priority_reasons=DEFAULT_PRIORITY_REASONS,
        id_required=queue.rules.id_required,
    )
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    return widget


@pytest.fixture
def id_kiosk(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> KioskWindow:
    """A kiosk of a hall that issues 不动产登记 (D) only on the visitor's ID."""
    return show_id_kiosk(qtbot, db, clock)


def test_a_category_issued_on_an_id_asks_for_it_and_refuses_without(
    qtbot: QtBot, id_kiosk: KioskWindow, db: Database, now: datetime
) -> None:
    kiosk = id_kiosk
    qtbot.mouseClick(kiosk.category_buttons["D"], Qt.MouseButton.LeftButton)
    assert kiosk.pages.currentIndex() == 1 and kiosk.person_id.isVisible()
    assert "D 不动产登记　须凭本人身份证取号" in kiosk.id_prompt.text()
    assert kiosk.person_id.hasFocus()  # where a card reader types the number
    confirm = kiosk.findChild(QPushButton, "issueWithId")
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    assert kiosk.id_error.text() == "“不动产登记”须凭本人身份证取号：请刷身份证或输入身份证号码"
    qtbot.keyClicks(kiosk.person_id, "1101011990010112")
    qtbot.keyClick(kiosk.person_id, Qt.Key.Key_Return)
    assert kiosk.id_error.text() == "居民身份证号码应为18位，现在是16位"
    assert kiosk.last is None and LocalQueue(db).tickets_today(now) == []
    kiosk.grab().save(str(SCREENSHOT))
    kiosk.person_id.clear()
    kiosk.person_id.insert("１１０１０１ １９９００１０１ １２３７")  # as a Chinese IME commits it
    with qtbot.waitSignal(kiosk.ticket_issued):
        qtbot.keyClick(kiosk.person_id, Qt.Key.Key_Return)
    assert kiosk.last is not None and kiosk.last.ticket.person_id == VALID_ID
    assert kiosk.pages.currentIndex() == 0 and kiosk.person_id.text() == ""
    assert "D001" in kiosk.ticket.text()


def test_a_second_ticket_for_the_same_person_is_refused_at_the_id_field(
    qtbot: QtBot, id_kiosk: KioskWindow
) -> None:
    for typed in (VALID_ID, "1101011990\u200b01011237"):
        qtbot.mouseClick(id_kiosk.category_buttons["D"], Qt.MouseButton.LeftButton)
        id_kiosk.person_id.insert(typed)  # typed, or pasted with a zero-width space
        qtbot.keyClick(id_kiosk.person_id, Qt.Key.Key_Return)
    assert "已在“不动产登记”取了 D001 号" in id_kiosk.id_error.text()
    assert id_kiosk.pages.currentIndex() == 1


def test_a_kiosk_not_told_of_the_rule_asks_for_the_id_once_refused(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    queue = LocalQueue(db, QueueRules(id_required=frozenset({"D"})))
    kiosk = KioskWindow(queue, clock, hall_name="示范市政务服务中心", priority_reasons=())
    qtbot.addWidget(kiosk)
    kiosk.show()
    qtbot.mouseClick(kiosk.category_buttons["D"], Qt.MouseButton.LeftButton)
    assert kiosk.pages.currentIndex() == 1
    assert "须凭本人身份证取号" in kiosk.id_error.text()
    qtbot.mouseClick(kiosk.findChild(QPushButton, "idBack"), Qt.MouseButton.LeftButton)
    assert kiosk.pages.currentIndex() == 0 and kiosk.error.text() == ""


# --- the kiosk in the hall's hands (issue 28) ------------------------------------------

KIOSK_SHOT = "/tmp/kiosk28_{}.png"


class Clock:
    """A clock the test moves; the spool's worker reads it too."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def hall_kiosk(qtbot: QtBot, db: Database, now: datetime) -> tuple[KioskWindow, Clock]:
    """A kiosk full screen on a 1366×768 panel, in a hall that issues D only on an ID."""
    clock = Clock(now)
    widget = show_id_kiosk(qtbot, db, clock)
    qtbot.waitExposed(widget)
    return widget, clock


def tap(qtbot: QtBot, kiosk: KioskWindow, name: str) -> None:
    """A touch on the button of that name on screen (each page has its own pad)."""
    (button,) = [b for b in kiosk.findChildren(QPushButton, name) if b.isVisible()]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tap_digits(qtbot: QtBot, kiosk: KioskWindow, digits: str) -> None:
    for digit in digits:
        tap(qtbot, kiosk, f"digit{digit}")


def layout_of(kiosk: KioskWindow) -> dict[str, QRect]:
    """Where every button of the first page is, in the window."""
    buttons = [*kiosk.category_buttons.values(), *kiosk.reason_buttons.values()]
    buttons.append(kiosk.findChild(QPushButton, "openCheckIn"))
    return {b.text(): QRect(b.mapTo(kiosk, QPoint(0, 0)), b.size()) for b in buttons} | {
        "window": kiosk.rect()
    }


def test_the_buttons_stay_put_before_with_and_after_a_ticket(
    qtbot: QtBot, hall_kiosk: tuple[KioskWindow, Clock]
) -> None:
    """Three test taps landed on empty space: the ticket under the buttons pushed them
    240 px up and back. It now appears beside them; a failed print too."""
    kiosk, _ = hall_kiosk
    kiosk.reset_timer.setInterval(50)
    before = layout_of(kiosk)
    assert before["window"].size() == QSize(1366, 768)
    tap(qtbot, kiosk, "category_A")
    assert kiosk.last is not None and "A001" in kiosk.ticket.text()
    with_ticket = layout_of(kiosk)
    kiosk.grab().save(KIOSK_SHOT.format("ticket"))
    kiosk.show_print_failure(kiosk.last.ticket.id, "小票打印机缺纸")
    with_failure = layout_of(kiosk)
    qtbot.waitUntil(lambda: kiosk.last is None)  # the reset timer
    after = layout_of(kiosk)
    # the texts say 等候 1 人 now; compare the places
    assert [*before.values()] == [*with_ticket.values()] == [*with_failure.values()]
    assert [*before.values()] == [*after.values()]
    assert "A001" not in kiosk.ticket.text() and kiosk.error.text() == ""


def test_a_refused_check_in_clears_the_last_ticket_the_typed_id_and_later_the_message(
    qtbot: QtBot, hall_kiosk: tuple[KioskWindow, Clock]
) -> None:
    kiosk, _ = hall_kiosk
    tap(qtbot, kiosk, "category_A")  # the previous visitor's ticket
    assert "A001" in kiosk.ticket.text()
    tap(qtbot, kiosk, "openCheckIn")
    assert kiosk.pages.currentIndex() == CHECK_IN and kiosk.booking.hasFocus()
    tap_digits(qtbot, kiosk, VALID_ID[:-1] + "X")  # on the pad: the kiosk has no keyboard
    assert kiosk.booking.value() == VALID_ID[:-1] + "X"
    assert kiosk.booking.text() == "110101********123X"  # masked while typed
    tap(qtbot, kiosk, "digitErase")
    tap_digits(qtbot, kiosk, "7")
    kiosk.reset_timer.setInterval(50)
    tap(qtbot, kiosk, "checkIn")
    assert "没有证件号 110101********1237 的预约" in kiosk.error.text()
    assert VALID_ID not in kiosk.error.text()
    assert "A001" not in kiosk.ticket.text() and kiosk.last is None
    assert kiosk.booking.value() == kiosk.booking.text() == ""
    assert kiosk.pages.currentIndex() == CHECK_IN  # to try again
    qtbot.waitUntil(lambda: kiosk.error.text() == "")  # the next visitor sees nothing of it
    tap_digits(qtbot, kiosk, "1101")
    kiosk.id_timer.setInterval(10)
    kiosk.id_timer.start()
    qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == 0)  # left alone
    assert kiosk.booking.value() == kiosk.booking.text() == ""


def test_an_id_is_typed_on_the_pad_masked_and_issues_its_ticket(
    qtbot: QtBot, hall_kiosk: tuple[KioskWindow, Clock]
) -> None:
    kiosk, _ = hall_kiosk
    tap(qtbot, kiosk, "category_D")
    assert kiosk.pages.currentIndex() == ID_PAGE and kiosk.person_id.hasFocus()
    tap_digits(qtbot, kiosk, VALID_ID[:10])
    assert kiosk.person_id.text() == "110101****"  # the birth date never shows
    kiosk.grab().save(KIOSK_SHOT.format("pad"))
    tap_digits(qtbot, kiosk, VALID_ID[10:])
    assert kiosk.person_id.text() == "110101********1237"
    assert kiosk.person_id.hasFocus()  # the pad never took it from the card reader
    with qtbot.waitSignal(kiosk.ticket_issued):
        tap(qtbot, kiosk, "issueWithId")
    assert kiosk.last is not None and kiosk.last.ticket.person_id == VALID_ID
    assert kiosk.pages.currentIndex() == 0 and kiosk.person_id.value() == ""


def test_a_refused_id_is_cleared_and_not_repeated_in_full(
    qtbot: QtBot, hall_kiosk: tuple[KioskWindow, Clock]
) -> None:
    kiosk, _ = hall_kiosk
    tap(qtbot, kiosk, "category_D")
    tap_digits(qtbot, kiosk, "1101011990010112")
    tap(qtbot, kiosk, "issueWithId")
    assert kiosk.id_error.text() == "居民身份证号码应为18位，现在是16位"
    assert kiosk.person_id.value() == kiosk.person_id.text() == ""


def test_a_card_laid_on_the_reader_at_the_buttons_checks_in(
    qtbot: QtBot, hall_kiosk: tuple[KioskWindow, Clock]
) -> None:
    kiosk, _ = hall_kiosk
    kiosk.activateWindow()
    qtbot.keyClicks(kiosk, "110101199003071234")  # 王小明's booking (the demo data)
    assert kiosk.pages.currentIndex() == CHECK_IN
    assert kiosk.booking.text() == "110101********1234"
    qtbot.keyClick(kiosk.booking, Qt.Key.Key_Return)
    assert kiosk.last is not None and kiosk.last.ticket.appointment_code == "YY0001"


def test_a_slip_that_does_not_print_sends_the_visitor_to_the_guide_desk_and_expires(
    qtbot: QtBot,
    hall_kiosk: tuple[KioskWindow, Clock],
    db: Database,
    store_path: Path,
    tmp_path: Path,
) -> None:
    """Out of paper: the visitor is told in large text to take the number from the
    guide desk, the desk's print queue and status bar say which number, and the slip
    is cancelled after a minute rather than printed into the next visitor's hands."""
    from tests.services.fake_printer import FakePrinter

    kiosk, clock = hall_kiosk
    printer = FakePrinter(paper_out=True)
    try:
        settings = Settings({"ticket_printer": printer.target})
        pool = QThreadPool()
        service = PrintService(db, settings)
        spool = PrintSpool(store_path, lambda: settings, clock, pool=pool)
        spool.setParent(kiosk)
        kiosk.use_printer(TicketPrinter(service, spool, "取号机", lambda: settings, clock))
        supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", clock())
        queue_page = PrintQueuePage(service, supervisor, spool, clock)
        qtbot.addWidget(queue_page)
        queue_page.show()
        window = MainWindow(
            supervisor,
            [],
            settings=SettingsService(tmp_path / "s.toml"),
            store_path=str(store_path),
            hall_name="示范市政务服务中心",
        )
        qtbot.addWidget(window)
        spool.state_changed.connect(window.show_printer_state)  # as build_main_window does

        tap(qtbot, kiosk, "category_A")
        qtbot.waitUntil(lambda: "请到导办台取号" in kiosk.error.text(), timeout=10_000)
        assert "您的号码：A001" in kiosk.error.text()
        kiosk.grab().save(KIOSK_SHOT.format("failure"))
        qtbot.waitUntil(lambda: "A001" in window.printer.toolTip(), timeout=10_000)
        assert not window.printer.isHidden()
        assert window.printer.toolTip().startswith(
            "取号机 A001 号小票未打印，访客已被请到导办台取号"
        )
        assert "缺纸" in window.printer.toolTip()
        qtbot.waitUntil(lambda: queue_page.alert.isVisible())
        assert "A001" in queue_page.alert.text()

        printer.paper_out = False  # paper in, a minute and a second on
        clock.now += timedelta(seconds=61)
        with qtbot.waitSignal(spool.printed, timeout=10_000):
            spool.kick()
        pool.waitForDone()
        (job,) = service.jobs()
        assert job.status_text == "已取消（超时）"
        assert printer.jobs == [b"\x10\x04\x04"]  # only the paper query: never printed
        queue_page.refresh()
        assert "已取消（超时）" in [
            queue_page.model.data(queue_page.model.index(0, c))
            for c in range(queue_page.model.columnCount())
        ]
        assert "A001" in queue_page.alert.text()  # the desk still knows whom to serve
        spool.stop()
    finally:
        printer.close()


def test_a_kiosk_painted_before_its_queue_ignores_taps_then_serves(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], now: datetime
) -> None:
    """The kiosk paints while the store opens (issue 28): it says 请稍候…, and taps and
    a card reader's keys meanwhile issue nothing; given its queue, it serves."""
    kiosk = KioskWindow(None, clock, hall_name="示范市政务服务中心")
    qtbot.addWidget(kiosk)
    kiosk.show()
    qtbot.waitExposed(kiosk)
    waiting = kiosk.findChild(QLabel, "kioskWaiting")
    assert waiting is not None and waiting.isVisible() and waiting.text() == "请稍候…"
    assert kiosk.category_buttons == {} and kiosk.findChild(QPushButton, "openCheckIn") is None
    qtbot.mouseClick(waiting, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(kiosk, "110101199001011237")
    qtbot.keyClick(kiosk, Qt.Key.Key_Return)
    kiosk.on_issue("A")  # as a tap on a button that is not there yet
    kiosk.on_check_in()
    assert kiosk.pages.currentIndex() == 0 and kiosk.last is None
    assert LocalQueue(db).tickets_today(now) == []

    queue = LocalQueue(db, QueueRules(id_required=frozenset({"D"})))
    queue.issue("A", now)
    kiosk.use_queue(
        queue,
        priority_reasons=DEFAULT_PRIORITY_REASONS,
        id_required=queue.rules.id_required,
        hall_name="示范市政务服务中心",
    )
    qtbot.waitUntil(lambda: kiosk.category_buttons["A"].isVisible())
    assert kiosk.findChild(QLabel, "kioskWaiting") is None  # 请稍候… gone
    assert "等候 1 人" in kiosk.category_buttons["A"].text()
    qtbot.mouseClick(kiosk.reason_buttons["老年人"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(kiosk.ticket_issued) as signal:
        qtbot.mouseClick(kiosk.category_buttons["A"], Qt.MouseButton.LeftButton)
    assert (signal.args[0].number, signal.args[0].priority_reason) == ("A002", "老年人")
    qtbot.mouseClick(kiosk.category_buttons["D"], Qt.MouseButton.LeftButton)
    assert kiosk.pages.currentIndex() == ID_PAGE  # the hall's ID rule came with the queue
