"""The sync page's 设备 tab against a real central process: the hall's devices for a
supervisor, revoking one, the central's new address, re-enrolment."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlite_utils import Database
from sync_support import Central, central_for, client_for, token, wall_clock

from counter.model.devices import DeviceKind
from counter.model.errors import RoleRefusedError
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import Session, sign_in
from counter.services.sync_service import SyncService
from counter.store import outbox
from counter.sync.client import enrol
from counter.ui.sync_page import SyncPage

DEVICES_TAB = 3


def staffed(db: Database, central: Central, login: str = "zhangwei") -> Session:
    """This counter enrolled at window 1, the hall's staff pulled, ``login`` signed in."""
    enrol(db, central.url, central.code(), name="1 号窗口")
    central.publish_staff()
    client_for(db, central).pull()
    return sign_in(db, login, DEMO_PASSWORD, "1", wall_clock())


def page_for(qtbot: QtBot, db: Database, session: Session) -> SyncPage:
    page = SyncPage(SyncService(db), session, wall_clock)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.tabs.setCurrentIndex(DEVICES_TAB)
    return page


def other_device(central: Central, device_id: str, kind: DeviceKind, window: str = "") -> None:
    code = central.engine.create_enrol_code(int(time.time() * 1000), kind, window)
    central.engine.enrol(code, device_id, f"{kind.label} {device_id}", int(time.time() * 1000))


def test_a_supervisor_lists_the_halls_devices_and_revokes_a_lost_kiosk(
    qtbot: QtBot, db: Database, sqlite_central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = staffed(db, sqlite_central)
    other_device(sqlite_central, "kiosk-1", DeviceKind.KIOSK)
    other_device(sqlite_central, "pad-1", DeviceKind.PAD, "1")
    page = page_for(qtbot, db, session)
    panel = page.devices
    assert page.tabs.tabText(DEVICES_TAB) == "设备"
    assert panel.hall_box.isVisibleTo(page)
    assert outbox.device_id(db) in panel.this_pc.text()
    assert sqlite_central.url in panel.this_pc.text()

    panel.list_button.click()
    assert "正在向中心读取设备列表" in panel.status.text()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=15_000)
    rows = {panel.model.record(r).device_id: panel.model.record(r) for r in range(3)}
    me = rows[outbox.device_id(db)]
    assert me.this_device and me.kind_label == "窗口电脑" and me.window == "1"
    assert me.last_seen is not None  # the pull just now
    assert rows["kiosk-1"].kind_label == "取号机" and not rows["kiosk-1"].revoked
    assert "中心共登记 3 台设备" in panel.hall_message.text()

    # Its own row cannot be revoked from here.
    panel.table.selectRow(next(r for r in range(3) if panel.model.record(r).this_device))
    assert not panel.revoke_button.isEnabled()

    asked: list[str] = []

    def yes(parent: object, title: str, text: str, *rest: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    panel.table.selectRow(next(r for r in range(3) if panel.model.record(r).device_id == "kiosk-1"))
    assert panel.revoke_button.isEnabled()
    panel.revoke_button.click()
    assert "取号机" in asked[0] and "令牌立即作废" in asked[0]
    qtbot.waitUntil(lambda: "已停用设备" in panel.hall_message.text(), timeout=15_000)
    assert "取号机 kiosk-1" in panel.hall_message.text()
    revoked = {d.device_id for d in sqlite_central.engine.devices() if d.revoked}
    assert revoked == {"kiosk-1"}
    listed = {panel.model.record(r).device_id: panel.model.record(r) for r in range(3)}
    assert listed["kiosk-1"].revoked
    assert panel.model.data(panel.model.index(0, 3)) in ("正常", "已停用")


def test_saying_no_revokes_nothing(
    qtbot: QtBot, db: Database, sqlite_central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = staffed(db, sqlite_central)
    other_device(sqlite_central, "kiosk-1", DeviceKind.KIOSK)
    page = page_for(qtbot, db, session)
    page.devices.list_button.click()
    qtbot.waitUntil(lambda: page.devices.model.rowCount() == 2, timeout=15_000)
    kiosk = next(r for r in range(2) if not page.devices.model.record(r).this_device)
    page.devices.table.selectRow(kiosk)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    page.devices.revoke_button.click()
    assert not page.devices.busy
    assert not any(d.revoked for d in sqlite_central.engine.devices())


def test_a_clerk_sees_no_hall_list_and_the_service_refuses_her(
    qtbot: QtBot, db: Database, sqlite_central: Central
) -> None:
    session = staffed(db, sqlite_central, "lina")
    page = page_for(qtbot, db, session)
    assert not page.devices.hall_box.isVisibleTo(page)
    with pytest.raises(RoleRefusedError):
        SyncService(db).devices().start_listing(session, wall_clock())
    page.devices.new_url_edit.setText("http://localhost:1")
    page.devices.on_address_change_requested()
    assert "只有值班长" in page.devices.errors.text("")


def test_the_central_moved_to_a_new_address_and_the_counter_follows(
    qtbot: QtBot, db: Database, sqlite_central: Central
) -> None:
    """Same central, another address (``localhost`` for ``127.0.0.1``): checked by
    connecting with this device's token, then kept; token and CA as they were."""
    session = staffed(db, sqlite_central)
    before = token(db)
    page = page_for(qtbot, db, session)
    moved = sqlite_central.url.replace("127.0.0.1", "localhost")
    qtbot.keyClicks(page.devices.new_url_edit, moved + "/")
    with qtbot.wait_signal(page.enrolled, timeout=15_000) as told:
        page.devices.address_button.click()
    assert told.args == [moved]
    assert SyncService(db).central() == moved
    assert token(db) == before
    assert moved in page.central_label.text() and moved in page.devices.this_pc.text()
    assert "已改为新地址" in page.devices.hall_message.text()
    assert client_for(db, sqlite_central).step().online


def test_a_new_address_where_another_central_answers_is_refused(
    qtbot: QtBot,
    db: Database,
    sqlite_central: Central,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    session = staffed(db, sqlite_central)
    page = page_for(qtbot, db, session)
    (tmp_path / "other").mkdir()
    stranger = central_for("sqlite", tmp_path / "other", request)
    stranger.start()
    try:
        page.devices.new_url_edit.setText(stranger.url)
        page.devices.on_address_change_requested()
        qtbot.waitUntil(lambda: "不认本机" in page.devices.errors.text("new_url"), timeout=15_000)
    finally:
        stranger.stop()
    assert SyncService(db).central() == sqlite_central.url
    # Nobody answering at all is said too, and nothing is kept either.
    page.devices.new_url_edit.setText("http://127.0.0.1:9")
    page.devices.on_address_change_requested()
    qtbot.waitUntil(lambda: "连不上中心" in page.devices.errors.text("new_url"), timeout=15_000)
    assert SyncService(db).central() == sqlite_central.url
    assert page.devices.address_button.isEnabled()


def test_re_enrolment_with_a_code_made_for_this_device(
    qtbot: QtBot, db: Database, sqlite_central: Central
) -> None:
    """The token was revoked (or the PC replaced): a code made for this device re-keys it;
    a plain code is refused with the reason, which says what to do."""
    session = staffed(db, sqlite_central)
    old = token(db)
    me = outbox.device_id(db)
    sqlite_central.engine.revoke(me)
    page = page_for(qtbot, db, session)
    panel = page.devices
    assert f"--device {me}" in panel.reenrol_note.text()
    assert panel.reenrol_url_edit.text() == sqlite_central.url
    panel.reenrol_code_edit.setText(sqlite_central.code())
    panel.on_reenrol_requested()
    qtbot.waitUntil(lambda: "生成专用登记码" in panel.errors.text("code"), timeout=15_000)
    panel.reenrol_code_edit.setText(sqlite_central.code(device=me))
    with qtbot.wait_signal(page.enrolled, timeout=15_000):
        panel.reenrol_button.click()
    assert token(db) != old
    assert sqlite_central.engine.device_for_token(old) is None
    assert not next(d for d in sqlite_central.engine.devices() if d.device_id == me).revoked
    assert "已重新登记" in panel.hall_message.text()
    assert client_for(db, sqlite_central).step().online
