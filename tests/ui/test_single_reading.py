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


def test_a_reading_asked_for_after_the_current_one_runs_once_it_has_reported(
    qtbot: QtBot,
) -> None:
    owner = QObject()
    reading = SingleReading("test reading", owner)
    release = threading.Event()
    got: list[object] = []
    reading.start(lambda: release.wait(5) and "before the action", got.append)
    reading.start(lambda: "superseded", got.append, after_current=True)
    reading.start(lambda: "after the action", got.append, after_current=True)
    release.set()
    qtbot.waitUntil(lambda: len(got) == 2 and not reading.busy)
    assert got == ["before the action", "after the action"]


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
