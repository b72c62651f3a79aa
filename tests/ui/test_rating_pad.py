"""The rating pad driven as an applicant would: number keys or taps, then Enter."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.session import sign_in
from counter.ui.rating_pad import RatingPad
from tests.services.test_ratings_service import serve_ticket


def make_pad(qtbot: QtBot, db: Database, now: datetime) -> RatingPad:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    serve_ticket(db, clerk, now)
    calendar = CalendarService(db, Settings().working_hours)
    later = now + timedelta(minutes=21)
    pad = RatingPad(RatingsService(db, calendar, Settings()), lambda: later, window="3",
                    hall_name="示范市政务服务中心")  # fmt: skip
    qtbot.addWidget(pad)
    pad.resize(1280, 800)
    pad.show()
    qtbot.waitExposed(pad)
    return pad


def test_the_pad_shows_the_service_but_not_the_applicant(qtbot: QtBot, db: Database,
                                                         now: datetime) -> None:  # fmt: skip
    pad = make_pad(qtbot, db, now)
    assert pad.stack.currentIndex() == 1
    assert "A001" in pad.what.text() and "李娜" in pad.what.text()
    assert "王五" not in pad.what.text()
    assert not pad.submit.isEnabled()


def test_a_rating_by_keyboard_is_stored_once(qtbot: QtBot, db: Database, now: datetime) -> None:
    pad = make_pad(qtbot, db, now)
    qtbot.keyClick(pad, Qt.Key.Key_4)
    assert pad.submit.isEnabled()
    qtbot.mouseClick(pad.sub_groups["attitude"].button(5), Qt.MouseButton.LeftButton)
    pad.comment.setFocus()
    qtbot.keyClicks(pad.comment, "hen hao")
    with qtbot.wait_signal(pad.rated) as blocker:
        qtbot.keyClick(pad.comment, Qt.Key.Key_Return)
    assert blocker.args[0].followup is None
    row = db.execute("SELECT level, attitude, efficiency, comment, channel FROM ratings").fetchone()
    assert row == (4, 5, None, "hen hao", "评价器")
    assert pad.stack.currentIndex() == 2 and "感谢" in pad.thanks.text()
    pad.back.stop()
    pad.refresh()
    assert pad.stack.currentIndex() == 1 or pad.request is None


def test_after_rating_the_pad_returns_to_its_welcome(qtbot: QtBot, db: Database,
                                                     now: datetime) -> None:  # fmt: skip
    pad = make_pad(qtbot, db, now)
    qtbot.mouseClick(pad.level_buttons[max(pad.level_buttons)], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.submit, Qt.MouseButton.LeftButton)
    pad.back.stop()
    pad.refresh()
    assert pad.stack.currentIndex() == 0


def test_a_bad_rating_by_taps_opens_a_follow_up(qtbot: QtBot, db: Database,
                                                now: datetime) -> None:  # fmt: skip
    pad = make_pad(qtbot, db, now)
    qtbot.mouseClick(pad.level_buttons[min(pad.level_buttons)], Qt.MouseButton.LeftButton)
    with qtbot.wait_signal(pad.rated) as blocker:
        qtbot.mouseClick(pad.submit, Qt.MouseButton.LeftButton)
    assert blocker.args[0].followup is not None
    assert "联系您" in pad.thanks.text()
    assert db.execute("SELECT state FROM followups").fetchone()[0] == "待回访"
