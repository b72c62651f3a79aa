"""The supervisor enters a hotline or QR rating against the case number, by keyboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.ratings import Channel, Level
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.ratings_service import RatingsService
from counter.services.session import sign_in
from counter.ui.rating_entry import RatingEntryDialog
from tests.services.test_ratings_service import hand_over_case


def make_dialog(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> RatingEntryDialog:
    settings = Settings()
    ratings = RatingsService(db, CalendarService(db, settings.working_hours), settings)
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", clock())
    dialog = RatingEntryDialog(ratings, session, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def choose(combo, value: object) -> None:  # type: ignore[no-untyped-def]
    index = combo.findData(value.value if hasattr(value, "value") else value)
    assert index >= 0
    combo.setCurrentIndex(index)


def test_a_hotline_complaint_is_saved_and_opens_a_follow_up(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    number = hand_over_case(db, sign_in(db, "lina", DEMO_PASSWORD, "3", clock()), clock())
    dialog = make_dialog(qtbot, db, clock)
    qtbot.keyClicks(dialog.case_number, number)
    choose(dialog.channel, Channel.HOTLINE)
    choose(dialog.level, Level.DISSATISFIED)
    choose(dialog.attitude, Level.DISSATISFIED)
    qtbot.keyClick(dialog.comment, Qt.Key.Key_Return)
    assert dialog.outcome is not None, dialog.errors.general.text()
    assert dialog.outcome.rating.channel is Channel.HOTLINE
    assert dialog.outcome.followup is not None


def test_web_and_app_ratings_cannot_carry_sub_ratings_but_the_receipts_qr_can(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    choose(dialog.channel, Channel.WEB)
    assert not dialog.attitude.isEnabled()
    choose(dialog.channel, Channel.QR)
    assert dialog.attitude.isEnabled()


def test_an_unknown_case_number_is_refused_at_its_field(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    qtbot.keyClicks(dialog.case_number, "NO-SUCH-1")
    dialog.on_save()
    assert "没有编号为 NO-SUCH-1" in dialog.errors.text("case_number")
    assert dialog.outcome is None
