"""The composition root: font, translations, store, services, sign-in, main window."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlite_utils import Database

from counter.log import desktop_log_dir, to_file
from counter.log import ui as log
from counter.model.errors import CounterError
from counter.model.giftpack import DEFAULT_CONTENTS, GiftPackLine
from counter.model.queue import Ticket
from counter.model.staff import Role
from counter.services.bootstrap import (
    DB_FILE,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    config_file,
    data_dir,
    open_counter_store,
    published_settings,
)
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.central_queue import open_queue, queue_for_reading
from counter.services.credit_service import CreditListService
from counter.services.giftpack_service import GIFTPACK_ROLES, GiftPackService
from counter.services.intake_service import INTAKE_ROLES, IntakeResult, IntakeService
from counter.services.print_service import PrintService
from counter.services.queue_service import QUEUE_ROLES
from counter.services.ratings_service import RatingsService
from counter.services.session import Session, sign_in
from counter.services.settings_service import SettingsService
from counter.services.staff_service import StaffService
from counter.services.sync_service import SyncService
from counter.services.visits_service import VISIT_ROLES, VisitsService
from counter.ui import safety_net
from counter.ui.board import BoardWindow, make_voice
from counter.ui.cases_page import CasesPage
from counter.ui.catalog_page import CatalogPage
from counter.ui.credit_list_page import CreditListPage
from counter.ui.document_printer import DocumentPrinter
from counter.ui.followups_page import FollowUpsPage
from counter.ui.fonts import install_font
from counter.ui.giftpack_page import GiftPackPage
from counter.ui.holidays_page import HolidaysPage
from counter.ui.intake_page import IntakePage
from counter.ui.kiosk import KioskWindow
from counter.ui.main_window import MainWindow
from counter.ui.notice_printing import NoticePrinter, TicketPrinter
from counter.ui.print_queue_page import PrintQueuePage, build_print_queue_page, start_spool
from counter.ui.queue_panel import QueuePanel
from counter.ui.rating_pad import RatingPad
from counter.ui.real_accounts import RealAccountsDialog
from counter.ui.sign_in import SignInDialog
from counter.ui.statistics_page import StatisticsPage
from counter.ui.sync_page import SyncPage
from counter.ui.sync_worker import SyncAgent
from counter.ui.trust import attach_trust
from counter.ui.visits_page import VisitsPage


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
    db: Database,
    session: Session,
    settings: SettingsService,
    clock: Callable[[], datetime],
    store_path: Path,
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
        print_queue.service, print_queue.spool, lambda: settings.settings, clock, cases
    )
    print_document = DocumentPrinter(print_queue.service, print_queue.spool, clock)
    visits = VisitsService(db, catalog, settings.settings)
    pages: list[QWidget] = []
    panel: QueuePanel | None = None
    if session.staff.role in QUEUE_ROLES or session.staff.role is Role.ADMIN:
        panel = QueuePanel(
            open_queue(db, settings.settings),
            session,
            clock,
            open_reader=lambda: queue_for_reading(store_path, settings.settings),
        )
        pages.append(panel)
    if session.staff.role in INTAKE_ROLES or session.staff.role is Role.ADMIN:
        intake_page = IntakePage(
            intake,
            session,
            settings.settings,
            clock,
            print_notice=print_notice,
            drafts=visits.open_drafts,
        )
        if panel is not None:
            link_serving_ticket(panel, intake_page, session, clock)
        pages.append(intake_page)
    if session.staff.role in VISIT_ROLES or session.staff.role is Role.ADMIN:
        pages.append(VisitsPage(visits, session, clock, print_document=print_document))
    if session.staff.role in GIFTPACK_ROLES or session.staff.role is Role.ADMIN:
        packs = GiftPackService(db, settings.settings, giftpack_contents(print_queue.service))
        pages.append(
            GiftPackPage(
                packs,
                session,
                clock,
                print_document=print_document,
                mask=settings.settings["mask_id"],
            )
        )
    pages += [
        CasesPage(
            cases,
            session,
            settings.settings,
            clock,
            print_notice=print_notice,
            print_jobs=print_queue.service.jobs_for,
        ),
        print_queue,
        CatalogPage(catalog),
    ]
    ratings = RatingsService(db, calendar, settings.settings)
    pages.append(
        FollowUpsPage(ratings, session, clock, yellow_share=settings.settings["light_yellow_share"])
    )
    store_file = db.execute("PRAGMA database_list").fetchone()[2]
    if session.staff.role in (Role.SUPERVISOR, Role.ADMIN) and store_file:
        pages.append(StatisticsPage(Path(store_file), session, lambda: settings.settings, clock))
    if session.staff.role in (Role.SUPERVISOR, Role.ADMIN):
        pages.append(HolidaysPage(calendar, session, clock))
        pages.append(CreditListPage(CreditListService(db), session, clock))
        pages.append(
            SyncPage(SyncService(db), session, clock, default_url=settings.settings["central_url"])
        )
    return pages


def giftpack_contents(service: PrintService) -> tuple[GiftPackLine, ...]:
    """The hall's 大礼包 list; an unreadable list file falls back to the default one
    (logged) rather than keeping the handover page from opening."""
    try:
        return service.giftpack_contents()
    except CounterError:
        log.exception("gift-pack list unreadable; using the default list")
        return DEFAULT_CONTENTS


def link_serving_ticket(
    panel: QueuePanel, intake: IntakePage, session: Session, clock: Callable[[], datetime]
) -> None:
    """The ticket called at this window goes onto the cases opened while serving it."""

    def on_current(ticket: Ticket | None) -> None:
        intake.serve_ticket(ticket.id if ticket else None, ticket.number if ticket else "")

    def on_saved(result: IntakeResult) -> None:
        ticket_id = result.case.ticket_id
        if not ticket_id:
            return
        try:
            panel.queue.link_case(ticket_id, result.case.number, clock(), session)
        except CounterError:
            # The case keeps its ticket id; only the ticket's back-reference is missing.
            log.exception("could not link case %s to ticket %s", result.case.number, ticket_id)

    panel.current_changed.connect(on_current)
    intake.case_saved.connect(on_saved)
    on_current(panel.current)


def build_main_window(
    db: Database,
    session: Session,
    settings: SettingsService,
    store_path: str,
    clock: Callable[[], datetime],
) -> MainWindow:
    pages = build_pages(db, session, settings, clock, Path(store_path))
    window = MainWindow(
        session,
        pages,
        settings=settings,
        store_path=store_path,
        hall_name=settings.settings["hall_name"],
    )
    agent = SyncAgent(
        Path(store_path),
        clock,
        interval_ms=1000 * settings.settings["sync_interval"],
        parent=window,
    )
    agent.state_changed.connect(window.show_sync_state)
    for page in pages:
        if isinstance(page, PrintQueuePage):
            page.spool.state_changed.connect(window.show_printer_state)
        if isinstance(page, SyncPage):
            agent.state_changed.connect(page.on_state_changed)
            page.enrolled.connect(agent.kick)
        if isinstance(page, IntakePage):
            page.case_saved.connect(agent.kick)
    window.sync_agent = agent
    attach_trust(
        window,
        db,
        session,
        clock,
        lock_minutes=settings.settings["lock_minutes"],
        store_path=Path(store_path),
    )
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(agent.stop)
    agent.start()
    return window


def replace_demo_accounts(db: Database, session: Session, clock: Callable[[], datetime]) -> Session:
    """A supervisor signing in on a counter that works alone, still on the demo accounts,
    is asked for real passwords first (she may put it off: 演示数据 stays on screen).
    Her own account is new afterwards, so she is signed in again with her new password."""
    staff = StaffService(db)
    if (
        session.staff.role not in (Role.SUPERVISOR, Role.ADMIN)
        or SyncService(db).central()
        or not staff.demo_in_use()
    ):
        return session
    dialog = RealAccountsDialog(staff, session, clock)
    if not dialog.exec() or session.staff.login not in dialog.made:
        return session
    return sign_in(db, session.staff.login, dialog.own_password(), session.window, clock())


def demo_session(db: Database, window: str, now: datetime) -> Session:
    supervisor = next(a for a in DEMO_ACCOUNTS if a.role is Role.SUPERVISOR)
    return sign_in(db, supervisor.login, DEMO_PASSWORD, window, now)


def run_station(
    app: QApplication,
    db: Database,
    settings: SettingsService,
    args: argparse.Namespace,
    clock: Callable[[], datetime],
    store_path: Path,
) -> int:
    """The kiosk, the call board or the rating pad: stations, so no staff sign-in."""
    queue = open_queue(db, settings.settings)
    hall = settings.settings["hall_name"]
    station: QWidget
    if args.kiosk:
        kiosk = KioskWindow(
            queue, clock, hall_name=hall, priority_reasons=queue.rules.priority_reasons
        )
        service, spool = start_spool(db, settings, clock)
        spool.setParent(kiosk)
        printer = TicketPrinter(service, spool, "取号机", lambda: settings.settings, clock)
        kiosk.ticket_issued.connect(lambda slip: kiosk.error.setText(printer(slip)))
        station = kiosk
    elif args.rate:
        calendar = CalendarService(db, settings.settings.working_hours)
        station = RatingPad(
            RatingsService(db, calendar, settings.settings),
            clock,
            window=settings.settings["window_number"],
            hall_name=hall,
        )
    else:
        station = BoardWindow(
            queue,
            clock,
            hall_name=hall,
            voice=None if args.screenshot else make_voice(),
            open_reader=lambda: queue_for_reading(store_path, settings.settings),
        )
    if args.screenshot:
        station.resize(1280, 800)
        station.show()
        app.processEvents()
        return 0 if station.grab().save(args.screenshot) else 1
    station.showFullScreen()
    return app.exec()


def settle(app: QApplication, window: MainWindow, limit_s: float = 3.0) -> None:
    """Before a screenshot: let the first sync step report, so the status bar is true."""
    deadline = time.monotonic() + limit_s
    app.processEvents()
    while window.sync_agent is not None and window.sync_agent.busy:
        if time.monotonic() > deadline:
            break
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    app.processEvents()


def log_to_file(folder: Path) -> Path | None:
    """The rotating log file for this data folder (counter.log.desktop_log_dir); a
    folder that cannot be made is said on stderr and the program runs on without it."""
    try:
        return Path(to_file(desktop_log_dir(folder)).baseFilename)
    except OSError as exc:
        log.error("no log file in %s: %s", desktop_log_dir(folder), exc)
        return None


def run(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    app = make_application()
    settings = SettingsService(config_file())
    folder = data_dir(args.data_dir or settings.settings["data_dir"] or None)
    log_file = log_to_file(folder)
    safety_net.install(log_file, app)
    log.info("Counter starting: data in %s, log in %s", folder, log_file)
    try:
        db = open_counter_store(folder, clock())
        settings.use_published(published_settings(db))
    except CounterError as exc:
        message = safety_net.page_message(exc)
        log.error("Counter cannot start: %s", message)
        if not args.screenshot:
            QMessageBox.critical(None, "Counter 无法启动", message)
        raise
    if args.kiosk or args.board or args.rate:
        return run_station(app, db, settings, args, clock, folder / DB_FILE)
    window_no = settings.settings["window_number"]
    if args.screenshot:
        session = demo_session(db, window_no, clock())
    else:
        dialog = SignInDialog(db, clock, hall_name=settings.settings["hall_name"], window=window_no)
        if not dialog.exec() or dialog.session is None:
            return 0
        session = replace_demo_accounts(db, dialog.session, clock)
    window = build_main_window(db, session, settings, str(folder / DB_FILE), clock)
    window.show_demo_mark(StaffService(db).demo_in_use())
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
        settle(app, window)
        ok = window.grab().save(args.screenshot)
        return 0 if ok else 1
    QTimer.singleShot(0, window.raise_)
    return app.exec()
