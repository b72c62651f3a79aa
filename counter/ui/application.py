"""The composition root: font, translations, store, services, sign-in, main window."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlite_utils import Database

from counter.log import desktop_log_dir, to_file
from counter.log import ui as log
from counter.model.errors import CounterError
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
from counter.services.settings_service import SettingsService
from counter.ui import safety_net
from counter.ui.fonts import install_font
from counter.ui.product import PRODUCT_NAME, use_locale

# What a page, a station or an action needs is imported where it is built: the kiosk and
# the board start without the window's pages, the window without the stations' screens,
# and reportlab, pypinyin, pyqtgraph, httpx come with the first print, catalog search,
# statistics or sync (tests/test_lazy_imports.py; benchmarks/bench_startup.py).
if TYPE_CHECKING:
    from counter.model.giftpack import GiftPackLine
    from counter.model.queue import Ticket
    from counter.services.intake_service import IntakeResult
    from counter.services.print_service import PrintService
    from counter.services.session import Session
    from counter.ui.intake_page import IntakePage
    from counter.ui.main_window import MainWindow
    from counter.ui.queue_panel import QueuePanel
    from counter.ui.sign_in import SignInDialog


def make_application(argv: list[str] | None = None, locale: str = "zh_CN") -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Counter")
    app.setOrganizationName("Counter")
    app.setApplicationDisplayName(PRODUCT_NAME)  # the platform adds it to window titles
    install_font(app)
    # Qt's own dialogs (file pickers, calendars, message boxes) in the hall's language,
    # whatever the machine's locale (the ui_locale setting).
    use_locale(app, locale)
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
    from counter.services.calendar_service import CalendarService
    from counter.services.cases_service import CasesService
    from counter.services.catalog_service import CatalogService
    from counter.services.credit_service import CreditListService
    from counter.services.giftpack_service import GIFTPACK_ROLES, GiftPackService
    from counter.services.intake_service import INTAKE_ROLES, IntakeService
    from counter.services.queue_access import open_queue, queue_for_reading
    from counter.services.queue_service import QUEUE_ROLES
    from counter.services.ratings_service import RatingsService
    from counter.services.sync_service import SyncService
    from counter.services.visits_service import VISIT_ROLES, VisitsService
    from counter.ui.cases_page import CasesPage
    from counter.ui.catalog_page import CatalogPage
    from counter.ui.credit_list_page import CreditListPage
    from counter.ui.document_printer import DocumentPrinter
    from counter.ui.followups_page import FollowUpsPage
    from counter.ui.giftpack_page import GiftPackPage
    from counter.ui.holidays_page import HolidaysPage
    from counter.ui.intake_page import IntakePage
    from counter.ui.notice_printing import NoticePrinter
    from counter.ui.print_queue_page import build_print_queue_page
    from counter.ui.queue_panel import QueuePanel
    from counter.ui.statistics_page import StatisticsPage
    from counter.ui.sync_page import SyncPage
    from counter.ui.visits_page import VisitsPage

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
    # A specialist signed in without a window (out on visits) has no queue to call.
    if (session.staff.role in QUEUE_ROLES or session.staff.role is Role.ADMIN) and session.window:
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
    if session.staff.role is Role.SPECIALIST:  # she lands on her visits, not on 叫号
        pages.sort(key=lambda page: not isinstance(page, VisitsPage))
    return pages


def giftpack_contents(service: PrintService) -> tuple[GiftPackLine, ...]:
    """The hall's 大礼包 list; an unreadable list file falls back to the default one
    (logged) rather than keeping the handover page from opening."""
    from counter.model.giftpack import DEFAULT_CONTENTS

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
        intake.serve_ticket(ticket)  # a booked visitor's name and ID go onto the form

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
    from counter.ui.intake_page import IntakePage
    from counter.ui.main_window import MainWindow
    from counter.ui.print_queue_page import PrintQueuePage
    from counter.ui.queue_panel import QueuePanel
    from counter.ui.sync_page import SyncPage
    from counter.ui.sync_worker import SyncAgent
    from counter.ui.trust import attach_trust

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
    panel = next((p for p in pages if isinstance(p, QueuePanel)), None)
    attach_trust(
        window,
        db,
        session,
        clock,
        lock_minutes=settings.settings["lock_minutes"],
        store_path=Path(store_path),
        in_hand=lambda: ticket_in_hand(panel),
    )
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(agent.stop)
    agent.start()
    return window


def ticket_in_hand(panel: QueuePanel | None) -> str:
    """The number of the ticket called or being served at this window, or ""."""
    return panel.current.number if panel is not None and panel.current is not None else ""


class Desk(QObject):
    """The signed-in person's main window, one at a time. 切换用户 in it stops its
    background work and brings the sign-in dialog back (at the same window number: a
    ticket in hand stays there); the next person's window opens in its place. 退出 in
    that dialog leaves no window open, and the program ends."""

    def __init__(
        self,
        db: Database,
        settings: SettingsService,
        store_path: str,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.db, self.settings, self.store_path, self.clock = db, settings, store_path, clock
        self.window: MainWindow | None = None
        self.sign_in_dialog: SignInDialog | None = None

    def open(self, session: Session) -> MainWindow:
        """The window for ``session``, with its standing marks; shown by the caller."""
        from counter.services.calendar_service import CalendarService
        from counter.services.staff_service import StaffService
        from counter.ui.trust import SessionGuard

        db, settings, clock = self.db, self.settings, self.clock
        window = build_main_window(db, session, settings, self.store_path, clock)
        window.show_demo_mark(StaffService(db).demo_in_use())
        calendar = CalendarService(db, settings.settings.working_hours)
        missing = calendar.missing_table_year(clock().date())
        if missing is not None:
            window.show_warning(
                window.tr("缺 {} 年节假日表，期限暂定").format(missing),
                calendar.missing_table_warning(clock().date()) or "",
            )
        guard = window.findChild(SessionGuard)
        if guard is not None:
            guard.switched.connect(self.switch_user)
        self.window = window
        return window

    def switch_user(self) -> None:
        """Called as the old window's person is signed out, before it closes."""
        from counter.ui.background import BackgroundLoop
        from counter.ui.sign_in import SignInDialog

        old, self.window = self.window, None
        window_no = self.settings.settings["window_number"]
        if old is not None:
            window_no = old.session.window
            for loop in old.findChildren(BackgroundLoop):  # sync agent, print spool
                loop.stop()
            old.deleteLater()
        dialog = SignInDialog(
            self.db, self.clock, hall_name=self.settings.settings["hall_name"], window=window_no
        )
        dialog.accepted.connect(self.on_signed_in)
        self.sign_in_dialog = dialog
        dialog.show()
        dialog.activateWindow()

    def on_signed_in(self) -> None:
        dialog, self.sign_in_dialog = self.sign_in_dialog, None
        if dialog is None or dialog.session is None:
            return
        dialog.deleteLater()
        self.open(replace_demo_accounts(self.db, dialog.session, self.clock)).show()


def replace_demo_accounts(db: Database, session: Session, clock: Callable[[], datetime]) -> Session:
    """A supervisor signing in on a counter that works alone, still on the demo accounts,
    is asked for real passwords first (she may put it off: 演示数据 stays on screen).
    Her own account is new afterwards, so she is signed in again with her new password."""
    from counter.services.session import sign_in
    from counter.services.staff_service import StaffService
    from counter.services.sync_service import SyncService
    from counter.ui.real_accounts import RealAccountsDialog

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
    from counter.services.session import sign_in

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
    from counter.services.queue_access import open_queue, queue_for_reading

    queue = open_queue(db, settings.settings)
    hall = settings.settings["hall_name"]
    station: QWidget
    if args.kiosk:
        from counter.ui.kiosk import KioskWindow
        from counter.ui.notice_printing import TicketPrinter
        from counter.ui.print_queue_page import start_spool

        kiosk = KioskWindow(
            queue,
            clock,
            hall_name=hall,
            priority_reasons=queue.rules.priority_reasons,
            id_required=queue.rules.id_required,
        )
        service, spool = start_spool(db, settings, clock)
        spool.setParent(kiosk)
        # A slip that does not print is said on the kiosk and in this PC's print queue.
        kiosk.use_printer(
            TicketPrinter(service, spool, "取号机", lambda: settings.settings, clock, parent=kiosk)
        )
        station = kiosk
    elif args.rate:
        from counter.services.calendar_service import CalendarService
        from counter.services.ratings_service import RatingsService
        from counter.ui.rating_pad import RatingPad

        calendar = CalendarService(db, settings.settings.working_hours)
        station = RatingPad(
            RatingsService(db, calendar, settings.settings),
            clock,
            window=settings.settings["window_number"],
            hall_name=hall,
        )
    else:
        from counter.ui.board import BoardWindow, choose_screen, make_voice, screens_primary_first

        board = BoardWindow(
            queue,
            clock,
            hall_name=hall,
            voice=None if args.screenshot else make_voice(),
            open_reader=lambda: queue_for_reading(store_path, settings.settings),
            recent=settings.settings["board_recent"],
        )
        if not args.screenshot:  # on the screen board_screen names (the second by default)
            board.show_full_screen_on(
                choose_screen(screens_primary_first(), settings.settings["board_screen"])
            )
            return app.exec()
        station = board
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


def refuse_start(error: CounterError, *, show: bool) -> None:
    """Before any window: what keeps Counter from starting, in a dialog (when asked
    for; started from a launcher, stderr goes nowhere) and in the log. The caller
    re-raises; counter.app prints the same message on stderr and exits non-zero."""
    message = str(getattr(error, "message", "") or error)
    log.error("Counter cannot start: %s", message)
    if show:
        QApplication.instance() or make_application()  # the hall's locale is unknown yet
        QMessageBox.critical(None, f"{PRODUCT_NAME} 无法启动", message)


def log_to_file(folder: Path) -> Path | None:
    """The rotating log file for this data folder (counter.log.desktop_log_dir); a
    folder that cannot be made is said on stderr and the program runs on without it."""
    try:
        return Path(to_file(desktop_log_dir(folder)).baseFilename)
    except OSError as exc:
        log.error("no log file in %s: %s", desktop_log_dir(folder), exc)
        return None


def run(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    try:
        settings = SettingsService(config_file())
    except CounterError as exc:  # a bad settings.toml or COUNTER_* value: which, and why
        refuse_start(exc, show=not args.screenshot)
        raise
    app = make_application(locale=settings.settings["ui_locale"])
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
            QMessageBox.critical(None, f"{PRODUCT_NAME} 无法启动", message)
        raise
    if args.kiosk or args.board or args.rate:
        return run_station(app, db, settings, args, clock, folder / DB_FILE)
    from counter.ui.sign_in import SignInDialog

    window_no = settings.settings["window_number"]
    if args.screenshot:
        session = demo_session(db, window_no, clock())
    else:
        dialog = SignInDialog(db, clock, hall_name=settings.settings["hall_name"], window=window_no)
        if not dialog.exec() or dialog.session is None:
            return 0
        session = replace_demo_accounts(db, dialog.session, clock)
    desk = Desk(db, settings, str(folder / DB_FILE), clock)
    window = desk.open(session)
    if args.screenshot:  # as on a 1366×768 laptop, whatever the offscreen screen's size
        from counter.ui.screen_fit import SMALL_SCREEN

        window.fit_to_screen(SMALL_SCREEN)
    window.show()
    if args.screenshot:
        window.show_page(args.page)
        page = window.pages[args.page]
        from counter.ui.catalog_page import CatalogPage

        if args.query and isinstance(page, CatalogPage):
            page.search.setText(args.query)
        settle(app, window)
        ok = window.grab().save(args.screenshot)
        return 0 if ok else 1
    QTimer.singleShot(0, window.raise_)
    return app.exec()
