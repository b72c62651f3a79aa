"""The window's queue panel, driven with the F-keys like a clerk."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.queue import TicketState
from counter.services.queue_service import LocalQueue, Queue
from counter.services.session import Session
from counter.store import staff_store
from counter.store.db import connect
from counter.ui.queue_panel import PanelReading, QueuePanel, read_panel


def lina_at_window_1(db: Database, now: datetime) -> Session:
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    return Session(staff=staff, window="1", signed_in_at=now)


@pytest.fixture
def queue(db: Database) -> LocalQueue:
    return LocalQueue(db)


@pytest.fixture
def panel(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime]
) -> QueuePanel:
    widget = QueuePanel(queue, lina_at_window_1(db, clock()), clock)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    return widget


def test_f1_calls_the_next_ticket(
    qtbot: QtBot, panel: QueuePanel, queue: LocalQueue, now: datetime
) -> None:
    queue.issue("A", now)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert panel.number.text() == "A001"


def test_shortcuts_are_shown_on_the_buttons(panel: QueuePanel) -> None:
    assert panel.buttons["call"].text().endswith("F1")
    assert panel.buttons["finish"].text().endswith("F7")


def test_clerk_calls_recalls_skips_and_finishes_by_keyboard(
    qtbot: QtBot, panel: QueuePanel, queue: LocalQueue, now: datetime
) -> None:
    first = queue.issue("A", now).ticket
    second = queue.issue("A", now).ticket
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    qtbot.keyClick(panel, Qt.Key.Key_F2)
    assert "已呼 2 次" in panel.detail.text()
    qtbot.keyClick(panel, Qt.Key.Key_F3)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert panel.number.text() == second.number
    panel.services.setFocus()
    panel.services.selectAll()
    qtbot.keyClicks(panel.services, "sheli dengji")
    qtbot.keyClick(panel.services, Qt.Key.Key_F7)
    states = {t.id: t.state for t in queue.tickets_today(now)}
    assert states == {first.id: TicketState.NO_SHOW, second.id: TicketState.DONE}
    assert panel.number.text() == "—"


def test_calling_with_nobody_waiting_shows_a_message(qtbot: QtBot, panel: QueuePanel) -> None:
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert panel.errors.general.text() == "目前没有等候的号，无需叫号"


def test_transfer_to_a_category_no_window_serves_is_shown_at_the_field(
    qtbot: QtBot, panel: QueuePanel, queue: LocalQueue, db: Database, now: datetime
) -> None:
    supervisor = staff_store.find_by_login(db, "zhangwei")
    assert supervisor is not None
    queue.set_category_windows(Session(supervisor, "1", now), "E", [], now)
    queue.issue("A", now)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    panel.transfer_category.setCurrentIndex(panel.transfer_category.findData("E"))
    qtbot.keyClick(panel, Qt.Key.Key_F5)
    assert "没有窗口办理" in panel.errors.text("transfer_category")
    assert panel.number.text() == "A001"


def test_hold_and_resume_by_keyboard(
    qtbot: QtBot, panel: QueuePanel, queue: LocalQueue, now: datetime
) -> None:
    queue.issue("A", now)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    qtbot.keyClick(panel, Qt.Key.Key_F4)
    assert "A001" in panel.held.text()
    qtbot.keyClick(panel, Qt.Key.Key_F10)
    assert panel.number.text() == "A001"
    assert "办理中" in panel.detail.text()


def test_f8_puts_the_clerk_on_break(qtbot: QtBot, panel: QueuePanel) -> None:
    qtbot.keyClick(panel, Qt.Key.Key_F8)
    assert panel.clerk.text().endswith("暂停服务")
    assert panel.buttons["break"].text() == "恢复服务  F8"


def test_f9_calls_a_typed_number_out_of_order(
    qtbot: QtBot, panel: QueuePanel, queue: LocalQueue, now: datetime
) -> None:
    queue.issue("A", now)
    queue.issue("A", now)
    panel.ticket_number.setFocus()
    qtbot.keyClicks(panel.ticket_number, "a002")
    qtbot.keyClick(panel.ticket_number, Qt.Key.Key_F9)
    assert panel.number.text() == "A002"


def test_the_ticket_in_hand_is_announced_for_intake(
    qtbot: QtBot, panel: QueuePanel, queue: LocalQueue, now: datetime
) -> None:
    queue.issue("A", now)
    with qtbot.waitSignal(panel.current_changed) as signal:
        qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert signal.args[0].number == "A001"


class HeldReader:
    """Opens a queue on the store on the pool thread, as the window does, and holds the
    reading back until released: a central slow to answer."""

    def __init__(self, store_path: Path, hold: str) -> None:
        self.store_path = store_path
        self.hold = hold  # "before" the reading, or "after" it, before it is returned
        self.release = threading.Event()
        self.opened = threading.Event()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[Queue]:
        self.opened.set()
        if self.hold == "before":
            self.release.wait(10)
        db = connect(self.store_path)
        try:
            yield LocalQueue(db)
        finally:
            db.close()
            if self.hold == "after":
                self.release.wait(10)


def panel_reading_with(
    qtbot: QtBot, db: Database, reader: HeldReader, clock: Callable[[], datetime]
) -> QueuePanel:
    widget = QueuePanel(LocalQueue(db), lina_at_window_1(db, clock()), clock, open_reader=reader)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    return widget


def test_the_panel_stays_responsive_while_its_reading_waits_on_the_queue(
    qtbot: QtBot, db: Database, store_path: Path, clock: Callable[[], datetime], now: datetime
) -> None:
    LocalQueue(db).issue("A", now)
    reader = HeldReader(store_path, hold="before")
    panel = panel_reading_with(qtbot, db, reader, clock)
    assert reader.opened.wait(5)
    ticks: list[int] = []
    QTimer.singleShot(50, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=2000)
    assert panel.waiting_model.rowCount() == 0  # nothing read yet
    reader.release.set()
    qtbot.waitUntil(lambda: panel.waiting_model.rowCount() == 1)
    assert "1 人" in panel.waiting_title.text()


def test_a_reading_begun_before_the_clerks_call_does_not_undo_it_on_screen(
    qtbot: QtBot, db: Database, store_path: Path, clock: Callable[[], datetime], now: datetime
) -> None:
    LocalQueue(db).issue("A", now)
    reader = HeldReader(store_path, hold="after")
    panel = panel_reading_with(qtbot, db, reader, clock)
    assert reader.opened.wait(5)  # the reading saw A001 waiting, nobody called
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert panel.number.text() == "A001"
    reader.release.set()
    qtbot.waitUntil(lambda: not panel.reading.busy)
    assert panel.number.text() == "A001"
    assert panel.waiting_model.rowCount() == 0


def reading_of(queue: LocalQueue, session: Session, now: datetime) -> PanelReading:
    return read_panel(queue, session, {"A"}, now)


def test_the_answer_to_a_call_puts_the_ticket_in_hand_and_out_of_the_waiting_list(
    db: Database, queue: LocalQueue, now: datetime
) -> None:
    session = lina_at_window_1(db, now)
    first, second = queue.issue("A", now).ticket, queue.issue("A", now).ticket
    before = reading_of(queue, session, now)
    called = queue.call_next(session, now)
    shown = before.after(called, "1")
    assert [t.id for t in shown.hand] == [first.id]
    assert [t.id for t in shown.waiting] == [second.id]
    full = reading_of(queue, session, now)
    assert (shown.hand, shown.waiting) == (full.hand, full.waiting)


def test_the_answer_to_a_finish_takes_the_ticket_out_of_hand(
    db: Database, queue: LocalQueue, now: datetime
) -> None:
    session = lina_at_window_1(db, now)
    queue.issue("A", now)
    called = queue.call_next(session, now)
    before = reading_of(queue, session, now)
    finished = queue.finish(session, called.id, ["咨询"], now)
    assert before.after(finished, "1").hand == ()
