"""启用正式账号: the supervisor replaces the demo accounts with the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.services.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.services.staff_service import StaffService
from counter.ui.main_window import MainWindow
from counter.ui.real_accounts import RealAccountsDialog


def dialog_for(qtbot: QtBot, db: Database, clock: Callable[[], datetime]) -> RealAccountsDialog:
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", clock())
    dialog = RealAccountsDialog(StaffService(db), session, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_supervisor_sets_every_password_and_switches_one_account_off(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = dialog_for(qtbot, db, clock)
    for account in DEMO_ACCOUNTS:
        if account.login == "zhaolei":
            qtbot.mouseClick(dialog.off["zhaolei"], Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClicks(dialog.passwords[account.login], f"{account.login}-Real-2026")
    assert not dialog.passwords["zhaolei"].isEnabled()
    assert not dialog.off["zhangwei"].isEnabled()  # not her own
    qtbot.keyClick(dialog.passwords["admin"], Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert "zhaolei" not in dialog.made and not StaffService(db).demo_in_use()
    assert sign_in(db, "zhangwei", dialog.own_password(), "1", clock()).staff.login == "zhangwei"


def test_a_short_password_is_shown_at_its_person_and_nothing_is_saved(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    dialog = dialog_for(qtbot, db, clock)
    for account in DEMO_ACCOUNTS:
        text = "short" if account.login == "lina" else f"{account.login}-Real-2026"
        qtbot.keyClicks(dialog.passwords[account.login], text)
    qtbot.keyClick(dialog.passwords["admin"], Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert "至少" in dialog.errors.text("lina")
    assert dialog.focusWidget() is dialog.passwords["lina"]
    assert StaffService(db).demo_in_use()


def test_the_main_window_marks_demo_data_until_real_passwords_are_set(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], tmp_path: Path
) -> None:
    session = sign_in(db, "lina", DEMO_PASSWORD, "1", clock())
    settings = SettingsService(tmp_path / "s.toml")
    window = MainWindow(session, [], settings=settings, store_path="x", hall_name="示范")
    qtbot.addWidget(window)
    window.show_demo_mark(StaffService(db).demo_in_use())
    window.show()
    assert window.demo.isVisible() and window.demo.text() == "演示数据"
    window.show_demo_mark(False)
    assert not window.demo.isVisible()
