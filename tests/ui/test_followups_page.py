"""The follow-ups page: the supervisor's list with lights, steps with notes, registering."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.ratings import Channel, Level, Scores
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.session import sign_in
from counter.ui.followups_page import FollowUpsPage
from tests.services.test_ratings_service import serve_ticket


def ratings_for(db: Database) -> RatingsService:
    return RatingsService(db, CalendarService(db, Settings().working_hours), Settings())


def bad_review(db: Database, now: datetime) -> None:
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    serve_ticket(db, clerk, now)
    ratings = ratings_for(db)
    found = ratings.next_for_window("3", now + timedelta(minutes=21))
    assert found is not None
    ratings.rate(found.id, Scores(Level.DISSATISFIED, comment="太慢"), Channel.PAD,
                 now + timedelta(minutes=21))  # fmt: skip


def make_page(qtbot: QtBot, db: Database, now: datetime, login: str) -> FollowUpsPage:
    session = sign_in(db, login, DEMO_PASSWORD, "1", now)
    page = FollowUpsPage(ratings_for(db), session, lambda: now + timedelta(hours=1))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_supervisor_sees_the_bad_review_with_its_light(qtbot: QtBot, db: Database,
                                                           now: datetime) -> None:  # fmt: skip
    bad_review(db, now)
    page = make_page(qtbot, db, now, "zhangwei")
    model = page.table.model()
    assert model.rowCount() == 1
    assert model.index(0, 1).data() == "差评整改" and model.index(0, 2).data() == "待回访"
    assert model.index(0, 0).data().startswith("●")
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_a_step_without_a_note_is_refused_at_the_note(qtbot: QtBot, db: Database,
                                                      now: datetime) -> None:  # fmt: skip
    bad_review(db, now)
    page = make_page(qtbot, db, now, "zhangwei")
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    assert "办理情况说明" in page.step_errors.text("note")
    assert page.table.model().index(0, 2).data() == "待回访"


def test_a_call_back_is_recorded_with_its_note(qtbot: QtBot, db: Database, now: datetime) -> None:
    bad_review(db, now)
    page = make_page(qtbot, db, now, "zhangwei")
    assert page.step.currentText() == "已回访"
    page.note.setFocus()
    qtbot.keyClicks(page.note, "dianhua huifang")
    qtbot.keyClick(page.note, Qt.Key.Key_Return)
    assert page.table.model().index(0, 2).data() == "整改中"
    assert "dianhua huifang" in page.history.text()


def test_a_clerk_registers_a_matter_that_could_not_be_done(qtbot: QtBot, db: Database,
                                                           now: datetime) -> None:  # fmt: skip
    bad_review(db, now)
    page = make_page(qtbot, db, now, "lina")
    assert page.filter.findText("差评整改") == -1
    assert page.table.model().rowCount() == 0
    page.who.setText("示范科技有限公司")
    page.matter.setText("跨部门联办")
    qtbot.mouseClick(page.register_button, Qt.MouseButton.LeftButton)
    assert "原因" in page.register_errors.text("why")
    page.why.setText("需两个部门会商")
    page.cases.setText("C-1, C-2")
    qtbot.mouseClick(page.register_button, Qt.MouseButton.LeftButton)
    model = page.table.model()
    assert model.rowCount() == 1
    assert model.index(0, 1).data() == "办不成事" and model.index(0, 10).data() == "C-1、C-2"
