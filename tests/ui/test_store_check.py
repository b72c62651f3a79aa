"""The weekly integrity check runs off the GUI thread after start-up, and damage it
finds reaches the person as a dialog (issue 32: start-up no longer reads the store)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from counter.store import db as store_db
from counter.ui.store_check import StoreCheck


@pytest.fixture
def shown(qtbot: QtBot) -> QWidget:
    """The window a dialog about the store would be shown over."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def due() -> datetime:
    """A moment when the weekly check is due."""
    return datetime.now().astimezone() + store_db.CHECK_EVERY + timedelta(minutes=1)


def checked(qtbot: QtBot, store_path: Path, shown: QWidget, at: datetime) -> StoreCheck:
    """A check started at ``at``, once it has finished off the GUI thread."""
    check = StoreCheck(store_path, lambda: at, shown, delay_ms=0)
    check.start()
    qtbot.waitUntil(lambda: check.result is not None)
    return check


def test_the_weekly_check_runs_once_due_and_is_recorded(
    qtbot: QtBot, store_path: Path, shown: QWidget
) -> None:
    later = due()
    check = checked(qtbot, store_path, shown, later)
    assert check.result is True
    again = checked(qtbot, store_path, shown, later)
    assert again.result is False  # recorded: not due for another week


def test_damage_found_by_the_weekly_check_is_said_in_a_dialog(
    qtbot: QtBot, store_path: Path, shown: QWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr(store_db, "quick_check", lambda conn: "*** in database main ***")
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: said.append(args[2]))
    checked(qtbot, store_path, shown, due())
    assert said and "已损坏" in said[0] and "信息科" in said[0]
