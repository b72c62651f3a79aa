"""The guide desk's line on a supervisor's own main window (issue 28): a missed slip
at any kiosk in the hall, pulled into this store, shows on her status bar once the
window's background work has started; a clerk's window has no such line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.print_job import MissedTicket
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.store import print_store
from counter.store.db import immediate
from counter.ui.application import Desk, demo_session
from counter.ui.main_window import MainWindow


def missed_at_the_east_kiosk(db: Database, now: datetime) -> None:
    with immediate(db):
        print_store.record_missed(db, MissedTicket("job-9", "A017", "东门取号机", "缺纸", now), now)


def opened(qtbot: QtBot, desk: Desk, window: MainWindow) -> MainWindow:
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_a_supervisors_status_bar_names_the_missed_slip(
    qtbot: QtBot, desk: Desk, db: Database, clock: Callable[[], datetime]
) -> None:
    missed_at_the_east_kiosk(db, clock())
    window = opened(qtbot, desk, desk.open(demo_session(db, "1", clock())))

    def line() -> QLabel | None:
        return window.findChild(QLabel, "statusMissedTickets")

    qtbot.waitUntil(lambda: (label := line()) is not None and label.isVisible(), timeout=10_000)
    label = line()
    assert label is not None and "东门取号机 A017" in label.text() and "导办台" in label.text()


def test_a_clerks_window_has_no_guide_desk_line(
    qtbot: QtBot, desk: Desk, db: Database, clock: Callable[[], datetime]
) -> None:
    missed_at_the_east_kiosk(db, clock())
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", clock())
    window = opened(qtbot, desk, desk.open(clerk))
    qtbot.waitUntil(lambda: window.sync_agent is not None and window.sync_agent.timer.isActive())
    assert window.findChild(QLabel, "statusMissedTickets") is None
