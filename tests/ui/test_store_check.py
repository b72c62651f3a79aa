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


def test_the_weekly_check_runs_once_due_and_is_recorded(qtbot: QtBot, store_path: Path) -> None:
    shown = QWidget()
    qtbot.addWidget(shown)
    later = datetime.now().astimezone() + store_db.CHECK_EVERY + timedelta(minutes=1)
    check = StoreCheck(store_path, lambda: later, shown, delay_ms=0)
    check.start()
    qtbot.waitUntil(lambda: check.result is not None)
    assert check.result is True
    again = StoreCheck(store_path, lambda: later, shown, delay_ms=0)
    again.start()
    qtbot.waitUntil(lambda: again.result is not None)
    assert again.result is False  # recorded: not due for another week


def test_damage_found_by_the_weekly_check_is_said_in_a_dialog(
    qtbot: QtBot, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr(store_db, "quick_check", lambda conn: "*** in database main ***")
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: said.append(args[2]))
    shown = QWidget()
    qtbot.addWidget(shown)
    later = datetime.now().astimezone() + store_db.CHECK_EVERY + timedelta(minutes=1)
    check = StoreCheck(store_path, lambda: later, shown, delay_ms=0)
    check.start()
    qtbot.waitUntil(lambda: check.result is not None)
    assert said and "已损坏" in said[0] and "信息科" in said[0]
