from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from sqlite_utils import Database

from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import StepResult, SyncService
from counter.store import holidays, outbox
from counter.sync.client import read_status
from counter.ui.sync_page import SyncPage
from counter.ui.sync_worker import SyncAgent


def open_page(
    qtbot, db: Database, login: str, now: datetime, clock: Callable[[], datetime]
) -> SyncPage:
    """The sync page as ``login`` sees it, shown, active and ready for keys."""
    page = SyncPage(SyncService(db), sign_in(db, login, DEMO_PASSWORD, "1", now), clock)
    qtbot.addWidget(page)
    page.resize(1280, 600)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    return page


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
    page = open_page(qtbot, db, "zhangwei", now, clock)
    assert page.model.rowCount() == 1
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert page.model.rowCount() == 0
    assert [op.op_id for op in outbox.refused(db)] == [op_id]


def test_clerk_is_told_only_a_supervisor_may_act(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    refuse_one(db, now)
    page = open_page(qtbot, db, "lina", now, clock)
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
    page = open_page(qtbot, db, "zhangwei", now, clock)
    page.close()
    db.close()
    page.on_state_changed("离线", False)  # no "Cannot operate on a closed database"
    assert page.state.text() == "离线"


def keep_pull_failure(db: Database, now: datetime) -> None:
    """What the sync client keeps for a pulled material whose case never came."""
    with db.atomic():
        db.execute(
            "INSERT INTO pull_failures (cursor, table_name, row_id, kind, payload, hlc, origin,"
            " error, first_seen_at, last_tried_at, attempts) VALUES"
            " (42, 'case_materials', 'c9/m1', 'upsert', '{}', '001800000000000-000000',"
            " 'dev-b', 'IntegrityError: FOREIGN KEY constraint failed', ?, ?, 3)",
            [now.isoformat(), now.isoformat()],
        )


def test_changes_this_counter_could_not_apply_are_listed_with_why(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    keep_pull_failure(db, now)
    page = open_page(qtbot, db, "zhangwei", now, clock)
    assert page.failures_box.isVisible()
    assert page.failures_box.title() == "中心数据无法在本机应用"
    model = page.failures_model
    row = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert row[1:] == [
        "材料清单",
        "c9/m1",
        "修改",
        "所关联的数据在本机不存在，或仍有其他数据关联着它",
        "3",
    ]


def test_the_list_of_unapplied_changes_is_hidden_when_there_are_none(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    page = open_page(qtbot, db, "zhangwei", now, clock)
    assert not page.failures_box.isVisible()


def test_the_status_bar_counts_changes_this_counter_could_not_apply(
    qtbot, db: Database, now: datetime, store_path: Path, clock: Callable[[], datetime]
) -> None:
    keep_pull_failure(db, now)
    agent = SyncAgent(store_path, clock)
    text, online = agent.describe(StepResult(0, 0, online=True), read_status(db))
    assert "中心数据无法应用 1 条" in text and online
    agent.stop()


def list_conflict(db: Database, now: datetime) -> str:
    """A conflict as the central sends it down: window 5's 终止 not kept."""
    by = {"device_id": "d", "device_name": "", "staff_id": "hall-lina", "staff_name": "李娜"}
    with db.atomic():
        db["sync_conflicts"].insert(
            {
                "id": "conflict-op-1",
                "table_name": "cases",
                "row_id": "case-1",
                "label": "20261206-0003-0001 食品经营许可",
                "clashes": json.dumps(
                    [{"field": "state", "kept": "办结（准予）", "lost": "终止"}],
                    ensure_ascii=False,
                ),
                "kept_by": json.dumps({**by, "window": "3", "at": now.isoformat()}),
                "lost_by": json.dumps({**by, "window": "5", "at": now.isoformat()}),
                "detected_at": now.isoformat(),
            }
        )
    return "conflict-op-1"


def test_a_supervisor_settles_a_conflict_from_the_keyboard_and_it_goes_to_the_central(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    conflict = list_conflict(db, now)
    page = open_page(qtbot, db, "zhangwei", now, clock)
    session = page.session
    assert page.tabs.currentIndex() == 0 and page.tabs.tabText(0) == "同步冲突 (1)"
    model = page.conflicts
    row = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert row[1:] == [
        "办件",
        "20261206-0003-0001 食品经营许可",
        "办件状态：办结（准予）",
        f"3 号窗口 李娜 {now.isoformat()[5:16].replace('T', ' ')}",
        "办件状态：终止",
        f"5 号窗口 李娜 {now.isoformat()[5:16].replace('T', ' ')}",
    ]
    page.conflicts_table.setFocus()
    qtbot.keyClick(page.conflicts_table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert model.rowCount() == 0 and "已采用另一版本" in page.message.text()
    sent = [op for op in outbox.pending(db) if op.table_name == "sync_conflicts"]
    assert [(op.row_id, op.payload["choice"], op.actor) for op in sent] == [
        (conflict, "taken", session.staff.id)
    ]


def test_a_clerk_sees_the_conflicts_but_is_told_only_a_supervisor_settles_them(
    qtbot, db: Database, now: datetime, clock: Callable[[], datetime]
) -> None:
    list_conflict(db, now)
    page = open_page(qtbot, db, "lina", now, clock)
    page.take_button.click()
    assert page.conflicts.rowCount() == 1
    assert "值班长" in page.message.text()


def test_a_clock_far_off_the_central_s_is_said_on_the_page_and_in_the_status_bar(
    qtbot, db: Database, now: datetime, store_path: Path, clock: Callable[[], datetime]
) -> None:
    with db.atomic():
        db.execute("UPDATE sync_state SET clock_offset_ms = ? WHERE id = 1", [600_000])
    page = open_page(qtbot, db, "lina", now, clock)
    assert page.clock_note.isVisible()
    assert page.clock_note.text() == "本机时钟比中心慢 10 分钟"
    agent = SyncAgent(store_path, clock)
    text, online = agent.describe(StepResult(0, 0, online=True), read_status(db))
    assert "本机时钟比中心慢 10 分钟" in text and online
    agent.stop()
