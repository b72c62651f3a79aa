"""The main window: a page per job in a sidebar, and a status bar that tells the truth.

It opens no larger than the screen (counter.ui.screen_fit): a page that needs more room
than a small screen has scrolls, and the menu and status bar stay in view.

It paints before it has built every page (issue 28): a page may be handed in as a
:class:`PageSlot`, its title and how to build it, and is built the first time it is
shown or asked for (``window.pages[n]``); only the landing page is built at once.
Background work waits for the first paint (:attr:`MainWindow.painted`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
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

from counter.ui.product import about_box, window_title
from counter.ui.screen_fit import fit_to_screen

if TYPE_CHECKING:  # the window's own imports stay few: it paints before its pages load
    from counter.services.session import Session
    from counter.services.settings_service import SettingsService
    from counter.ui.sync_worker import SyncAgent

#: The size the window opens at where the screen has room for it.
PREFERRED_SIZE = QSize(1280, 800)


@dataclass(frozen=True)
class PageSlot:
    """A page the window builds when it is first shown: its sidebar title, a ``name``
    the composition root knows it by (to wire it up once built), and its builder.
    Building every page before the first paint cost ≈0.5 s of imports and queries for
    pages the clerk may not open all morning."""

    title: str
    name: str
    build: Callable[[], QWidget]


#: Told of each page as it is built (the window, the slot's name, the page); a page
#: handed in already built is named by its class.
PageBuilt = Callable[["MainWindow", str, QWidget], None]


class Pages(Sequence[QWidget]):
    """The window's pages in sidebar order. Reading one builds it if it is not built
    yet, so ``window.pages[n]``, ``enumerate(window.pages)`` and ``isinstance`` work as on
    a list; :meth:`built` looks without building."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def __len__(self) -> int:
        return len(self._window._entries)

    @overload
    def __getitem__(self, index: int) -> QWidget: ...
    @overload
    def __getitem__(self, index: slice) -> list[QWidget]: ...
    def __getitem__(self, index: int | slice) -> QWidget | list[QWidget]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._window._page(index % len(self))

    def __iter__(self) -> Iterator[QWidget]:
        return (self[n] for n in range(len(self)))

    def built(self, index: int) -> QWidget | None:
        entry = self._window._entries[index]
        return None if isinstance(entry, PageSlot) else entry

    def title(self, index: int) -> str:
        entry = self._window._entries[index]
        return entry.title if isinstance(entry, PageSlot) else getattr(entry, "title", "")

    def row(self, name: str) -> int | None:
        """The row of the slot called ``name`` (a page handed in built: its class's name)."""
        names = self._window._names
        return names.index(name) if name in names else None


class MainWindow(QMainWindow):
    """Pages are handed in by the composition root, built or as :class:`PageSlot`; a
    built one has a ``title`` attribute."""

    #: Emitted once, just after the window's first paint.
    painted = Signal()

    def __init__(
        self,
        session: Session,
        pages: Sequence[QWidget | PageSlot],
        *,
        settings: SettingsService,
        store_path: str,
        hall_name: str,
        page_built: PageBuilt | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.sync_agent: SyncAgent | None = None  # set by the composition root
        #: The last state the sync agent reported, for a sync page built after it.
        self.sync_state: tuple[str, bool] | None = None
        self.page_built = page_built
        self._painted = False
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
        self._entries: list[QWidget | PageSlot] = list(pages)
        self._names = [e.name if isinstance(e, PageSlot) else type(e).__name__ for e in pages]
        self.pages = Pages(self)
        for n, entry in enumerate(self._entries):
            title = self.pages.title(n)
            if not title and isinstance(entry, QWidget):
                title = entry.objectName()
            item = QListWidgetItem(title)
            item.setToolTip(self.tr("Ctrl+{}").format(n + 1))
            self.sidebar.addItem(item)
            self.stack.addWidget(self._scrolling(entry if isinstance(entry, QWidget) else None))
        self.sidebar.currentRowChanged.connect(self.on_row_changed)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        staff = session.staff
        where = session.where
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
    def _scrolling(page: QWidget | None) -> QScrollArea:
        """The page at the stack's full size, scrolling where the screen is smaller than
        it needs (a 1280×720 screen at 150 %); empty until a page slot is built."""
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        if page is not None:
            MainWindow._hold(area, page)
        return area

    @staticmethod
    def _hold(area: QScrollArea, page: QWidget) -> None:
        area.setObjectName(f"pageScroll_{page.objectName() or type(page).__name__}")
        area.setWidget(page)

    def _page(self, row: int) -> QWidget:
        """Row ``row``'s page, built now if it was a slot (and the composition root told)."""
        entry = self._entries[row]
        if isinstance(entry, QWidget):
            return entry
        page = entry.build()
        self._entries[row] = page
        area = self.stack.widget(row)
        assert isinstance(area, QScrollArea)
        self._hold(area, page)
        if self.page_built is not None:
            self.page_built(self, entry.name, page)
        return page

    def on_row_changed(self, row: int) -> None:
        """The sidebar's choice: its page built if need be, shown, its first field focused."""
        if 0 <= row < len(self._entries):
            self._page(row)
        self.stack.setCurrentIndex(row)
        self.focus_page(row)

    def event(self, event: QEvent) -> bool:
        """The first paint is announced once it is done (:attr:`painted`): what is not
        needed to show the window (the sync agent, the print spool) starts then."""
        if not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            QTimer.singleShot(0, self, self.painted.emit)
        return super().event(event)

    @property
    def has_painted(self) -> bool:
        return self._painted

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
        for n in range(min(9, len(self.pages))):
            action = QAction(self.pages.title(n), self)
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
        self.sync_state = (text, online)
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
        from counter.ui.settings_dialog import SettingsDialog

        SettingsDialog(self.settings, self.session, self).exec()

    def on_about_requested(self) -> None:
        about_box(self).exec()
