from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from sqlite_utils import Database

from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import SyncService
from counter.store import holidays, outbox
from counter.ui.sync_page import SyncPage
from counter.ui.sync_worker import SyncAgent


def refuse_one(db: Database, now: datetime) -> str:
    holidays.set_day(db, date(2031, 2, 3), "holiday", "被拒", now)
    op_id = outbox.pending(db)[-1].op_id
    with db.atomic():
        db.execute(
            "UPDATE outbox SET state = 'refused', refused_reason = ? WHERE op_id = ?",
            ["[clock_ahead] 本机时钟比中心快太多", op_id],
        )
    return op_id


def test_supervisor_resubmits_a_refused_op_with_the_keyboard(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    op_id = refuse_one(db, now)
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    page = SyncPage(SyncService(db), session, clock)
    qtbot.addWidget(page)
    page.resize(900, 400)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    assert page.model.rowCount() == 1
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert page.model.rowCount() == 0
    assert [op.op_id for op in outbox.refused(db)] == [op_id]


def test_clerk_is_told_only_a_supervisor_may_act(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    refuse_one(db, now)
    session = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    page = SyncPage(SyncService(db), session, clock)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert "值班长" in page.message.text()
    assert page.model.rowCount() == 1


def test_unenrolled_counter_reports_it_is_not_enrolled(
    qtbot, store_path: Path, clock: Callable[[], datetime]
) -> None:
    agent = SyncAgent(store_path, clock)
    with qtbot.waitSignal(agent.state_changed, timeout=10_000) as signal:
        agent.kick()
    text, online = signal.args
    assert "未登记" in text and not online
    agent.stop()


def test_a_closed_page_leaves_its_store_alone_when_the_agent_reports(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    """The sync agent outlives a closed window for a moment; the store may be closed."""
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    page = SyncPage(SyncService(db), session, clock)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.close()
    db.close()
    page.on_state_changed("离线", False)  # no "Cannot operate on a closed database"
    assert page.state.text() == "离线"
