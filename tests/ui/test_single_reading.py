"""A polling screen's reading on the pool: one at a time, and a failure costs one tick."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from counter.ui.background import SingleReading


def test_a_tick_while_a_reading_runs_is_skipped(qtbot: QtBot) -> None:
    owner = QObject()
    reading = SingleReading("test reading", owner)
    release = threading.Event()
    got: list[object] = []
    reading.start(lambda: release.wait(5) and "first", got.append)
    reading.start(lambda: "second", got.append)
    release.set()
    qtbot.waitUntil(lambda: not reading.busy)
    assert got == ["first"]


def test_a_failed_reading_is_logged_and_reports_nothing(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    owner = QObject()
    reading = SingleReading("test reading", owner)
    got: list[object] = []

    def broken() -> object:
        raise OSError("disk gone")

    reading.start(broken, got.append)
    qtbot.waitUntil(lambda: not reading.busy)
    assert got == [None]
    assert "test reading failed" in caplog.text
