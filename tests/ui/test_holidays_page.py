from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.workdays import WorkingHours
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.session import sign_in
from counter.ui.holidays_page import HolidaysPage


def make_page(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], login: str = "zhangwei"
) -> HolidaysPage:
    session = sign_in(db, login, DEMO_PASSWORD, "1", clock())
    page = HolidaysPage(CalendarService(db, WorkingHours()), session, clock)
    qtbot.addWidget(page)
    page.show()
    return page


def test_in_november_the_page_opens_on_next_year_and_says_it_is_missing(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    assert page.year.value() == 2027
    assert "尚未录入" in page.state.text()


def test_importing_a_file_fills_the_year(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    page.import_text(
        "2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n2027-10-01,holiday,国庆节\n"
    )
    assert page.model.rowCount() == 3
    assert "已录入" in page.state.text()
    assert page.confirm_button.isHidden()


def test_a_partial_file_leaves_the_year_unconfirmed_until_the_supervisor_says_so(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    page.import_text("2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n")
    assert "尚未确认全年" in page.message.text()
    assert "部分日期" in page.state.text()
    assert not page.calendar.year_known(2027)
    page.confirm_button.click()
    assert page.calendar.year_known(2027)
    assert "已录入" in page.state.text()


def test_a_bad_file_is_reported_and_nothing_changes(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    page.import_text("2027-01-01,holiday,元旦\n2027-02-30,holiday,错\n")
    assert "第 2 行" in page.message.text()
    assert page.model.rowCount() == 0


def test_a_single_day_is_set_with_the_keyboard(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    page.day.setDate(QDate(2026, 12, 31))
    page.name.setFocus()
    qtbot.keyClicks(page.name, "maintenance")
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    assert page.year.value() == 2026
    assert not page.calendar.calendar.is_workday(date(2026, 12, 31))


def test_a_clerk_is_refused_by_the_service_even_if_shown_the_page(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock, login="lina")
    page.import_text("2027-01-01,holiday,元旦\n")
    assert "值班长" in page.message.text()
