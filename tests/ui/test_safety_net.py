"""The safety net: an error no page handled reaches the clerk as a Chinese dialog and
the log file as a traceback, from a slot, from a worker thread, or handed over by a
page; never silently (issue 26)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from counter.model.errors import NotAllowedError, StorageError
from counter.ui import safety_net
from counter.ui.forms import FieldErrors
from counter.ui.safety_net import SafetyNet


def failing_button(qtbot: QtBot, error: Exception) -> QPushButton:
    button = QPushButton("叫下一位")
    qtbot.addWidget(button)

    def act() -> None:
        raise error

    button.clicked.connect(act)
    return button


def test_an_unexpected_exception_in_a_slot_shows_the_dialog_and_logs_the_traceback(
    qtbot: QtBot, net: SafetyNet, log_file: Path, error_dialogs: list[str]
) -> None:
    failing_button(qtbot, ZeroDivisionError("division by zero")).click()

    qtbot.waitUntil(lambda: len(error_dialogs) == 1)
    assert error_dialogs[0] == (
        "操作未完成：程序内部错误（ZeroDivisionError：division by zero），已记录日志"
        f"\n\n日志文件：{log_file}"
    )
    logged = log_file.read_text("utf-8")
    assert "Traceback" in logged and "ZeroDivisionError: division by zero" in logged
    assert "in act" in logged  # the frame that raised, for IT


def test_a_counter_error_that_escapes_a_slot_shows_its_own_message(
    qtbot: QtBot, net: SafetyNet, error_dialogs: list[str]
) -> None:
    failing_button(qtbot, NotAllowedError("本窗口没有设置办理的业务类别，请联系值班长。")).click()
    qtbot.waitUntil(lambda: len(error_dialogs) == 1)
    assert error_dialogs[0].startswith(
        "操作未完成：本窗口没有设置办理的业务类别，请联系值班长，已记录日志"
    )


def test_an_exception_on_a_worker_thread_is_shown_on_the_gui_thread(
    qtbot: QtBot, net: SafetyNet, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown_on: list[bool] = []
    monkeypatch.setattr(
        "PySide6.QtWidgets.QMessageBox.critical",
        lambda *a: shown_on.append(threading.current_thread() is threading.main_thread()),
    )

    def work() -> None:
        raise RuntimeError("打印线程出错")

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: shown_on == [True])
    assert "RuntimeError: 打印线程出错" in log_file.read_text("utf-8")


def test_errors_while_the_dialog_is_open_are_logged_not_stacked(
    qtbot: QtBot, net: SafetyNet, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timer failing every second must not bury the screen under dialogs."""
    button = failing_button(qtbot, KeyError("again"))
    texts: list[str] = []

    def modal(parent: object, title: str, text: str) -> None:
        texts.append(text)
        if len(texts) == 1:  # while the clerk reads the first, the slot fails again
            button.click()
            QApplication.processEvents()  # the modal dialog's own event loop

    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.critical", modal)
    button.click()
    qtbot.waitUntil(lambda: len(texts) == 1)
    QApplication.processEvents()
    assert len(texts) == 1
    assert log_file.read_text("utf-8").count("KeyError: 'again'") == 2


def test_a_storage_fault_a_page_caught_still_stops_the_clerk(
    qtbot: QtBot, net: SafetyNet, log_file: Path, error_dialogs: list[str]
) -> None:
    """Pages catch CounterError to show refusals at their field; a lost write is more
    than a red line."""
    errors = FieldErrors()
    try:
        raise StorageError("本机磁盘已满，数据未保存，请联系信息科", kind="full")
    except StorageError as exc:
        errors.show(exc)
    assert errors.general.text() == "本机磁盘已满，数据未保存，请联系信息科"
    qtbot.waitUntil(lambda: len(error_dialogs) == 1)
    assert error_dialogs[0].startswith("操作未完成：本机磁盘已满，数据未保存，请联系信息科，")
    assert "StorageError" in log_file.read_text("utf-8")


def test_a_refusal_a_page_caught_stays_at_its_field(
    qtbot: QtBot, net: SafetyNet, error_dialogs: list[str]
) -> None:
    errors = FieldErrors()
    errors.show(NotAllowedError("目前没有等候的号，无需叫号"))
    QApplication.processEvents()
    assert errors.general.text() == "目前没有等候的号，无需叫号"
    assert error_dialogs == []


def test_uninstalling_puts_back_the_hooks_it_found(qapp: QApplication) -> None:
    before, before_thread = sys.excepthook, threading.excepthook
    net = safety_net.install(None)
    assert sys.excepthook == net.excepthook
    net.uninstall()
    assert sys.excepthook is before and threading.excepthook is before_thread
    net.deleteLater()
