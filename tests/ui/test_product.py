"""The product as the hall sees it: Qt's own dialogs in Chinese on any machine, the
name 综合窗口受理系统 in the titles, and its version in 关于."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTranslator
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QCalendarWidget, QDateEdit, QMessageBox
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.errors import ValidationError
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.queue_service import LocalQueue
from counter.services.ratings_service import RatingsService
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.ui.application import make_application
from counter.ui.board import BoardWindow
from counter.ui.kiosk import KioskWindow
from counter.ui.main_window import MainWindow
from counter.ui.product import PRODUCT_NAME, about_box, product_version, use_locale
from counter.ui.rating_pad import RatingPad
from counter.ui.screen_lock import LockDialog
from counter.ui.sign_in import SignInDialog

HALL = "示范市政务服务中心"


@pytest.fixture
def english_machine(qapp: QApplication) -> Iterator[QApplication]:
    """A machine whose locale is English; the locale and Qt's translators put back after."""
    before = QLocale()
    translators = set(qapp.findChildren(QTranslator))
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield qapp
    for translator in set(qapp.findChildren(QTranslator)) - translators:
        qapp.removeTranslator(translator)
        translator.deleteLater()
    QLocale.setDefault(before)


def test_the_application_speaks_chinese_on_an_english_machine(
    english_machine: QApplication, qtbot: QtBot
) -> None:
    make_application()
    assert QLocale().name() == "zh_CN"
    calendar = QCalendarWidget()
    qtbot.addWidget(calendar)
    calendar.setSelectedDate(QDate(2026, 12, 1))
    assert calendar.locale().standaloneMonthName(12) == "十二月"
    assert calendar.locale().dayName(1, QLocale.FormatType.ShortFormat) == "周一"
    edit = QDateEdit(QDate(2026, 12, 1))
    qtbot.addWidget(edit)
    edit.setCalendarPopup(True)
    assert edit.calendarWidget().locale().standaloneMonthName(12) == "十二月"
    # Qt's own file dialog, from Qt's translations (PySide6 ships qtbase_zh_CN.qm).
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    assert QCoreApplication.translate("QFileDialog", "Files of type:") == "文件类型："


def test_the_ui_locale_setting_may_choose_another_language(
    english_machine: QApplication,
) -> None:
    installed = use_locale(english_machine, "zh_TW")
    assert installed and QLocale().name() == "zh_TW"
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "尋找於："
    assert Settings()["ui_locale"] == "zh_CN"
    assert Settings({"ui_locale": "en_US"})["ui_locale"] == "en_US"
    with pytest.raises(ValidationError, match="系统对话框语言"):
        Settings({"ui_locale": "klingon"})


def test_every_window_title_carries_the_product_name(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path, clock: Callable[[], datetime]
) -> None:
    supervisor = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    settings = Settings()
    ratings = RatingsService(db, CalendarService(db, settings.working_hours), settings)
    queue = LocalQueue(db)
    main = MainWindow(
        supervisor,
        [],
        settings=SettingsService(tmp_path / "s.toml"),
        store_path="x",
        hall_name=HALL,
    )
    windows = [
        main,
        KioskWindow(queue, clock, hall_name=HALL, priority_reasons=()),
        BoardWindow(queue, clock, hall_name=HALL),
        RatingPad(ratings, clock, window="1", hall_name=HALL),
        SignInDialog(db, clock, hall_name=HALL),
        LockDialog(db, supervisor, clock, main),
    ]
    for window in windows:
        if window.parent() is None:
            qtbot.addWidget(window)
    assert main.windowTitle() == f"{HALL} — {PRODUCT_NAME}"
    for window in windows:
        assert window.windowTitle().endswith(f" — {PRODUCT_NAME}"), window.windowTitle()
        assert "Counter" not in window.windowTitle()


def test_about_shows_the_product_and_its_version(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert product_version() == version("counter")
    box = about_box()
    qtbot.addWidget(box)
    assert PRODUCT_NAME in box.text() and f"版本 {version('counter')}" in box.text()
    assert box.windowTitle() == f"关于 {PRODUCT_NAME}"

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    window = MainWindow(
        sign_in(db, "lina", DEMO_PASSWORD, "1", now),
        [],
        settings=SettingsService(tmp_path / "s.toml"),
        store_path="x",
        hall_name=HALL,
    )
    qtbot.addWidget(window)
    action = window.findChild(QAction, "aboutAction")
    assert isinstance(action, QAction) and action.text() == "关于…"
    action.trigger()  # 帮助 → 关于…
    assert len(shown) == 1 and version("counter") in shown[0]
