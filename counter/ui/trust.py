"""What the main window gets for trust: the screen lock (idle, or Ctrl+L), 切换用户, the
recorded sign-in and sign-out, no quitting with a called ticket unasked, and the
supervisor's backup and restore actions. One call from the composition root.

The backup and restore services load when one of those is chosen: the window that
carries these actions is built on the way from 登录 to its first paint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox
from sqlite_utils import Database

from counter.model.errors import CounterError
from counter.model.staff import Role
from counter.services import session_trail
from counter.services.session import Session, sign_out
from counter.ui import safety_net
from counter.ui.screen_lock import LOCK_KEY, IdleLock


class SessionGuard(QObject):
    """Closing the main window (退出) or 切换用户 signs the person out, recorded; with a
    called ticket in hand either asks first, No by default. ``switched`` tells the
    composition root to bring the sign-in dialog back, before the window closes."""

    switched = Signal()

    def __init__(
        self,
        window: QMainWindow,
        db: Database,
        session: Session,
        clock: Callable[[], datetime],
        in_hand: Callable[[], str] = lambda: "",
    ) -> None:
        super().__init__(window)
        self.window, self.db, self.session, self.clock = window, db, session, clock
        self.in_hand = in_hand
        self.lock: IdleLock | None = None
        self.signed_out = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and not self.signed_out:
            if not self.confirm(self.tr("退出"), self.tr("退出后")):
                event.ignore()
                return True
            self.sign_out(self.tr("关闭窗口"))
        return False

    def confirm(self, what: str, after: str) -> bool:
        """Yes, unless a called ticket is in hand and the person says No."""
        number = self.in_hand()
        if not number:
            return True
        answer = QMessageBox.question(
            self.window,
            what,
            self.tr("您正在办理 {0}，{1}该号仍在本窗口，确定{2}？").format(number, after, what),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def sign_out(self, reason: str) -> None:
        self.signed_out = True
        if self.lock is not None:
            self.lock.stop()
        session_trail.note(self.db, self.session, "sign_out", self.clock(), reason=reason)
        sign_out(self.db)

    def switch_user(self) -> None:
        """切换用户: signed out, the sign-in dialog asked for (``switched``), the window closed."""
        if self.signed_out or not self.confirm(self.tr("切换用户"), self.tr("切换后")):
            return
        self.sign_out(self.tr("切换用户"))
        self.switched.emit()
        self.window.close()


class _StoreAction(QAction):
    """A 文件 menu entry that works on the store file for the signed-in supervisor."""

    title = ""
    name = ""

    def __init__(
        self,
        window: QMainWindow,
        db: Database,
        session: Session,
        store_path: Path,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(window.tr(self.title), window)
        self.setObjectName(self.name)
        self.window, self.db, self.session = window, db, session
        self.store_path, self.clock = store_path, clock
        self.triggered.connect(self.on_triggered)

    def on_triggered(self) -> None:
        raise NotImplementedError


class BackupAction(_StoreAction):
    """文件 → 备份数据…: the supervisor copies the store while the counter keeps working."""

    title = "备份数据…"
    name = "backupAction"

    def on_triggered(self) -> None:
        name = f"counter-备份-{self.clock():%Y%m%d-%H%M}.db"
        path, _ = QFileDialog.getSaveFileName(
            self.window, self.window.tr("备份数据到"), str(Path.home() / name), "*.db"
        )
        if path:
            self.backup_to(Path(path))

    def backup_to(self, path: Path) -> Path | None:
        from counter.services.maintenance import backup_store  # the store's backup module

        try:
            dest = backup_store(self.db, self.store_path, path, self.session, self.clock())
        except (CounterError, OSError) as exc:
            message = safety_net.page_message(exc)
            QMessageBox.critical(self.window, self.window.tr("备份失败"), message)
            return None
        QMessageBox.information(
            self.window, self.window.tr("备份完成"), self.window.tr("已备份到 {}").format(dest)
        )
        return dest


class RestoreAction(_StoreAction):
    """文件 → 恢复数据…: the chosen backup replaces the store when Counter next starts.

    The running app holds the store open on several connections, so the file is not
    swapped under it: the backup is checked and staged beside the store, the window is
    closed, and the next start puts it in place before opening the store, keeping the
    current store aside as ``counter.db.before-restore-*``.
    """

    title = "恢复数据…"
    name = "restoreAction"

    def on_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, self.window.tr("选择要恢复的备份"), str(Path.home()), "*.db"
        )
        if path:
            self.restore_from(Path(path))

    def confirm(self, backup_path: Path) -> bool:
        answer = QMessageBox.warning(
            self.window,
            self.window.tr("恢复数据"),
            self.window.tr(
                "将用备份 {} 替换本机当前的全部数据。\n"
                "当前数据不会删除，会另存为 {}.before-restore-日期时间。\n"
                "恢复在本系统重新启动时进行，本系统现在将关闭。确定要恢复吗？"
            ).format(backup_path, self.store_path.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def restore_from(self, backup_path: Path) -> Path | None:
        if not self.confirm(backup_path):
            return None
        from counter.services.maintenance import schedule_restore

        try:
            pending = schedule_restore(
                self.db, self.store_path, backup_path, self.session, self.clock()
            )
        except (CounterError, OSError) as exc:
            message = safety_net.page_message(exc)
            QMessageBox.critical(self.window, self.window.tr("无法恢复"), message)
            return None
        QMessageBox.information(
            self.window,
            self.window.tr("请重新启动综合窗口受理系统"),
            self.window.tr("备份已检查无误。本系统将关闭，重新启动后即使用恢复的数据。"),
        )
        self.window.close()
        return pending


def file_menu(window: QMainWindow) -> QMenu:
    """The menu bar's first menu (文件), found among the bar's own children.

    Not ``menuBar().actions()[0].menu()``: with PySide6 6.9 (what pip picks where glibc
    is 2.28: UOS 20, Kylin V10) the QMenu wrapper that call returns is invalidated with
    the temporary QAction wrapper it was asked of ("Internal C++ object (QMenu) already
    deleted"), though the menu itself lives on, owned by the bar."""
    bar = window.menuBar()
    first = bar.actions()[0]
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    return next(
        menu for menu in bar.findChildren(QMenu, options=direct) if menu.menuAction() == first
    )


def attach_trust(
    window: QMainWindow,
    db: Database,
    session: Session,
    clock: Callable[[], datetime],
    *,
    lock_minutes: int,
    store_path: Path,
    in_hand: Callable[[], str] = lambda: "",
) -> SessionGuard:
    """``in_hand``: the number of the ticket called at this window and not yet done
    with, or "" (the queue panel knows it)."""
    session_trail.note(db, session, "sign_in", clock())
    guard = SessionGuard(window, db, session, clock, in_hand)
    lock = IdleLock(window, db, session, clock, lock_minutes, switch_user=guard.switch_user)
    guard.lock = lock
    menu = file_menu(window)
    last = menu.actions()[-1] if menu.actions() else None  # 退出 stays at the bottom
    lock_action = QAction(window.tr("锁屏"), window)
    lock_action.setObjectName("lockAction")
    lock_action.setShortcut(QKeySequence(LOCK_KEY))  # shown; IdleLock takes the key first
    lock_action.triggered.connect(lock.lock)
    switch_action = QAction(window.tr("切换用户"), window)
    switch_action.setObjectName("switchUserAction")
    switch_action.triggered.connect(guard.switch_user)
    for action in (lock_action, switch_action):
        if last is not None:
            menu.insertAction(last, action)
        else:
            menu.addAction(action)
    if session.staff.role in (Role.SUPERVISOR, Role.ADMIN):
        first = menu.actions()[0] if menu.actions() else None
        for action in (
            BackupAction(window, db, session, store_path, clock),
            RestoreAction(window, db, session, store_path, clock),
        ):
            if first is not None:
                menu.insertAction(first, action)
            else:
                menu.addAction(action)
    return guard
