"""A supervisor enrols a counter from the sync page, against a real central process."""

from __future__ import annotations

import socket

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from sqlite_utils import Database
from sync_support import Central, decide_case, wall_clock

from counter.model.devices import DeviceKind
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.sync_service import SyncService
from counter.ui.sync_page import SyncPage


def page_for(qtbot: QtBot, db: Database, login: str) -> SyncPage:
    session = sign_in(db, login, DEMO_PASSWORD, "5", wall_clock())
    page = SyncPage(SyncService(db), session, wall_clock)
    qtbot.addWidget(page)
    page.show()
    return page


def test_supervisor_enrols_with_the_code_and_the_page_says_where(
    qtbot: QtBot, db: Database, sqlite_central: Central
) -> None:
    page = page_for(qtbot, db, "zhangwei")
    qtbot.keyClicks(page.url_edit, sqlite_central.url)
    qtbot.keyClicks(page.code_edit, sqlite_central.code().lower())
    with qtbot.wait_signal(page.enrolled):
        page.on_enrol_requested()
    assert SyncService(db).central() == sqlite_central.url
    assert sqlite_central.url in page.central_label.text()
    assert not page.code_edit.isVisibleTo(page)


def test_a_counter_that_ran_alone_is_told_where_its_casework_went(
    qtbot: QtBot, db: Database, sqlite_central: Central
) -> None:
    """Its cases taken in before there was a central go up as imports when the code
    allows it; the page says how many, and the window stays usable meanwhile."""
    decide_case(db, "5", wall_clock())
    page = page_for(qtbot, db, "zhangwei")
    code = sqlite_central.engine.create_enrol_code(
        int(wall_clock().timestamp() * 1000), DeviceKind.WINDOW, "5", None, history=True
    )
    page.url_edit.setText(sqlite_central.url)
    page.code_edit.setText(code)
    with qtbot.wait_signal(page.enrolled):
        page.on_enrol_requested()
    assert "条记录（办件、材料、叫号、打印和审计日志）已排队上传中心" in page.enrol_status.text()
    assert page.enrol_status.isVisibleTo(page)
    imports = db.execute("SELECT count(*) FROM outbox WHERE kind = 'import'").fetchone()[0]
    assert f"{imports:,} 条" in page.enrol_status.text()
    assert db.execute(
        "SELECT count(*) FROM outbox WHERE kind = 'import' AND table_name = 'cases'"
    ).fetchone() == (1,)


def test_a_used_code_is_refused_at_the_code_field(
    qtbot: QtBot, db: Database, sqlite_central: Central
) -> None:
    page = page_for(qtbot, db, "zhangwei")
    page.url_edit.setText(sqlite_central.url)
    page.code_edit.setText("ABCDEFGHJK")
    page.on_enrol_requested()
    qtbot.waitUntil(lambda: "中心不接受此登记码" in page.enrol_errors.text("code"))
    assert SyncService(db).central() == ""
    assert page.enrol_button.isEnabled() and not page.enrol_status.text()


def test_an_unreachable_central_is_reported_at_the_address(qtbot: QtBot, db: Database) -> None:
    page = page_for(qtbot, db, "zhangwei")
    page.url_edit.setText("http://127.0.0.1:9")
    page.code_edit.setText("ABCDEFGHJK")
    page.on_enrol_requested()
    qtbot.waitUntil(lambda: "连不上中心" in page.enrol_errors.text("central_url"))


def test_the_window_stays_alive_while_the_central_is_asked(qtbot: QtBot, db: Database) -> None:
    """A central that accepts the connection but never answers: the page says it is
    waiting, the button cannot send a second request, and the event loop keeps running."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        page = page_for(qtbot, db, "zhangwei")
        page.url_edit.setText(f"http://127.0.0.1:{silent.getsockname()[1]}")
        page.code_edit.setText("ABCDEFGHJK")
        page.on_enrol_requested()
        assert "正在连接中心" in page.enrol_status.text()
        assert not page.enrol_button.isEnabled()
        ticks = []
        QTimer.singleShot(50, lambda: ticks.append(1))
        qtbot.waitUntil(lambda: ticks == [1], timeout=2000)
        assert page._asking is not None


def test_a_malformed_address_is_refused_before_any_call(qtbot: QtBot, db: Database) -> None:
    page = page_for(qtbot, db, "zhangwei")
    page.url_edit.setText("10.0.0.5:8600")
    page.code_edit.setText("ABCDEFGHJK")
    page.on_enrol_requested()
    assert "地址应形如" in page.enrol_errors.text("central_url")


def test_a_clerk_cannot_enrol_the_counter(
    qtbot: QtBot, db: Database, sqlite_central: Central
) -> None:
    page = page_for(qtbot, db, "lina")
    page.url_edit.setText(sqlite_central.url)
    page.code_edit.setText(sqlite_central.code())
    page.on_enrol_requested()
    assert "只有值班长" in page.enrol_errors.general.text()
    assert SyncService(db).central() == ""
