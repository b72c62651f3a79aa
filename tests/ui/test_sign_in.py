from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.staff import Role
from counter.services.bootstrap import DEMO_PASSWORD
from counter.store import audit_log, sign_in_failures
from counter.ui.sign_in import CHECKING, SignInDialog, SupervisorUnlockDialog


def make_dialog(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> SignInDialog:
    dialog = SignInDialog(db, clock, hall_name="示范市政务服务中心", window="5")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def checked(qtbot: QtBot, dialog: SignInDialog | SupervisorUnlockDialog) -> None:
    """The password is checked on a worker thread: wait for its answer."""
    qtbot.waitUntil(lambda: not dialog.verifier.busy)


def type_credentials(qtbot: QtBot, dialog: SignInDialog, login: str, password: str) -> None:
    qtbot.keyClicks(dialog.login, login)
    qtbot.keyClick(dialog.login, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.focusWidget() or dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    checked(qtbot, dialog)


def test_a_clerk_signs_in_with_the_keyboard(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    type_credentials(qtbot, dialog, "lina", DEMO_PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.session is not None
    assert dialog.session.staff.role is Role.CLERK and dialog.session.window == "5"


def test_a_wrong_password_shows_under_the_password_field(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    type_credentials(qtbot, dialog, "lina", "wrong-password")
    assert dialog.session is None and dialog.isVisible()
    assert dialog.errors.labels["password"].text() == "工号或密码不正确"
    assert dialog.errors.labels["password"].isVisible()


def test_an_expired_certificate_is_refused_at_sign_in(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    type_credentials(qtbot, dialog, "zhaolei", DEMO_PASSWORD)
    assert dialog.session is None
    assert "过期" in dialog.errors.general.text()


def try_password(qtbot: QtBot, dialog: SignInDialog, password: str) -> None:
    dialog.password.setFocus()
    dialog.password.selectAll()
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    checked(qtbot, dialog)


def test_five_wrong_passwords_refuse_the_login_until_a_supervisor_unlocks_it(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    type_credentials(qtbot, dialog, "lina", "wrong-password")
    assert not dialog.unlock_button.isVisible()
    for _ in range(4):
        try_password(qtbot, dialog, "wrong-password")
    assert "暂停登录至 10:01:00" in dialog.errors.general.text()
    assert dialog.unlock_button.isVisible()
    try_password(qtbot, dialog, DEMO_PASSWORD)  # the right one, refused for now
    assert dialog.session is None and "暂停登录" in dialog.errors.general.text()

    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # 值班长解锁(&S)
    qtbot.waitUntil(lambda: dialog.unlock_dialog is not None and dialog.unlock_dialog.isVisible())
    unlock = dialog.unlock_dialog
    assert unlock is not None and "lina" in unlock.findChild(QLabel).text()
    with qtbot.waitActive(unlock):
        unlock.activateWindow()
    qtbot.keyClicks(unlock.login, "wangqiang")  # only a supervisor unlocks
    qtbot.keyClick(unlock.login, Qt.Key.Key_Tab)
    qtbot.keyClicks(unlock.password, DEMO_PASSWORD)
    qtbot.keyClick(unlock.password, Qt.Key.Key_Return)
    checked(qtbot, unlock)
    assert "只有值班长" in unlock.errors.general.text() and unlock.isVisible()
    unlock.login.selectAll()
    qtbot.keyClicks(unlock.login, "zhangwei")
    unlock.password.selectAll()
    qtbot.keyClicks(unlock.password, DEMO_PASSWORD)
    qtbot.keyClick(unlock.password, Qt.Key.Key_Return)
    checked(qtbot, unlock)
    assert not unlock.isVisible()
    assert dialog.notice.isVisible() and not dialog.unlock_button.isVisible()

    try_password(qtbot, dialog, DEMO_PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.session is not None and dialog.session.staff.login == "lina"


def test_an_unknown_login_is_answered_like_a_wrong_password(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    type_credentials(qtbot, dialog, "nobody", "wrong-password")
    assert dialog.errors.labels["password"].text() == "工号或密码不正确"
    assert not dialog.errors.labels["login"].isVisible()


def test_while_the_password_is_checked_the_dialog_says_so_and_a_second_enter_is_ignored(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    qtbot.keyClicks(dialog.login, "lina")
    qtbot.keyClick(dialog.login, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    # The answer comes back through the event loop, which has not run since Enter.
    assert dialog.checking and dialog.isVisible()
    assert dialog.ok.text() == CHECKING and not dialog.ok.isEnabled()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # impatient
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # 退出 waits for the answer too
    checked(qtbot, dialog)
    assert dialog.isVisible() and dialog.ok.isEnabled() and dialog.ok.text() == "登录"
    assert dialog.errors.labels["password"].text() == "工号或密码不正确"
    assert sign_in_failures.get(db, "lina").count == 1  # one try, counted once
    refused = [e for e in audit_log.entries(db) if "sign_in_refused" in e["detail"]]
    assert len(refused) == 1


def test_the_dialog_paints_before_the_store_is_open_and_signs_in_once_it_is(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = SignInDialog(None, clock, hall_name="本机设置中的名称", window="5")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.login, "lina")
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # before the store: nothing yet
    assert not dialog.checking and dialog.session is None
    dialog.use_store(db, hall_name="示范市政务服务中心")  # as published by the central
    assert "示范市政务服务中心" in dialog.title.text() and "示范市" in dialog.windowTitle()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.session is not None and dialog.session.staff.login == "lina"
