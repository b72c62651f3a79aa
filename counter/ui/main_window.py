"""The main window: a page per job in a sidebar, and a status bar that tells the truth.

It opens no larger than the screen (counter.ui.screen_fit): a page that needs more room
than a small screen has scrolls, and the menu and status bar stay in view."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from counter.services.session import Session
from counter.services.settings_service import SettingsService
from counter.ui.product import about_box, window_title
from counter.ui.screen_fit import fit_to_screen
from counter.ui.settings_dialog import SettingsDialog
from counter.ui.sync_worker import SyncAgent

#: The size the window opens at where the screen has room for it.
PREFERRED_SIZE = QSize(1280, 800)


class MainWindow(QMainWindow):
    """Pages are handed in by the composition root; each has a ``title`` attribute."""

    def __init__(
        self,
        session: Session,
        pages: Sequence[QWidget],
        *,
        settings: SettingsService,
        store_path: str,
        hall_name: str,
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.sync_agent: SyncAgent | None = None  # set by the composition root
        self.setWindowTitle(window_title(hall_name))

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(150)
        # A click on the sidebar changes the page and leaves the keys to it: the focus
        # goes to the page's first field, and its F-keys work from anywhere on it.
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sidebar.setStyleSheet(
            "QListWidget { font-size: 13pt; } QListWidget::item { padding: 10px; }"
        )
        self.stack = QStackedWidget()
        self.pages = list(pages)
        for n, page in enumerate(self.pages):
            item = QListWidgetItem(getattr(page, "title", page.objectName()))
            item.setToolTip(self.tr("Ctrl+{}").format(n + 1))
            self.sidebar.addItem(item)
            self.stack.addWidget(self._scrolling(page))
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.currentRowChanged.connect(self.focus_page)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        staff = session.staff
        where = self.tr("{} 号窗口").format(session.window) if session.window else self.tr("外勤")
        self.who = QLabel(self.tr("{}  ·  {}").format(staff.description, where))
        self.who.setObjectName("statusWho")
        self.store = QLabel(self.tr("数据：{}").format(store_path))
        self.store.setObjectName("statusStore")
        self.store.setToolTip(store_path)
        # A long data path gives way to the sync and printer state, which matter more.
        self.store.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.online = QLabel(self.tr("未连接中心"))
        self.online.setObjectName("statusOnline")
        self.online.setToolTip(self.tr("本机单独工作；数据同步尚未配置"))
        self.online.setStyleSheet("color: #8a6d00;")
        self.warning = QLabel()
        self.warning.setObjectName("statusWarning")
        self.warning.setStyleSheet("color: #b00020;")
        self.warning.hide()
        bar = self.statusBar()
        bar.addWidget(self.who)
        bar.addWidget(self.store, 1)
        self.printer = QLabel()
        self.printer.setObjectName("statusPrinter")
        self.printer.hide()
        self.demo = QLabel(self.tr("演示数据"))
        self.demo.setObjectName("statusDemo")
        self.demo.setStyleSheet("color: white; background: #b00020; padding: 0 6px;")
        self.demo.setToolTip(
            self.tr("本机仍在使用演示账号（密码公开），请值班长登录后设置正式密码")
        )
        self.demo.hide()
        bar.addPermanentWidget(self.demo)
        bar.addPermanentWidget(self.warning)
        bar.addPermanentWidget(self.printer)
        bar.addPermanentWidget(self.online)

        self._build_menu()
        self.sidebar.setCurrentRow(0)
        self.fit_to_screen()

    @staticmethod
    def _scrolling(page: QWidget) -> QScrollArea:
        """The page at the stack's full size, scrolling where the screen is smaller than
        it needs (a 1280×720 screen at 150 %)."""
        area = QScrollArea()
        area.setObjectName(f"pageScroll_{page.objectName() or type(page).__name__}")
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(page)
        return area

    def fit_to_screen(self, area: QRect | None = None) -> QRect:
        """1280×800 where the screen has room, else all the room ``area`` (the screen's
        available geometry) leaves: the status bar always on the screen."""
        return fit_to_screen(self, PREFERRED_SIZE, area)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu(self.tr("文件(&F)"))
        settings = QAction(self.tr("设置…"), self)
        settings.setShortcut(QKeySequence("Ctrl+,"))
        settings.triggered.connect(self.on_settings_requested)
        menu.addAction(settings)
        menu.addSeparator()
        quit_action = QAction(self.tr("退出"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)

        pages = self.menuBar().addMenu(self.tr("页面(&P)"))
        for n, page in enumerate(self.pages[:9]):
            action = QAction(getattr(page, "title", ""), self)
            action.setShortcut(QKeySequence(f"Ctrl+{n + 1}"))
            action.triggered.connect(lambda _=False, row=n: self.show_page(row))
            pages.addAction(action)

        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        about = QAction(self.tr("关于…"), self)
        about.setObjectName("aboutAction")
        about.triggered.connect(self.on_about_requested)
        help_menu.addAction(about)

    def show_demo_mark(self, shown: bool) -> None:
        """演示数据 stays in view while anyone can sign in with the demo password."""
        self.demo.setVisible(shown)

    def show_warning(self, text: str, details: str = "") -> None:
        """A standing warning (e.g. next year's holiday table missing) until it is dealt with."""
        self.warning.setText(text)
        self.warning.setToolTip(details or text)
        self.warning.setVisible(bool(text))

    def show_printer_state(self, text: str, ok: bool) -> None:
        """Printer trouble in red until it clears; a working printer takes no space."""
        short = text if len(text) <= 48 else text[:47] + "…"
        self.printer.setText(short if not ok else "")
        self.printer.setToolTip(text)
        self.printer.setStyleSheet("" if ok else "color: #b00020; font-weight: bold;")
        self.printer.setVisible(not ok)

    def show_sync_state(self, text: str, online: bool) -> None:
        """Connected to the sync agent: online in green, anything else in amber."""
        self.online.setText(text)
        self.online.setToolTip(text)
        self.online.setStyleSheet("color: #0b6e4f;" if online else "color: #8a6d00;")

    def show_page(self, row: int) -> None:
        self.sidebar.setCurrentRow(row)
        self.focus_page(row)

    def focus_page(self, row: int) -> None:
        """The cursor in the page's first field (its ``focus_first`` or ``focus_search``),
        so the clerk types at once wherever she came from."""
        if not 0 <= row < len(self.pages):
            return
        page = self.pages[row]
        for name in ("focus_first", "focus_search"):
            focus = getattr(page, name, None)
            if callable(focus):
                focus()
                return
        field = page.nextInFocusChain()
        while field is not page and field is not None:
            tab = bool(field.focusPolicy() & Qt.FocusPolicy.TabFocus)
            if tab and page.isAncestorOf(field) and field.isEnabled() and not field.isHidden():
                field.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            field = field.nextInFocusChain()

    def on_settings_requested(self) -> None:
        SettingsDialog(self.settings, self.session, self).exec()

    def on_about_requested(self) -> None:
        about_box(self).exec()
