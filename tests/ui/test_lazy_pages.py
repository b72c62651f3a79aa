"""The main window paints before it builds its other pages (issue 28): the landing page
is built at once, each other page the first time it is shown, and wired up then; the
sync agent and the print spool start just after the first paint."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.queue_service import LocalQueue
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.store.paths import config_file
from counter.ui.application import build_main_window
from counter.ui.intake_page import IntakePage
from counter.ui.main_window import MainWindow
from counter.ui.print_spool import PrintSpool
from counter.ui.queue_panel import QueuePanel
from counter.ui.sync_page import SyncPage
from counter.ui.trust import SessionGuard


def open_window(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime, login: str
) -> MainWindow:
    session = sign_in(db, login, DEMO_PASSWORD, "3", now)
    window = build_main_window(
        db, session, SettingsService(config_file()), str(store_path), lambda: now
    )
    qtbot.addWidget(window)
    return window


def test_only_the_landing_page_is_built_and_background_work_waits_for_the_paint(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime
) -> None:
    window = open_window(qtbot, db, store_path, now, "zhangwei")
    assert window.sync_agent is not None
    assert isinstance(window.pages.built(0), QueuePanel)
    assert all(window.pages.built(n) is None for n in range(1, len(window.pages)))
    assert window.sidebar.count() == len(window.pages) == 12
    assert not window.sync_agent.timer.isActive() and not window.findChildren(PrintSpool)
    window.show()
    qtbot.waitUntil(lambda: window.sync_agent is not None and window.sync_agent.timer.isActive())
    assert window.has_painted and len(window.findChildren(PrintSpool)) == 1
    # The sidebar's titles are the pages' own, once they are built.
    for n, page in enumerate(window.pages):
        assert window.sidebar.item(n).text() == page.title  # type: ignore[attr-defined]
    window.sync_agent.stop()
    for spool in window.findChildren(PrintSpool):
        spool.stop()


def test_a_page_built_later_is_wired_as_one_built_at_once(
    qtbot: QtBot, db: Database, store_path: Path, now: datetime
) -> None:
    LocalQueue(db).issue("A", now)
    window = open_window(qtbot, db, store_path, now, "zhangwei")
    window.show()
    qtbot.waitUntil(lambda: window.sync_state is not None)  # the agent's first report
    panel = window.pages[0]
    assert isinstance(panel, QueuePanel)
    panel.services.setFocus()
    qtbot.keyClick(panel.services, Qt.Key.Key_F1)  # A001 called before 受理 is built
    assert panel.current is not None
    intake_row = window.pages.row("intake")
    assert intake_row is not None and window.pages.built(intake_row) is None
    qtbot.keyClick(
        QApplication.focusWidget() or window,
        Qt.Key(Qt.Key.Key_1 + intake_row),
        Qt.KeyboardModifier.ControlModifier,
    )
    intake = window.pages.built(intake_row)
    assert isinstance(intake, IntakePage)
    assert intake.ticket_id == panel.current.id and "A001" in intake.serving.text()
    sync_row = window.pages.row("sync")
    assert sync_row is not None
    window.show_page(sync_row)
    sync = window.pages[sync_row]
    assert isinstance(sync, SyncPage)
    assert window.sync_state is not None
    assert sync.state.text() == window.sync_state[0]  # what the agent said before it
    assert window.sync_agent is not None
    sync.state.clear()
    with qtbot.wait_signal(window.sync_agent.state_changed):
        window.sync_agent.kick()
    assert sync.state.text() == window.sync_state[0]  # and what it says from now on
    guard = window.findChild(SessionGuard)
    assert guard is not None
    guard.in_hand = lambda: ""  # closed at the end without asking about A001
    window.sync_agent.stop()
    for spool in window.findChildren(PrintSpool):
        spool.stop()
