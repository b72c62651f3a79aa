"""The composition root: font, translations, store, services, sign-in, main window.

The clerk's first painted window is the sign-in dialog (issue 28): before it paints,
only Qt, the settings file and the dialog are loaded; the store opens right after it
is painted, while she types, and the rest of what the main window needs is imported a
module at a time in the gaps between her keys. Her password is checked on a worker
thread (counter.ui.sign_in) and the main window paints before its other pages are
built or its background work starts (counter.ui.main_window)."""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from counter.log import MAX_BYTES, desktop_log_dir, to_file
from counter.log import ui as log
from counter.model.errors import CounterError
from counter.ui import safety_net
from counter.ui.fonts import install_font
from counter.ui.product import PRODUCT_NAME, use_locale

# What a page, a station or an action needs is imported where it is built: the kiosk and
# the board start without the window's pages, the window without the stations' screens,
# the sign-in dialog without the store, and reportlab, pypinyin, pyqtgraph, httpx come
# with the first print, catalog search, statistics or sync (tests/test_lazy_imports.py;
# benchmarks/bench_startup.py).
if TYPE_CHECKING:
    from sqlite_utils import Database

    from counter.model.giftpack import GiftPackLine
    from counter.model.queue import Ticket
    from counter.model.settings import Settings
    from counter.services.calendar_service import CalendarService
    from counter.services.cases_service import CasesService
    from counter.services.catalog_service import CatalogService
    from counter.services.intake_service import IntakeResult, IntakeService
    from counter.services.print_service import PrintService
    from counter.services.session import Session
    from counter.services.settings_service import SettingsService
    from counter.services.visits_service import VisitsService
    from counter.ui.board import BoardWindow
    from counter.ui.document_printer import DocumentPrinter
    from counter.ui.intake_page import IntakePage
    from counter.ui.kiosk import KioskWindow
    from counter.ui.main_window import MainWindow, PageSlot
    from counter.ui.notice_printing import NoticePrinter
    from counter.ui.print_spool import PrintSpool
    from counter.ui.queue_panel import QueuePanel
    from counter.ui.sign_in import SignInDialog

#: What the main window and the sign-in need, imported one module per turn of the event
#: loop once the sign-in dialog is painted and the store open: the clerk's typing is
#: delayed by one module at most, and 登录 finds them loaded.
WARM_UP = (
    "counter.services.session",
    "counter.model.staff_key",  # and argon2: the password check's, loaded lazily
    "counter.services.staff_service",
    "counter.ui.main_window",
    "counter.ui.trust",
    "counter.ui.sync_worker",
    "counter.services.queue_access",
    "counter.ui.queue_panel",
    "counter.services.calendar_service",
    "counter.services.catalog_service",
    "counter.services.intake_service",
    "counter.services.visits_service",
    "counter.ui.print_queue_page",
    "counter.ui.notice_printing",
    "counter.ui.document_printer",
    "counter.ui.real_accounts",
)


def import_sqlite_utils_lean() -> None:
    """Import sqlite-utils without numpy and pandas: it imports them when installed
    (numpy is, for pyqtgraph) only to map their scalar types to column types, for values
    Counter never stores. That was 0.1–0.2 s of every start; pyqtgraph still gets numpy
    when the statistics page first draws, since they are hidden only for this import."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]


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


class Printing:
    """A window's print service and spool, started the first time a page needs them or
    just after the window's first paint, whichever comes first (the spool's start
    registers printers and requeues a crash's leftovers: not needed to paint)."""

    def __init__(
        self, db: Database, settings: SettingsService, clock: Callable[[], datetime]
    ) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.started: tuple[PrintService, PrintSpool] | None = None
        self.on_start: list[Callable[[PrintService, PrintSpool], None]] = []

    def __call__(self) -> tuple[PrintService, PrintSpool]:
        if self.started is None:
            from counter.ui.print_queue_page import start_spool

            self.started = start_spool(self.db, self.settings, self.clock)
            for told in self.on_start:
                told(*self.started)
        return self.started

    def when_started(self, told: Callable[[PrintService, PrintSpool], None]) -> None:
        if self.started is not None:
            told(*self.started)
        else:
            self.on_start.append(told)


def build_pages(
    db: Database,
    session: Session,
    settings: SettingsService,
    clock: Callable[[], datetime],
    store_path: Path,
    printing: Printing | None = None,
) -> list[PageSlot]:
    """Only pages that work, in sidebar order; later capabilities add theirs here.

    Each is a slot the main window builds when it is first shown, so its module, its
    services and its first query wait until then. Pages a role cannot use are left out
    of its sidebar; the services refuse them anyway.
    """
    import functools

    from counter.model.staff import Role
    from counter.services.giftpack_service import GIFTPACK_ROLES
    from counter.services.intake_service import INTAKE_ROLES
    from counter.services.queue_service import QUEUE_ROLES
    from counter.services.visits_service import VISIT_ROLES
    from counter.ui.main_window import PageSlot

    printing = printing or Printing(db, settings, clock)
    once = functools.cache
    role = session.staff.role

    @once
    def catalog() -> CatalogService:
        from counter.services.catalog_service import CatalogService

        return CatalogService(db)

    @once
    def calendar() -> CalendarService:
        from counter.services.calendar_service import CalendarService

        return CalendarService(db, settings.settings.working_hours)

    @once
    def intake() -> IntakeService:
        from counter.services.intake_service import IntakeService

        return IntakeService(db, catalog(), calendar(), settings.settings)

    @once
    def cases() -> CasesService:
        from counter.services.cases_service import CasesService

        return CasesService(db, intake(), calendar(), settings.settings)

    @once
    def visits() -> VisitsService:
        from counter.services.visits_service import VisitsService

        return VisitsService(db, catalog(), settings.settings)

    @once
    def print_notice() -> NoticePrinter:
        from counter.ui.notice_printing import NoticePrinter

        service, spool = printing()
        return NoticePrinter(service, spool, lambda: settings.settings, clock, cases())

    @once
    def print_document() -> DocumentPrinter:
        from counter.ui.document_printer import DocumentPrinter

        service, spool = printing()
        return DocumentPrinter(service, spool, clock)

    def queue_panel() -> QWidget:
        from counter.services.queue_access import open_queue, queue_for_reading
        from counter.ui.queue_panel import QueuePanel

        return QueuePanel(
            open_queue(db, settings.settings),
            session,
            clock,
            open_reader=lambda: queue_for_reading(store_path, settings.settings),
        )

    def intake_page() -> QWidget:
        from counter.ui.intake_page import IntakePage

        return IntakePage(
            intake(),
            session,
            settings.settings,
            clock,
            print_notice=print_notice(),
            drafts=visits().open_drafts,
        )

    def visits_page() -> QWidget:
        from counter.ui.visits_page import VisitsPage

        return VisitsPage(visits(), session, clock, print_document=print_document())

    def giftpack_page() -> QWidget:
        from counter.services.giftpack_service import GiftPackService
        from counter.ui.giftpack_page import GiftPackPage

        service, _ = printing()
        packs = GiftPackService(db, settings.settings, giftpack_contents(service))
        return GiftPackPage(
            packs,
            session,
            clock,
            print_document=print_document(),
            mask=settings.settings["mask_id"],
        )

    def cases_page() -> QWidget:
        from counter.ui.cases_page import CasesPage

        service, _ = printing()
        return CasesPage(
            cases(),
            session,
            settings.settings,
            clock,
            print_notice=print_notice(),
            print_jobs=service.jobs_for,
        )

    def print_queue_page() -> QWidget:
        from counter.ui.print_queue_page import PrintQueuePage

        service, spool = printing()
        return PrintQueuePage(service, session, spool, clock)

    def catalog_page() -> QWidget:
        from counter.ui.catalog_page import CatalogPage

        return CatalogPage(catalog())

    def followups_page() -> QWidget:
        from counter.services.ratings_service import RatingsService
        from counter.ui.followups_page import FollowUpsPage

        ratings = RatingsService(db, calendar(), settings.settings)
        share = settings.settings["light_yellow_share"]
        return FollowUpsPage(ratings, session, clock, yellow_share=share)

    store_file = db.execute("PRAGMA database_list").fetchone()[2]

    def statistics_page() -> QWidget:
        from counter.ui.statistics_page import StatisticsPage

        return StatisticsPage(Path(store_file), session, lambda: settings.settings, clock)

    def holidays_page() -> QWidget:
        from counter.ui.holidays_page import HolidaysPage

        return HolidaysPage(calendar(), session, clock)

    def credit_page() -> QWidget:
        from counter.services.credit_service import CreditListService
        from counter.ui.credit_list_page import CreditListPage

        return CreditListPage(CreditListService(db), session, clock)

    def sync_page() -> QWidget:
        from counter.services.sync_service import SyncService
        from counter.ui.sync_page import SyncPage

        url = settings.settings["central_url"]
        return SyncPage(SyncService(db), session, clock, default_url=url)

    # The titles are the pages' own (each class's ``title``), written here so that the
    # sidebar needs no page module loaded.
    slots: list[PageSlot] = []
    # A specialist signed in without a window (out on visits) has no queue to call.
    if (role in QUEUE_ROLES or role is Role.ADMIN) and session.window:
        slots.append(PageSlot("叫号", "queue", queue_panel))
    if role in INTAKE_ROLES or role is Role.ADMIN:
        slots.append(PageSlot("受理", "intake", intake_page))
    if role in VISIT_ROLES or role is Role.ADMIN:
        slots.append(PageSlot("上门走访", "visits", visits_page))
    if role in GIFTPACK_ROLES or role is Role.ADMIN:
        slots.append(PageSlot("大礼包领取", "giftpack", giftpack_page))
    slots += [
        PageSlot("办件", "cases", cases_page),
        PageSlot("打印队列", "print_queue", print_queue_page),
        PageSlot("事项目录", "catalog", catalog_page),
        PageSlot("整改与诉求", "followups", followups_page),
    ]
    if role in (Role.SUPERVISOR, Role.ADMIN) and store_file:
        slots.append(PageSlot("统计", "statistics", statistics_page))
    if role in (Role.SUPERVISOR, Role.ADMIN):
        slots.append(PageSlot("节假日表", "holidays", holidays_page))
        slots.append(PageSlot("失信名单", "credit_list", credit_page))
        slots.append(PageSlot("数据同步", "sync", sync_page))
    if role is Role.SPECIALIST:  # she lands on her visits, not on 叫号
        slots.sort(key=lambda slot: slot.name != "visits")
    return slots


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
    """The signed-in person's window, its landing page built and the rest as slots. A
    page built later is wired up then (``wire``); the sync agent and the print spool
    start just after the first paint, and ``window.sync_agent`` is set at once."""
    from counter.ui.main_window import MainWindow
    from counter.ui.sync_worker import SyncAgent
    from counter.ui.trust import attach_trust

    agent = SyncAgent(
        Path(store_path), clock, interval_ms=1000 * settings.settings["sync_interval"]
    )
    printing = Printing(db, settings, clock)

    def wire(window: MainWindow, name: str, page: QWidget) -> None:
        """What a page is connected to, whenever it is built."""
        if name == "intake":
            page.case_saved.connect(agent.kick)  # type: ignore[attr-defined]
            row = window.pages.row("queue")
            if row is not None:
                panel = window.pages[row]
                link_serving_ticket(panel, page, session, clock)  # type: ignore[arg-type]
        elif name == "sync":
            agent.state_changed.connect(page.on_state_changed)  # type: ignore[attr-defined]
            page.enrolled.connect(agent.kick)  # type: ignore[attr-defined]
            if window.sync_state is not None:  # the agent has reported before
                page.on_state_changed(*window.sync_state)  # type: ignore[attr-defined]

    pages = build_pages(db, session, settings, clock, Path(store_path), printing)
    window = MainWindow(
        session,
        pages,
        settings=settings,
        store_path=store_path,
        hall_name=settings.settings["hall_name"],
        page_built=wire,
    )
    agent.setParent(window)
    agent.state_changed.connect(window.show_sync_state)
    window.sync_agent = agent

    def spool_started(service: PrintService, spool: PrintSpool) -> None:
        spool.setParent(window)  # stopped with the window's other background work
        spool.state_changed.connect(window.show_printer_state)
        from counter.ui.missed_tickets import attach_missed_tickets

        attach_missed_tickets(window, service, clock, role=session.staff.role)

    printing.when_started(spool_started)

    def queue_row() -> int | None:
        return window.pages.row("queue")

    def in_hand() -> str:
        row = queue_row()
        panel = window.pages.built(row) if row is not None else None
        return ticket_in_hand(panel)  # type: ignore[arg-type]

    attach_trust(
        window,
        db,
        session,
        clock,
        lock_minutes=settings.settings["lock_minutes"],
        store_path=Path(store_path),
        in_hand=in_hand,
    )
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(agent.stop)

    def start_background() -> None:
        printing()
        agent.start()

    window.painted.connect(lambda: QTimer.singleShot(0, window, start_background))
    return window


def ticket_in_hand(panel: QueuePanel | None) -> str:
    """The number of the ticket called or being served at this window, or ""."""
    return panel.current.number if panel is not None and panel.current is not None else ""


class Desk(QObject):
    """The signed-in person's main window, one at a time. 切换用户 in it stops its
    background work and brings the sign-in dialog back (at the same window number: a
    ticket in hand stays there); the next person's window opens in its place. 退出 in
    that dialog leaves no window open, and the program ends. ``opened`` tells of each
    window once it is shown."""

    opened = Signal(object)

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
        #: Skip 设置正式密码 (the screenshot's and the benchmark's demo sign-in).
        self.keep_demo_accounts = False

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

        old, self.window = self.window, None
        window_no = self.settings.settings["window_number"]
        if old is not None:
            window_no = old.session.window
            for loop in old.findChildren(BackgroundLoop):  # sync agent, print spool
                loop.stop()
            old.deleteLater()
        self.ask(window_no).activateWindow()

    def ask(self, window_no: str, dialog: SignInDialog | None = None) -> SignInDialog:
        """The sign-in dialog shown (``dialog``, when start-up painted it already); its
        登录 opens the person's window."""
        from counter.ui.sign_in import SignInDialog

        if dialog is None:
            hall = self.settings.settings["hall_name"]
            dialog = SignInDialog(self.db, self.clock, hall_name=hall, window=window_no)
        dialog.accepted.connect(self.on_signed_in)
        self.sign_in_dialog = dialog
        dialog.show()
        return dialog

    def on_signed_in(self) -> None:
        dialog, self.sign_in_dialog = self.sign_in_dialog, None
        if dialog is None or dialog.session is None:
            return
        dialog.deleteLater()
        session = dialog.session
        if not self.keep_demo_accounts:
            session = replace_demo_accounts(self.db, session, self.clock)
        window = self.open(session)
        window.show()
        self.opened.emit(window)


def replace_demo_accounts(db: Database, session: Session, clock: Callable[[], datetime]) -> Session:
    """A supervisor signing in on a counter that works alone, still on the demo accounts,
    is asked for real passwords first (she may put it off: 演示数据 stays on screen).
    Her own account is new afterwards, so she is signed in again with her new password."""
    from counter.model.staff import Role
    from counter.services.session import sign_in
    from counter.services.staff_service import StaffService
    from counter.services.sync_service import SyncService
    from counter.ui.real_accounts import RealAccountsDialog

    staff = StaffService(db)
    if (  # the cheap reads first: the sync service loads the protocol's models
        session.staff.role not in (Role.SUPERVISOR, Role.ADMIN)
        or not staff.demo_in_use()
        or SyncService(db).central()
    ):
        return session
    dialog = RealAccountsDialog(staff, session, clock)
    if not dialog.exec() or session.staff.login not in dialog.made:
        return session
    return sign_in(db, session.staff.login, dialog.own_password(), session.window, clock())


def demo_session(db: Database, window: str, now: datetime) -> Session:
    from counter.model.staff import Role
    from counter.services.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD
    from counter.services.session import sign_in

    supervisor = next(a for a in DEMO_ACCOUNTS if a.role is Role.SUPERVISOR)
    return sign_in(db, supervisor.login, DEMO_PASSWORD, window, now)


def waiting_station(
    args: argparse.Namespace, own: Settings, clock: Callable[[], datetime]
) -> KioskWindow | BoardWindow:
    """The kiosk or the call board without its queue (the hall's name and 请稍候…),
    shown and painted before the store opens, as the sign-in dialog is: on a screen,
    full screen (the board on the screen board_screen names); for a screenshot, at its
    size. Taps meanwhile are ignored by the window."""
    station: KioskWindow | BoardWindow
    if args.kiosk:
        from counter.ui.kiosk import KioskWindow

        station = KioskWindow(None, clock, hall_name=own["hall_name"])
        show = station.showFullScreen
    else:
        from counter.ui.board import BoardWindow, choose_screen, screens_primary_first

        board = BoardWindow(None, clock, hall_name=own["hall_name"], recent=own["board_recent"])
        station = board

        def show() -> None:  # on the screen board_screen names (the second by default)
            board.show_full_screen_on(choose_screen(screens_primary_first(), own["board_screen"]))

    painted = FirstPaint(station)
    if args.screenshot:
        station.resize(1280, 800)
        station.show()
    else:
        show()
    painted.wait(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    return station


def run_station(
    app: QApplication,
    db: Database,
    settings: SettingsService,
    args: argparse.Namespace,
    clock: Callable[[], datetime],
    store_path: Path,
    station: KioskWindow | BoardWindow | None = None,
) -> int:
    """The kiosk, the call board or the rating pad: stations, so no staff sign-in.

    A kiosk or a board painted already (:func:`waiting_station`, before the store
    opened) is given its queue here; without one, it is built and shown here."""
    from counter.services.queue_access import open_queue, queue_for_reading

    if (args.kiosk or args.board) and station is None:
        station = waiting_station(args, settings.settings, clock)
    shown: QWidget | None = station
    queue = open_queue(db, settings.settings)
    hall = settings.settings["hall_name"]
    # What a station needs only once it is on screen (the kiosk's printer).
    after_paint: Callable[[], None] | None = None
    if args.kiosk:
        from counter.ui.kiosk import KioskWindow

        assert isinstance(station, KioskWindow)
        # Taps made while the store opened wait in Qt's queue: served now, on the
        # 请稍候… frame, they do nothing, rather than land on the buttons about to be.
        app.processEvents()
        station.use_queue(
            queue,
            priority_reasons=queue.rules.priority_reasons,
            id_required=queue.rules.id_required,
            hall_name=hall,
        )
        after_paint = functools.partial(use_ticket_printer, station, db, settings, clock)
    elif args.rate:
        from counter.services.calendar_service import CalendarService
        from counter.services.ratings_service import RatingsService
        from counter.ui.rating_pad import RatingPad

        calendar = CalendarService(db, settings.settings.working_hours)
        shown = RatingPad(
            RatingsService(db, calendar, settings.settings),
            clock,
            window=settings.settings["window_number"],
            hall_name=hall,
        )
    else:
        from counter.ui.board import BoardWindow, make_voice

        assert isinstance(station, BoardWindow)
        station.use_queue(
            queue,
            open_reader=lambda: queue_for_reading(store_path, settings.settings),
            hall_name=hall,
        )
        if not args.screenshot:  # shown full screen already, on the board_screen one
            station.voice = make_voice()
            check_store_weekly(station, store_path, clock)
            return app.exec()
    assert shown is not None
    if args.screenshot:  # the full station, its queue's buttons and counts in
        shown.resize(1280, 800)
        shown.show()
        app.processEvents()
        saved = shown.grab().save(args.screenshot)
        if after_paint:  # as on a screen, after the first paint
            after_paint()
        return 0 if saved else 1
    # The station with its queue painted: a tap meanwhile (even one on the 请稍候…
    # frame) waits in Qt's queue until the printer is wired, so no ticket is issued
    # without its slip.
    painted = FirstPaint(shown)
    shown.showFullScreen()
    painted.wait(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    if after_paint:
        after_paint()
    check_store_weekly(shown, store_path, clock)
    return app.exec()


def use_ticket_printer(
    kiosk: KioskWindow,
    db: Database,
    settings: SettingsService,
    clock: Callable[[], datetime],
) -> None:
    """The kiosk's slip printer and this PC's print spool, wired once the kiosk is
    painted: their modules (the notice printers and the print services, ≈0.1 s) and the
    spool's start (printers registered, a crash's leftovers requeued) are not needed to
    show the buttons. A slip that does not print is said on the kiosk and in this PC's
    print queue."""
    from counter.ui.notice_printing import TicketPrinter
    from counter.ui.print_queue_page import start_spool

    service, spool = start_spool(db, settings, clock)
    spool.setParent(kiosk)
    kiosk.use_printer(
        TicketPrinter(service, spool, "取号机", lambda: settings.settings, clock, parent=kiosk)
    )


def settle(app: QApplication, window: MainWindow, limit_s: float = 3.0) -> None:
    """Before a screenshot: let the first sync step report, so the status bar is true
    (it starts just after the first paint)."""
    wait_until(lambda: window.has_painted, 2.0)
    wait_until(lambda: window.sync_agent is None or not window.sync_agent.busy, limit_s)
    app.processEvents()


def wait_until(
    condition: Callable[[], bool],
    limit_s: float,
    flags: QEventLoop.ProcessEventsFlag = QEventLoop.ProcessEventsFlag.AllEvents,
) -> bool:
    """Run the event loop until ``condition`` holds (checked every few ms), at most
    ``limit_s``. An event loop, not a loop of ``processEvents`` calls: those, while a
    pool thread runs Python, have crashed PySide6 6.12 ("none_dealloc")."""
    if condition():
        return True
    loop = QEventLoop()
    poll = QTimer()

    def check() -> None:
        if condition():
            loop.quit()

    poll.timeout.connect(check)
    poll.start(2)
    QTimer.singleShot(int(limit_s * 1000), loop.quit)
    loop.exec(flags)
    poll.stop()
    return condition()


def refuse_start(error: CounterError, *, show: bool) -> None:
    """Before any window: what keeps Counter from starting, in a dialog (when asked
    for; started from a launcher, stderr goes nowhere) and in the log. The caller
    re-raises; counter.app prints the same message on stderr and exits non-zero."""
    message = str(getattr(error, "message", "") or error)
    log.error("Counter cannot start: %s", message)
    if show:
        QApplication.instance() or make_application()  # the hall's locale is unknown yet
        QMessageBox.critical(None, f"{PRODUCT_NAME} 无法启动", message)


def counter_version() -> str:
    """The installed distribution's version, for the log's start-up line."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("counter")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def station_role(args: argparse.Namespace) -> str:
    return "kiosk" if args.kiosk else "board" if args.board else "rate" if args.rate else "window"


def log_to_file(folder: Path, own: Mapping[str, Any] | None = None) -> Path | None:
    """The rotating log file for this data folder (counter.log.desktop_log_dir), at the
    station's ``log_level`` and ``log_max_mb``; a folder that cannot be made is said on
    stderr and the program runs on without it."""
    level = str(own["log_level"]) if own else "INFO"
    max_bytes = int(own["log_max_mb"]) * 1024 * 1024 if own else MAX_BYTES
    try:
        return Path(to_file(desktop_log_dir(folder), level=level, max_bytes=max_bytes).baseFilename)
    except OSError as exc:
        log.error("no log file in %s: %s", desktop_log_dir(folder), exc)
        return None


def run(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    # The station's own settings file, read without the settings service (which loads
    # the store's modules): the sign-in dialog paints before the store opens.
    from counter.services.station_file import config_file, data_dir, load_settings

    try:
        own = load_settings(config_file())
    except CounterError as exc:  # a bad settings.toml or COUNTER_* value: which, and why
        refuse_start(exc, show=not args.screenshot)
        raise
    app = make_application(locale=own["ui_locale"])
    folder = data_dir(args.data_dir or own["data_dir"] or None)
    log_file = log_to_file(folder, own)
    safety_net.install(log_file, app)
    log.info(
        "Counter %s starting (%s): SQLite store in %s, central %s, log %s",
        counter_version(), station_role(args), folder,
        own["central_url"] or "none (standalone)", log_file,
    )  # fmt: skip
    if args.kiosk or args.board:
        # As the sign-in dialog: the station painted (请稍候…) before the store opens.
        station = waiting_station(args, own, clock)
        if args.screenshot and args.first_paint:  # the start-up benchmark's finish line
            return 0 if station.grab().save(args.screenshot) else 1
        try:
            db, settings = open_desktop_store(folder, own, clock, show=not args.screenshot)
        except BaseException:  # refused, and said in a dialog: no 请稍候… left behind
            station.close()
            raise
        return run_station(app, db, settings, args, clock, folder / store_file_name(), station)
    if args.rate:
        db, settings = open_desktop_store(folder, own, clock, show=not args.screenshot)
        return run_station(app, db, settings, args, clock, folder / store_file_name())
    if args.screenshot and not (args.sign_in or args.demo_sign_in):
        return screenshot_main_window(app, folder, own, args, clock)
    return run_desk(app, folder, own, args, clock)


def store_file_name() -> str:
    from counter.services.bootstrap import DB_FILE

    return DB_FILE


def open_desktop_store(
    folder: Path, own: Settings, clock: Callable[[], datetime], *, show: bool
) -> tuple[Database, SettingsService]:
    """The store opened and the hall's published settings laid over the station's own;
    what keeps it from opening is said in a dialog (``show``) and raised."""
    import_sqlite_utils_lean()
    from counter.services.bootstrap import config_file, open_counter_store, published_settings
    from counter.services.settings_service import SettingsService

    settings = SettingsService(config_file(), own)
    try:
        db = open_counter_store(folder, clock())
        settings.use_published(published_settings(db))
    except CounterError as exc:
        message = safety_net.page_message(exc)
        log.error("Counter cannot start: %s", message)
        if show:
            QMessageBox.critical(None, f"{PRODUCT_NAME} 无法启动", message)
        raise
    return db, settings


def screenshot_main_window(
    app: QApplication,
    folder: Path,
    own: Settings,
    args: argparse.Namespace,
    clock: Callable[[], datetime],
) -> int:
    """``--screenshot``: the demo supervisor's window, signed in without the dialog, at
    the page asked for, once the first sync step has reported."""
    db, settings = open_desktop_store(folder, own, clock, show=False)
    session = demo_session(db, settings.settings["window_number"], clock())
    desk = Desk(db, settings, str(folder / store_file_name()), clock)
    window = desk.open(session)
    from counter.ui.screen_fit import SMALL_SCREEN  # as on a 1366×768 laptop

    window.fit_to_screen(SMALL_SCREEN)
    window.show()
    window.show_page(args.page)
    page = window.pages[args.page]
    from counter.ui.catalog_page import CatalogPage

    if args.query and isinstance(page, CatalogPage):
        page.search.setText(args.query)
    settle(app, window)
    return 0 if window.grab().save(args.screenshot) else 1


class FirstPaint(QObject):
    """When ``widget`` was first painted (time.perf_counter), watched from outside."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.at: float | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.at is None and event.type() == QEvent.Type.Paint:
            self.at = time.perf_counter()  # its paint is done before events run again
        return False

    def wait(
        self,
        flags: QEventLoop.ProcessEventsFlag = QEventLoop.ProcessEventsFlag.AllEvents,
        limit_s: float = 2.0,
    ) -> bool:
        """Run the event loop until the widget is painted (on a real screen it is
        painted once the window system exposes it), at most ``limit_s``; ``flags`` as
        for QEventLoop.exec (ExcludeUserInputEvents keeps taps queued meanwhile)."""
        return wait_until(lambda: self.at is not None, limit_s, flags)


def run_desk(
    app: QApplication,
    folder: Path,
    own: Settings,
    args: argparse.Namespace,
    clock: Callable[[], datetime],
) -> int:
    """The clerk's start: the sign-in dialog painted first, then the store opened and
    the main window's modules loaded while she types; 登录 opens her window.

    ``--sign-in --screenshot`` saves the dialog as it is first painted; ``--demo-sign-in``
    signs the demo supervisor in through the dialog once it is ready and prints how long
    登录 took to a painted main window (with ``--screenshot``, saves that window)."""
    from counter.ui.sign_in import SignInDialog

    dialog = SignInDialog(None, clock, hall_name=own["hall_name"], window=own["window_number"])
    painted = FirstPaint(dialog)
    dialog.show()
    painted.wait()
    if args.screenshot and args.sign_in and not dialog.grab().save(args.screenshot):
        return 1
    db, settings = open_desktop_store(folder, own, clock, show=not args.screenshot)
    dialog.use_store(db, hall_name=settings.settings["hall_name"])
    store_path = folder / store_file_name()
    desk = Desk(db, settings, str(store_path), clock)
    desk.keep_demo_accounts = bool(args.demo_sign_in)
    desk.ask(settings.settings["window_number"], dialog)
    warm = WarmUp(WARM_UP, dialog)

    def first_window(window: MainWindow) -> None:
        desk.opened.disconnect(first_window)
        QTimer.singleShot(0, window.raise_)
        check_store_weekly(window, store_path, clock)

    desk.opened.connect(first_window)
    if args.screenshot and args.sign_in:
        return 0
    if args.demo_sign_in:
        return demo_sign_in(app, desk, dialog, warm, args)
    return app.exec()


class WarmUp(QObject):
    """Imports ``modules`` one per turn of the event loop, so the clerk's keys are
    answered between them; ``done`` once all are loaded (or the dialog has gone)."""

    def __init__(self, modules: tuple[str, ...], parent: QObject) -> None:
        super().__init__(parent)
        self.todo = list(modules)
        self.done = False
        QTimer.singleShot(0, self, self.next)

    def next(self) -> None:
        if self.todo:
            importlib.import_module(self.todo.pop(0))
            QTimer.singleShot(0, self, self.next)
        else:
            self.done = True


def demo_sign_in(
    app: QApplication, desk: Desk, dialog: SignInDialog, warm: WarmUp, args: argparse.Namespace
) -> int:
    """For the benchmark: the demo supervisor's login and password typed into the
    dialog once it is ready (as after a clerk's few seconds of typing), 登录 pressed,
    and the time from the press to the main window's first paint printed."""
    from counter.model.staff import Role
    from counter.services.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD

    wait_until(lambda: warm.done, 30)
    supervisor = next(a for a in DEMO_ACCOUNTS if a.role is Role.SUPERVISOR)
    dialog.login.setText(supervisor.login)
    dialog.password.setText(DEMO_PASSWORD)
    shown: list[FirstPaint] = []
    desk.opened.connect(lambda window: shown.append(FirstPaint(window)))
    pressed = time.perf_counter()
    dialog.ok.click()
    wait_until(lambda: bool(shown) and shown[0].at is not None, 30)
    if not shown or shown[0].at is None or desk.window is None:
        print(f"sign-in failed: {dialog.errors.general.text()}", file=sys.stderr)
        return 1
    print(f"sign-in → main window painted: {shown[0].at - pressed:.3f} s", flush=True)
    if args.screenshot:
        return 0 if desk.window.grab().save(args.screenshot) else 1
    return app.exec()


def check_store_weekly(shown: QWidget, store_path: Path, clock: Callable[[], datetime]) -> None:
    """The weekly integrity check, a little after ``shown`` is painted (start-up no
    longer reads the whole store: counter.ui.store_check)."""
    from counter.ui.store_check import StoreCheck

    StoreCheck(store_path, clock, shown).start()
