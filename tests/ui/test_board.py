"""The call board: shows and announces each call, polling the shared store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.settings import Settings
from counter.services.central_queue import queue_for_reading
from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store import staff_store
from counter.ui.board import BoardWindow


class FakeVoice:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)


class BrokenVoice:
    def say(self, text: str) -> None:
        raise RuntimeError("no audio device")


@pytest.fixture
def queue(db: Database) -> LocalQueue:
    return LocalQueue(db)


def call_a_ticket(db: Database, queue: LocalQueue, now: datetime, window: str = "3") -> None:
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    queue.issue("A", now)
    queue.call_next(Session(staff, window, now), now)


def make_board(
    qtbot: QtBot, queue: LocalQueue, clock: Callable[[], datetime], voice: object
) -> BoardWindow:
    board = BoardWindow(queue, clock, hall_name="示范市政务服务中心", voice=voice)
    qtbot.addWidget(board)
    return board


def test_the_board_shows_the_call(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    board = make_board(qtbot, queue, clock, FakeVoice())
    call_a_ticket(db, queue, now)
    board.refresh()
    assert board.latest.text() == "请A001号到3号窗口办理"
    assert board.rows[0][0].text() == "A001"


def test_a_new_call_is_spoken_once(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    voice = FakeVoice()
    board = make_board(qtbot, queue, clock, voice)
    call_a_ticket(db, queue, now)
    board.refresh()
    board.refresh()
    assert voice.said == ["请A001号到3号窗口办理，请A001号到3号窗口办理"]


def test_calls_made_before_the_board_started_are_not_announced(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    call_a_ticket(db, queue, now)
    voice = FakeVoice()
    make_board(qtbot, queue, clock, voice).refresh()
    assert voice.said == []


def test_a_broken_sound_device_does_not_stop_the_board(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    board = make_board(qtbot, queue, clock, BrokenVoice())
    call_a_ticket(db, queue, now)
    board.refresh()
    assert board.announced == ["请A001号到3号窗口办理"]


def test_waiting_counts_per_category(
    qtbot: QtBot, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    queue.issue("B", now)
    board = make_board(qtbot, queue, clock, None)
    assert board.waiting["B"].text() == "B 税务\n1 人"


def test_the_board_reads_and_announces_a_call_from_a_pool_thread(
    qtbot: QtBot,
    db: Database,
    store_path: Path,
    queue: LocalQueue,
    clock: Callable[[], datetime],
    now: datetime,
) -> None:
    voice = FakeVoice()
    board = BoardWindow(queue, clock, hall_name="示范市政务服务中心", voice=voice,
                        open_reader=lambda: queue_for_reading(store_path, Settings()))  # fmt: skip
    qtbot.addWidget(board)
    call_a_ticket(db, queue, now)
    board.refresh_in_background()  # what the timer does every second
    assert board.reading.busy
    qtbot.waitUntil(lambda: board.latest.text() == "请A001号到3号窗口办理")
    assert voice.said == ["请A001号到3号窗口办理，请A001号到3号窗口办理"]
