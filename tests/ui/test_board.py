"""The call board: shows and announces each call, polling the shared store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.settings import Settings
from counter.services.central_queue import queue_for_reading
from counter.services.queue_service import LocalQueue
from counter.services.session import Session
from counter.store import staff_store
from counter.ui.board import BoardWindow, choose_screen, screens_primary_first


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
    qtbot: QtBot, queue: LocalQueue, clock: Callable[[], datetime], voice: object, recent: int = 6
) -> BoardWindow:
    board = BoardWindow(queue, clock, hall_name="示范市政务服务中心", voice=voice, recent=recent)
    qtbot.addWidget(board)
    return board


def listed(board: BoardWindow) -> list[tuple[str, str]]:
    """(number, window) of each row of earlier calls that shows one, top to bottom."""
    return [(cells[0].text(), cells[1].text()) for cells in board.rows if cells[0].text()]


class Screen:
    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


def test_the_board_shows_the_call(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    board = make_board(qtbot, queue, clock, FakeVoice())
    call_a_ticket(db, queue, now)
    board.refresh()
    assert board.latest.text() == "请A001号到3号窗口办理"
    assert listed(board) == []  # the latest shows large, not again in the list


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


def test_earlier_calls_are_listed_newest_first_with_their_window_and_n_is_kept(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    """A window's next call does not hide its previous one: the person who looked away
    while A001 was called at window 3 still finds it once window 3 has moved on."""
    board = make_board(qtbot, queue, clock, FakeVoice(), recent=4)
    assert len(board.rows) == 3  # the latest large, three before it
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    for _ in range(5):
        queue.issue("A", now)
    for window in ("3", "2", "3", "2", "3"):
        session = Session(staff, window, now)
        ticket = queue.call_next(session, now)
        board.refresh()  # the board polls between the calls
        queue.skip(session, ticket.id, now)  # window free for its next call
    assert board.latest.text() == "请A005号到3号窗口办理"
    assert listed(board) == [("A004", "2 号窗口"), ("A003", "3 号窗口"), ("A002", "2 号窗口")]
    assert [c.number for c in board.history] == ["A005", "A004", "A003", "A002"]


def test_a_recall_moves_up_instead_of_showing_twice(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    board = make_board(qtbot, queue, clock, None)
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    queue.issue("A", now)
    queue.issue("A", now)
    first = queue.call_next(Session(staff, "3", now), now)
    board.refresh()
    queue.skip(Session(staff, "3", now), first.id, now)
    second = queue.call_next(Session(staff, "3", now), now)
    board.refresh()
    queue.skip(Session(staff, "3", now), second.id, now)
    queue.requeue(first.number, now)
    queue.call_specific(Session(staff, "1", now), first.number, now)
    board.refresh()
    assert board.latest.text() == "请A001号到1号窗口办理"
    assert listed(board) == [("A002", "3 号窗口")]


def test_calls_of_an_earlier_day_leave_the_list(
    qtbot: QtBot, db: Database, queue: LocalQueue, now: datetime
) -> None:
    today = [now]
    board = make_board(qtbot, queue, lambda: today[0], None)
    call_a_ticket(db, queue, now)
    board.refresh()
    today[0] = now + timedelta(days=1)
    board.refresh()
    assert board.latest.text() == "请留意叫号" and board.history == []


def test_the_board_screen_setting_picks_the_screen_by_number_or_name() -> None:
    screens = [Screen("eDP-1"), Screen("HDMI-1"), Screen("DP-2")]
    assert choose_screen(screens, "0") is screens[0]
    assert choose_screen(screens, "1") is screens[1]
    assert choose_screen(screens, "2") is screens[2]
    assert choose_screen(screens, "DP-2") is screens[2]


def test_a_missing_screen_falls_back_to_the_primary_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    screens = [Screen("eDP-1"), Screen("HDMI-1")]
    with caplog.at_level(logging.WARNING, logger="counter.ui.board"):
        assert choose_screen(screens, "2") is screens[0]
        assert choose_screen(screens, "HDMI-9") is screens[0]
    assert len(caplog.records) == 2
    assert "board_screen = 2" in caplog.records[0].getMessage()
    assert "1: HDMI-1" in caplog.records[1].getMessage()  # the screens there are


def test_the_default_second_screen_falls_back_on_a_one_screen_machine(
    qtbot: QtBot,
    queue: LocalQueue,
    clock: Callable[[], datetime],
    caplog: pytest.LogCaptureFixture,
) -> None:
    screens = screens_primary_first()
    assert screens[0] is QGuiApplication.primaryScreen()
    assert len(screens) == len(QGuiApplication.screens())
    wanted = Settings()["board_screen"]
    assert wanted == "1"  # the --board help's 第二块屏幕
    with caplog.at_level(logging.WARNING, logger="counter.ui.board"):
        screen = choose_screen(screens, wanted)
    assert screen is (screens[1] if len(screens) > 1 else screens[0])
    assert bool(caplog.records) == (len(screens) == 1)
    board = make_board(qtbot, queue, clock, None)
    board.show_full_screen_on(screen)
    assert board.screen() is screen and board.isFullScreen()


def test_a_board_restarted_during_the_day_still_lists_the_earlier_calls(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    """The list comes from the day's record of calls, not the board's memory: switched
    off and on at noon, it still shows A002 called at window 2 before A003 at window 3."""
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    for _ in range(4):
        queue.issue("A", now)
    for window in ("3", "2", "3", "2"):
        session = Session(staff, window, now)
        ticket = queue.call_next(session, now)
        queue.skip(session, ticket.id, now)
    board = make_board(qtbot, queue, clock, FakeVoice(), recent=4)  # started after them
    assert board.latest.text() == "请A004号到2号窗口办理"
    assert listed(board) == [("A003", "3 号窗口"), ("A002", "2 号窗口"), ("A001", "3 号窗口")]


def test_a_board_painted_before_its_queue_shows_its_frame_then_the_calls(
    qtbot: QtBot, db: Database, queue: LocalQueue, clock: Callable[[], datetime], now: datetime
) -> None:
    """The board paints while the store opens (issue 28): the hall's name, 请稍候… and
    no counts, reading nothing; given its queue, it shows the calls made before without
    announcing them, and the waiting counts."""
    voice = FakeVoice()
    board = BoardWindow(None, clock, hall_name="示范市政务服务中心", voice=voice)
    qtbot.addWidget(board)
    board.show()
    qtbot.waitExposed(board)
    board.refresh()
    board.refresh_in_background()
    assert board.latest.text() == "请稍候…" and board.waiting == {}
    call_a_ticket(db, queue, now)
    board.use_queue(queue)
    assert board.latest.text() == "请A001号到3号窗口办理" and voice.said == []
    assert "0 人" in board.waiting["A"].text()
