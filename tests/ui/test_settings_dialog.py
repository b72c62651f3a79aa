from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLineEdit
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in
from counter.services.settings_service import SettingsService
from counter.store.settings_file import load_settings
from counter.ui.settings_dialog import SettingsDialog


def dialog_for(qtbot: QtBot, db: Database, now: datetime, login: str, path: Path) -> SettingsDialog:
    session = sign_in(db, login, DEMO_PASSWORD, "1", now)
    dialog = SettingsDialog(SettingsService(path), session)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def retype(qtbot: QtBot, editor: QLineEdit, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, text)


def saved_with(
    qtbot: QtBot, db: Database, now: datetime, path: Path, field: str, value: str
) -> SettingsDialog:
    """The supervisor's dialog once ``value`` is typed over ``field`` and 保存 pressed."""
    dialog = dialog_for(qtbot, db, now, "zhangwei", path)
    retype(qtbot, dialog.editors[field], value)  # type: ignore[arg-type]
    dialog.on_save()
    return dialog


def test_a_supervisor_saves_a_new_window_number(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    dialog = saved_with(qtbot, db, now, path, "window_number", "12")
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert load_settings(path, environ={})["window_number"] == "12"


def test_an_invalid_value_is_shown_at_its_field_and_nothing_is_written(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    dialog = saved_with(qtbot, db, now, path, "working_hours", "17:00-09:00")
    assert dialog.errors.labels["working_hours"].isVisible()
    assert "工作时间" in dialog.errors.labels["working_hours"].text()
    assert not path.exists()


def test_a_clerk_cannot_change_settings(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    dialog = dialog_for(qtbot, db, now, "lina", path)
    dialog.on_save()
    assert "值班长" in dialog.errors.general.text()
    assert not path.exists()


def test_hall_settings_published_centrally_are_shown_but_not_editable(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path
) -> None:
    service = SettingsService(tmp_path / "settings.toml")
    service.use_published({"hall_name": "鼓楼区政务服务中心"})
    dialog = SettingsDialog(service, sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now))
    qtbot.addWidget(dialog)
    editor = dialog.editors["hall_name"]
    assert isinstance(editor, QLineEdit) and editor.text() == "鼓楼区政务服务中心"
    assert not editor.isEnabled() and "由中心统一设置" in editor.toolTip()


def test_a_half_day_follow_up_period_is_refused_at_its_field(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    dialog = saved_with(qtbot, db, now, path, "followup_callback_days", "0.5")
    error = dialog.errors.labels["followup_callback_days"]
    assert error.isVisible()
    assert "差评回访时限" in error.text() and "不能填“0.5”这样的半天或小数" in error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted and not path.exists()


def test_on_a_small_screen_the_fields_scroll_and_an_error_below_is_scrolled_to(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path
) -> None:
    """1920×1080 at 150 % less the taskbar: 保存 in view, the last field's error too."""
    dialog = dialog_for(qtbot, db, now, "zhangwei", tmp_path / "settings.toml")
    dialog.fit_to_screen(QRect(0, 0, 1280, 680))
    QApplication.processEvents()
    assert dialog.height() <= 680 - 40 and dialog.scroller.verticalScrollBar().maximum() > 0
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert dialog.rect().contains(QRect(save.mapTo(dialog, QPoint(0, 0)), save.size()))
    retype(qtbot, dialog.editors["register_days"], "0.5")  # type: ignore[arg-type]
    dialog.scroller.verticalScrollBar().setValue(0)
    dialog.on_save()
    error = dialog.errors.labels["register_days"]
    viewport = dialog.scroller.viewport()
    assert error.isVisible()
    assert viewport.rect().contains(QRect(error.mapTo(viewport, QPoint(0, 0)), error.size()))
