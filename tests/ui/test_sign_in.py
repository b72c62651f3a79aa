from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.staff import Role
from counter.services.bootstrap import DEMO_PASSWORD
from counter.ui.sign_in import SignInDialog


def make_dialog(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> SignInDialog:
    dialog = SignInDialog(db, clock, hall_name="示范市政务服务中心", window="5")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def type_credentials(qtbot: QtBot, dialog: SignInDialog, login: str, password: str) -> None:
    qtbot.keyClicks(dialog.login, login)
    qtbot.keyClick(dialog.login, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.focusWidget() or dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


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
    assert dialog.errors.labels["password"].text() == "密码不正确"
    assert dialog.errors.labels["password"].isVisible()


def test_an_expired_certificate_is_refused_at_sign_in(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = make_dialog(qtbot, db, clock)
    type_credentials(qtbot, dialog, "zhaolei", DEMO_PASSWORD)
    assert dialog.session is None
    assert "过期" in dialog.errors.general.text()
