"""The kiosk: big category buttons, 绿色通道, appointment check-in, the slip signal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.queue import DEFAULT_PRIORITY_REASONS, Lane, QueueRules
from counter.model.slips import TicketSlip
from counter.services.queue_service import LocalQueue
from counter.ui.kiosk import KioskWindow


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
    qtbot.keyClicks(kiosk.booking, "yy0001")
    qtbot.keyClick(kiosk.booking, Qt.Key.Key_Return)
    assert kiosk.last is not None
    assert kiosk.last.ticket.appointment_code == "YY0001"
    assert "前面还有 0 人等候" in kiosk.ticket.text()


def test_an_unknown_booking_code_is_explained(
    qtbot: QtBot, kiosk: KioskWindow, queue: LocalQueue, now: datetime
) -> None:
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


@pytest.fixture
def id_kiosk(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> KioskWindow:
    """A kiosk of a hall that issues 不动产登记 (D) only on the visitor's ID."""
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
