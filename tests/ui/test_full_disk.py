"""A full disk during call next and during intake (issue 26): the clerk is stopped by a
dialog that says the action was not saved, the log file holds the traceback, and the
store holds nothing half-written, so the same action succeeds once the disk is cleared.

The disk is full for real (tests/full_disk.py): SQLite itself refuses the write with
"database or disk is full", inside the service's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store import staff_store
from counter.ui.queue_panel import QueuePanel
from counter.ui.safety_net import SafetyNet
from tests.full_disk import everything, fill_the_disk, free_the_disk
from tests.ui.test_intake_page import USCC, make_page, ready_to_accept

FULL = "操作未完成：本机磁盘已满，数据未保存，请联系信息科清理磁盘后重试，已记录日志"


def fill_with_tickets(db: Database, now: datetime) -> int:
    """Fill the disk for real with waiting tickets; how many fitted."""
    queue = LocalQueue(db)
    return fill_the_disk(db, lambda: queue.issue("A", now))


def full_disk_dialog(qtbot: QtBot, error_dialogs: list[str]) -> str:
    """The one dialog shown, which tells the clerk the disk is full."""
    qtbot.waitUntil(lambda: len(error_dialogs) == 1)
    assert error_dialogs[0].startswith(FULL)
    return error_dialogs[0]


def clerk_panel(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> QueuePanel:
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    session = Session(staff=staff, window="1", signed_in_at=clock())
    panel = QueuePanel(LocalQueue(db), session, clock)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    # The F-keys are shortcuts of the active window, as on the clerk's screen.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    return panel


def test_f1_on_a_full_disk_shows_the_dialog_calls_nobody_and_works_once_the_disk_is_cleared(
    qtbot: QtBot,
    db: Database,
    clock: Callable[[], datetime],
    now: datetime,
    net: SafetyNet,
    log_file: Path,
    error_dialogs: list[str],
) -> None:
    panel = clerk_panel(qtbot, db, clock)
    assert fill_with_tickets(db, now) >= 1
    before = everything(db)

    qtbot.keyClick(panel, Qt.Key.Key_F1)

    assert str(log_file) in full_disk_dialog(qtbot, error_dialogs)
    assert "本机磁盘已满" in panel.errors.general.text()
    assert panel.number.text() == "—"
    assert everything(db) == before  # no ticket called, no outbox op, no clerk state
    logged = log_file.read_text("utf-8")
    assert "Traceback" in logged and "database or disk is full" in logged
    assert "call_next" in logged  # where it failed, for IT

    free_the_disk(db)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    assert panel.number.text() == "A001"
    assert len(error_dialogs) == 1


def test_an_intake_decision_on_a_full_disk_shows_the_dialog_keeps_the_form_and_saves_later(
    qtbot: QtBot,
    db: Database,
    clock: Callable[[], datetime],
    now: datetime,
    net: SafetyNet,
    log_file: Path,
    error_dialogs: list[str],
) -> None:
    page = make_page(qtbot, db, clock)
    ready_to_accept(qtbot, page)
    fill_with_tickets(db, now)
    before = everything(db)

    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)

    full_disk_dialog(qtbot, error_dialogs)
    assert page.last_result is None
    assert everything(db) == before  # no case, sub-case, event, applicant or outbox op
    assert "Traceback" in log_file.read_text("utf-8")
    # The clerk's typing is still there to save once the disk is cleared.
    assert page.fields["id_number"].text() == USCC
    assert page.fields["name"].text() == "示范科技有限公司"

    free_the_disk(db)
    qtbot.keyClick(page.checklist.table, Qt.Key.Key_F5)
    assert page.last_result is not None, page.errors.general.text()
    cases = db.execute("SELECT count(*) FROM cases WHERE state = '已受理'").fetchone()[0]
    assert cases == 7
    assert len(error_dialogs) == 1


def test_a_page_with_its_own_message_line_still_shows_the_dialog_on_a_full_disk(
    qtbot: QtBot,
    db: Database,
    clock: Callable[[], datetime],
    now: datetime,
    net: SafetyNet,
    error_dialogs: list[str],
) -> None:
    from counter.model.workdays import WorkingHours
    from counter.services.bootstrap import DEMO_PASSWORD
    from counter.services.calendar_service import CalendarService
    from counter.services.session import sign_in
    from counter.ui.holidays_page import HolidaysPage

    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    page = HolidaysPage(CalendarService(db, WorkingHours()), supervisor, clock)
    qtbot.addWidget(page)
    fill_with_tickets(db, now)
    before = everything(db)

    page.import_text("2027-01-01,holiday,元旦\n2027-10-01,holiday,国庆节\n")

    full_disk_dialog(qtbot, error_dialogs)
    assert "本机磁盘已满" in page.message.text()
    assert everything(db) == before
