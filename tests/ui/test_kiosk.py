"""The kiosk: big category buttons, 绿色通道, appointment check-in, the slip signal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.queue import DEFAULT_PRIORITY_REASONS, Lane
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
