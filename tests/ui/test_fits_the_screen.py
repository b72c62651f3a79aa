"""Every window and dialog fits the small screens halls have: a 1366×768 laptop at 100 %
and a 1920×1080 screen at 150 % (1280×720 logical pixels), each with a 40-pixel
taskbar. The whole frame (title bar allowed for), every button and the status bar lie
on the screen; content that needs more room scrolls inside.

The offscreen platform's one screen cannot be resized from inside a test session, so a
window is sized as it would open on the given screen: by its own sizing code where it
has one (``fit_to_screen(area)``), else as Qt opens a window (its size, or its size hint
up to two thirds of the screen), and a station full screen. Shown without being put
on the screen (WA_DontShowOnScreen), its layout then grows it to the least it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QMainWindow,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.cases import Action
from counter.model.queue import TicketState
from counter.model.settings import Settings
from counter.services.calendar_service import CalendarService
from counter.services.queue_service import LocalQueue
from counter.services.ratings_service import RatingsService
from counter.services.settings_service import SettingsService
from counter.services.staff_service import StaffService
from counter.ui.application import build_main_window
from counter.ui.board import BoardWindow
from counter.ui.case_action_dialog import CaseActionDialog
from counter.ui.drafts_dialog import DraftsDialog
from counter.ui.kiosk import KioskWindow
from counter.ui.main_window import MainWindow
from counter.ui.override_dialog import OverrideDialog
from counter.ui.product import about_box
from counter.ui.rating_entry import RatingEntryDialog
from counter.ui.rating_pad import RatingPad
from counter.ui.real_accounts import RealAccountsDialog
from counter.ui.screen_fit import FRAME, room
from counter.ui.screen_lock import LockDialog
from counter.ui.settings_dialog import SettingsDialog
from counter.ui.sign_in import SignInDialog
from tests.demo_day import Morning, a_morning, services

HALL = "示范市政务服务中心"
TASKBAR = 40


@dataclass(frozen=True)
class Screen:
    name: str
    size: QSize

    @property
    def whole(self) -> QRect:
        return QRect(QPoint(0, 0), self.size)

    @property
    def available(self) -> QRect:
        return self.whole.adjusted(0, 0, 0, -TASKBAR)


SCREENS = [
    pytest.param(Screen("1366×768", QSize(1366, 768)), id="1366x768"),
    pytest.param(Screen("1920×1080 at 150 %", QSize(1280, 720)), id="1280x720"),
]


@dataclass
class Hall:
    db: Database
    now: datetime
    morning: Morning
    tmp_path: Path
    qtbot: QtBot
    kept: list[QWidget] = field(default_factory=list)  # parents a dialog needs alive

    def clock(self) -> datetime:
        return self.now


@pytest.fixture
def hall(db: Database, now: datetime, tmp_path: Path, qtbot: QtBot) -> Hall:
    return Hall(db, now, a_morning(db, now), tmp_path, qtbot)


# --- the windows, each with the content a clerk would see in it ----------------------


def settings_dialog(hall: Hall) -> QWidget:
    return SettingsDialog(SettingsService(hall.tmp_path / "s.toml"), hall.morning.supervisor)


def sign_in_dialog(hall: Hall) -> QWidget:
    dialog = SignInDialog(hall.db, hall.clock, hall_name=HALL, window="1")
    dialog.login.setText("lina")
    dialog.password.setText("wrong password")
    dialog.on_submit()
    hall.qtbot.waitUntil(lambda: not dialog.checking)  # the refusal shown at the password
    return dialog


def override_dialog(hall: Hall) -> QWidget:
    intake, _ = services(hall.db)
    return OverrideDialog(intake, hall.morning.clerk, hall.morning.warnings)


def deliver_dialog(hall: Hall) -> QWidget:
    case = hall.morning.accepted.case
    return CaseActionDialog(Action.DELIVER, f"{case.number} {case.title}")


def supplement_arrived_dialog(hall: Hall) -> QWidget:
    _, cases = services(hall.db)
    case = hall.morning.supplement.case
    detail = cases.detail(case.id, hall.now)
    return CaseActionDialog(
        Action.SUPPLEMENT_ARRIVED, f"{case.number} {case.title}", materials=detail.materials
    )


def drafts_dialog(hall: Hall) -> QWidget:
    return DraftsDialog(hall.morning.drafts)


def real_accounts_dialog(hall: Hall) -> QWidget:
    return RealAccountsDialog(StaffService(hall.db), hall.morning.supervisor, hall.clock)


def lock_dialog(hall: Hall) -> QWidget:
    behind = QMainWindow()
    hall.kept.append(behind)  # it owns the dialog: kept, and closed after the test
    hall.qtbot.addWidget(behind)
    return LockDialog(hall.db, hall.morning.clerk, hall.clock, behind)


def rating_entry_dialog(hall: Hall) -> QWidget:
    settings = Settings()
    ratings = RatingsService(hall.db, CalendarService(hall.db, settings.working_hours), settings)
    return RatingEntryDialog(ratings, hall.morning.supervisor, hall.clock)


def about(hall: Hall) -> QWidget:
    return about_box()


DIALOGS: dict[str, Callable[[Hall], QWidget]] = {
    "settings": settings_dialog,
    "sign-in": sign_in_dialog,
    "supervisor override": override_dialog,
    "deliver a case": deliver_dialog,
    "supplement arrived": supplement_arrived_dialog,
    "drafts": drafts_dialog,
    "real accounts": real_accounts_dialog,
    "screen lock": lock_dialog,
    "rating entry": rating_entry_dialog,
    "about": about,
}


def kiosk(hall: Hall) -> QWidget:
    queue = LocalQueue(hall.db)
    window = KioskWindow(
        queue, hall.clock, hall_name=HALL, priority_reasons=queue.rules.priority_reasons
    )
    window.on_issue("A")  # the ticket just issued is on screen
    return window


def kiosk_asking_for_an_id(hall: Hall) -> QWidget:
    queue = LocalQueue(hall.db)
    window = KioskWindow(
        queue, hall.clock, hall_name=HALL, priority_reasons=queue.rules.priority_reasons
    )
    window.ask_for_id("B", "身份证号码“1101”不完整：应为 18 位")
    return window


def board(hall: Hall) -> QWidget:
    return BoardWindow(LocalQueue(hall.db), hall.clock, hall_name=HALL)


def rating_pad(hall: Hall) -> QWidget:
    """Window 1's service just finished, offered for rating."""
    queue = LocalQueue(hall.db)
    for ticket in queue.at_window("1", hall.now):
        if ticket.state is TicketState.SERVING:
            queue.finish(hall.morning.supervisor, ticket.id, ["设立登记"], hall.now)
    settings = Settings()
    ratings = RatingsService(hall.db, CalendarService(hall.db, settings.working_hours), settings)
    later = hall.now + timedelta(minutes=1)
    return RatingPad(ratings, lambda: later, window="1", hall_name=HALL)


STATIONS: dict[str, Callable[[Hall], QWidget]] = {
    "kiosk": kiosk,
    "kiosk asking for an ID": kiosk_asking_for_an_id,
    "call board": board,
    "rating pad": rating_pad,
}


# --- opening and checking ------------------------------------------------------------


def open_on(window: QWidget, screen: Screen, *, full_screen: bool = False) -> None:
    """Size and place ``window`` as it opens on ``screen``, and lay it out."""
    area = screen.available
    if full_screen:
        window.setGeometry(screen.whole)
    elif callable(fit := getattr(window, "fit_to_screen", None)):
        fit(area)
    else:
        if window.testAttribute(Qt.WidgetAttribute.WA_Resized):
            size = window.size()
        else:  # QWidget::adjustSize: the size hint, up to 2/3 of the screen
            size = window.sizeHint()
            layout = window.layout()
            if layout is not None and layout.hasHeightForWidth():
                size.setHeight(layout.totalHeightForWidth(size.width()))
            size = size.boundedTo(QSize(area.width() * 2 // 3, area.height() * 2 // 3))
        rect = QRect(QPoint(0, 0), size)
        rect.moveCenter(room(area).center())
        window.setGeometry(rect)
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    window.show()
    QApplication.processEvents()


def clipped(widget: QWidget, window: QWidget) -> str:
    """Where ``widget`` is cut off on its way up to ``window``; empty when it is not.
    Content scrolled inside a scroll area counts as the scroll area."""
    node, rect = widget, QRect(QPoint(0, 0), widget.size())
    while node is not window:
        parent = node.parentWidget()
        assert parent is not None, f"{widget} is not in {window}"
        rect = rect.translated(node.pos())
        holder = parent.parentWidget()
        if isinstance(holder, QAbstractScrollArea) and parent is holder.viewport():
            node, rect = holder, QRect(QPoint(0, 0), holder.size())
            continue
        if not QRect(QPoint(0, 0), parent.size()).contains(rect):
            return f"{rect} outside {type(parent).__name__} {parent.objectName()!r} {parent.size()}"
        node = parent
    return ""


def label(button: QAbstractButton) -> str:
    return button.text() or button.objectName() or type(button).__name__


def assert_on_screen(window: QWidget, screen: Screen, *, full_screen: bool = False) -> None:
    area = screen.whole if full_screen else screen.available
    outer = window.geometry() if full_screen else window.geometry().marginsAdded(FRAME)
    assert area.contains(outer), (
        f"{window.windowTitle()}: {outer.width()}×{outer.height()} with its frame at "
        f"({outer.x()}, {outer.y()}) does not fit the {screen.name} screen ({area})"
    )
    problems = {
        label(button): where
        for button in window.findChildren(QAbstractButton)
        if button.isVisibleTo(window) and (where := clipped(button, window))
    }
    assert problems == {}, f"{window.windowTitle()}: buttons cut off: {problems}"


@pytest.fixture
def shown(qtbot: QtBot) -> Iterator[Callable[[QWidget], QWidget]]:
    def add(widget: QWidget) -> QWidget:
        qtbot.addWidget(widget)
        return widget

    yield add


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", list(DIALOGS))
def test_each_dialog_fits_the_screen(
    name: str, screen: Screen, hall: Hall, shown: Callable[[QWidget], QWidget]
) -> None:
    dialog = shown(DIALOGS[name](hall))
    open_on(dialog, screen)
    assert_on_screen(dialog, screen)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", list(STATIONS))
def test_each_station_fits_the_screen_full_screen(
    name: str, screen: Screen, hall: Hall, shown: Callable[[QWidget], QWidget]
) -> None:
    station = shown(STATIONS[name](hall))
    open_on(station, screen, full_screen=True)
    assert_on_screen(station, screen, full_screen=True)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_main_window_with_every_page_fits_the_screen_with_its_status_bar(
    screen: Screen, hall: Hall, store_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The supervisor's window, with every page in the sidebar, each page in turn."""
    settings = SettingsService(hall.tmp_path / "s.toml")
    window = build_main_window(
        hall.db, hall.morning.supervisor, settings, str(store_path), hall.clock
    )
    qtbot.addWidget(window)
    try:
        open_on(window, screen)
        for row, page in enumerate(window.pages):
            window.show_page(row)
            QApplication.processEvents()
            assert_on_screen(window, screen)
            bar = window.statusBar()
            assert bar.isVisible() and not clipped(bar, window), clipped(bar, window)
            assert not clipped(window.menuBar(), window)
            scroller = window.stack.currentWidget()
            assert isinstance(scroller, QAbstractScrollArea)
            assert not scroller.horizontalScrollBar().isVisible(), (
                f"{getattr(page, 'title', page)} is wider than the {screen.name} screen"
            )
    finally:
        assert window.sync_agent is not None
        window.sync_agent.stop()
        # Closing with a ticket in hand asks first: yes, sign out.
        yes = QMessageBox.StandardButton.Yes
        monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: yes)
        window.close()


def test_the_main_window_opens_within_the_screen_it_is_on(
    qtbot: QtBot, hall: Hall, store_path: Path
) -> None:
    """Without an area given: the screen's own available geometry, not 1280×800."""
    settings = SettingsService(hall.tmp_path / "s.toml")
    window = MainWindow(
        hall.morning.supervisor, [], settings=settings, store_path=str(store_path), hall_name=HALL
    )
    qtbot.addWidget(window)
    screen = window.screen().availableGeometry()
    assert screen.contains(window.geometry().marginsAdded(FRAME))
