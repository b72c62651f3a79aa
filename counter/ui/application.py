"""Starting the desktop: font, translations, store, sign-in, main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlite_utils import Database

from counter.model.errors import CounterError
from counter.model.staff import Role
from counter.services.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD, open_counter_store
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import INTAKE_ROLES, IntakeService
from counter.services.queue_service import QUEUE_ROLES, LocalQueue, queue_rules
from counter.services.session import Session, sign_in
from counter.services.settings_service import SettingsService
from counter.store.db import DB_FILE
from counter.store.paths import config_file, data_dir
from counter.ui.board import BoardWindow, make_voice
from counter.ui.cases_page import CasesPage
from counter.ui.catalog_page import CatalogPage
from counter.ui.fonts import install_font
from counter.ui.holidays_page import HolidaysPage
from counter.ui.intake_page import IntakePage
from counter.ui.kiosk import KioskWindow
from counter.ui.main_window import MainWindow
from counter.ui.notice_printing import NoticePrinter
from counter.ui.print_queue_page import PrintQueuePage, build_print_queue_page
from counter.ui.queue_panel import QueuePanel
from counter.ui.sign_in import SignInDialog


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Counter")
    app.setOrganizationName("Counter")
    install_font(app)
    translator = QTranslator(app)
    # Qt's own dialogs (file pickers, message boxes) in Chinese.
    if translator.load(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China),
        "qtbase",
        "_",
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    ):
        app.installTranslator(translator)
    return app


def build_pages(
    db: Database, session: Session, settings: SettingsService, clock: Callable[[], datetime]
) -> list[QWidget]:
    """Only pages that work, in sidebar order; later capabilities add theirs here.

    Pages a role cannot use are left out of its sidebar; the services refuse them anyway.
    """
    catalog = CatalogService(db)
    calendar = CalendarService(db, settings.settings.working_hours)
    intake = IntakeService(db, catalog, calendar, settings.settings)
    cases = CasesService(db, intake, calendar, settings.settings)
    print_queue = build_print_queue_page(db, session, settings, clock)
    print_notice = NoticePrinter(
        print_queue.service, print_queue.spool, lambda: settings.settings, clock
    )
    pages: list[QWidget] = []
    if session.staff.role in QUEUE_ROLES or session.staff.role is Role.ADMIN:
        pages.append(QueuePanel(LocalQueue(db, queue_rules(settings.settings)), session, clock))
    if session.staff.role in INTAKE_ROLES or session.staff.role is Role.ADMIN:
        pages.append(
            IntakePage(intake, session, settings.settings, clock, print_notice=print_notice)
        )
    pages += [
        CasesPage(cases, session, settings.settings, clock, print_notice=print_notice),
        print_queue,
        CatalogPage(catalog),
    ]
    if session.staff.role in (Role.SUPERVISOR, Role.ADMIN):
        pages.append(HolidaysPage(calendar, session, clock))
    return pages


def build_main_window(
    db: Database,
    session: Session,
    settings: SettingsService,
    store_path: str,
    clock: Callable[[], datetime],
) -> MainWindow:
    pages = build_pages(db, session, settings, clock)
    window = MainWindow(
        session,
        pages,
        settings=settings,
        store_path=store_path,
        hall_name=settings.settings["hall_name"],
    )
    for page in pages:
        if isinstance(page, PrintQueuePage):
            page.spool.state_changed.connect(window.show_printer_state)
    return window


def demo_session(db: Database, window: str, now: datetime) -> Session:
    supervisor = next(a for a in DEMO_ACCOUNTS if a.role is Role.SUPERVISOR)
    return sign_in(db, supervisor.login, DEMO_PASSWORD, window, now)


def run_station(
    app: QApplication,
    db: Database,
    settings: SettingsService,
    args: argparse.Namespace,
    clock: Callable[[], datetime],
) -> int:
    """The kiosk or the call board: stations, so no staff sign-in."""
    queue = LocalQueue(db, queue_rules(settings.settings))
    hall = settings.settings["hall_name"]
    station: QWidget
    if args.kiosk:
        station = KioskWindow(
            queue, clock, hall_name=hall, priority_reasons=queue.rules.priority_reasons
        )
    else:
        station = BoardWindow(
            queue, clock, hall_name=hall, voice=None if args.screenshot else make_voice()
        )
    if args.screenshot:
        station.resize(1280, 800)
        station.show()
        app.processEvents()
        return 0 if station.grab().save(args.screenshot) else 1
    station.showFullScreen()
    return app.exec()


def run(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    app = make_application()
    settings = SettingsService(config_file())
    folder = data_dir(args.data_dir or settings.settings["data_dir"] or None)
    try:
        db = open_counter_store(folder, clock())
    except CounterError as exc:
        message = getattr(exc, "message", str(exc))
        if not args.screenshot:
            QMessageBox.critical(None, "Counter 无法启动", message)
        raise
    if args.kiosk or args.board:
        return run_station(app, db, settings, args, clock)
    window_no = settings.settings["window_number"]
    if args.screenshot:
        session = demo_session(db, window_no, clock())
    else:
        dialog = SignInDialog(db, clock, hall_name=settings.settings["hall_name"], window=window_no)
        if not dialog.exec() or dialog.session is None:
            return 0
        session = dialog.session
    window = build_main_window(db, session, settings, str(folder / DB_FILE), clock)
    calendar = CalendarService(db, settings.settings.working_hours)
    missing = calendar.missing_table_year(clock().date())
    if missing is not None:
        window.show_warning(
            window.tr("缺 {} 年节假日表，期限暂定").format(missing),
            calendar.missing_table_warning(clock().date()) or "",
        )
    window.show()
    if args.screenshot:
        window.show_page(args.page)
        page = window.pages[args.page]
        if args.query and isinstance(page, CatalogPage):
            page.search.setText(args.query)
        app.processEvents()
        ok = window.grab().save(args.screenshot)
        return 0 if ok else 1
    QTimer.singleShot(0, window.raise_)
    return app.exec()
