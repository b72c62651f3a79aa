"""The main window: a page per job in a sidebar, and a status bar that tells the truth."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from counter.services.session import Session
from counter.services.settings_service import SettingsService
from counter.ui.settings_dialog import SettingsDialog
from counter.ui.sync_worker import SyncAgent


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
        self.setWindowTitle(self.tr("Counter — {} 综合窗口").format(hall_name))
        self.resize(1280, 800)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(150)
        self.sidebar.setStyleSheet(
            "QListWidget { font-size: 13pt; } QListWidget::item { padding: 10px; }"
        )
        self.stack = QStackedWidget()
        self.pages = list(pages)
        for n, page in enumerate(self.pages):
            item = QListWidgetItem(getattr(page, "title", page.objectName()))
            item.setToolTip(self.tr("Ctrl+{}").format(n + 1))
            self.sidebar.addItem(item)
            self.stack.addWidget(page)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        staff = session.staff
        self.who = QLabel(self.tr("{}  ·  {} 号窗口").format(staff.description, session.window))
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
        about = QAction(self.tr("关于 Counter"), self)
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
        page = self.pages[row]
        focus = getattr(page, "focus_search", None)
        if callable(focus):
            focus()

    def on_settings_requested(self) -> None:
        SettingsDialog(self.settings, self.session, self).exec()

    def on_about_requested(self) -> None:
        QMessageBox.about(
            self,
            self.tr("关于 Counter"),
            self.tr(
                "Counter — 政务服务大厅综合窗口系统\n排队叫号、受理、材料清单、打印、离线同步。"
            ),
        )
