from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.log import to_file
from counter.services.settings_service import SettingsService
from counter.store.paths import config_file
from counter.ui import safety_net
from counter.ui.application import Desk
from counter.ui.background import BackgroundLoop
from counter.ui.fonts import install_font
from counter.ui.main_window import MainWindow
from counter.ui.trust import SessionGuard


@pytest.fixture(autouse=True)
def chinese_font(qapp: QApplication) -> None:
    install_font(qapp)


def _python_threads() -> list[threading.Thread]:
    """Threads Python started: Qt's pool threads show up as dummies, which cannot be
    joined; the pool itself is waited for."""
    return [t for t in threading.enumerate() if type(t).__name__ != "_DummyThread"]


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication) -> Iterator[None]:
    """A test leaves no worker running behind it: a page that starts a thread and never
    stops it is a page that keeps a closed store busy (qutebrowser and napari fail
    their tests on it too). Workers get a moment to finish what they were asked."""
    before = set(_python_threads())
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(10_000), f"{pool.activeThreadCount()} pool workers still running"
    for thread in set(_python_threads()) - before:
        thread.join(timeout=10)
    leaked = [t.name for t in set(_python_threads()) - before if t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


@pytest.fixture
def clock(now: datetime) -> Callable[[], datetime]:
    return lambda: now


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The rotating log file as the application sets it up, in the test's folder."""
    root = logging.getLogger()
    level = root.level
    handler = to_file(tmp_path / "logs")
    yield Path(handler.baseFilename)
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)


@pytest.fixture
def error_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of each error dialog shown, instead of a modal box waiting for a click."""
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text, *rest: shown.append(text)
    )
    return shown


@pytest.fixture
def net(qapp: QApplication, log_file: Path) -> Iterator[safety_net.SafetyNet]:
    """The application's safety net, installed over pytest-qt's own hook and put back
    before pytest-qt checks for uncaught exceptions."""
    installed = safety_net.install(log_file)
    yield installed
    installed.uninstall()
    installed.deleteLater()


@pytest.fixture
def desk(
    qtbot: QtBot, db: Database, store_path: Path, clock: Callable[[], datetime]
) -> Iterator[Desk]:
    """The composition root's desk; every main window it opened is closed afterwards,
    with its background work stopped (and no question asked about a ticket)."""
    made = Desk(db, SettingsService(config_file()), str(store_path), clock)
    yield made
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and shiboken6.isValid(widget):
            for loop in widget.findChildren(BackgroundLoop):
                loop.stop()
            guard = widget.findChild(SessionGuard)
            if guard is not None:
                guard.in_hand = lambda: ""
            widget.close()
            widget.deleteLater()
    if made.sign_in_dialog is not None:
        made.sign_in_dialog.close()
