"""The last line: an error no page handled reaches the clerk as a dialog and the log as
a traceback. Nothing is silently dropped.

PySide6 hands an exception raised in a slot (a button, a shortcut, a timer, a key
handler) to ``sys.excepthook`` and carries on; Python's own hook prints it to stderr,
which nobody at a window reads. Pressing F1 on a full disk printed "database or disk
is full" there and left the screen as it was, and the clerk could not tell that the
call had not happened (issue 26). Installed, this net writes the whole traceback to
the log file and stops the clerk with a modal dialog: "操作未完成：…，已记录日志", with
the log file's path for the hall's IT. An error of the program's own family
(:class:`~counter.model.errors.CounterError`) shows its own Chinese message there; any
other shows its type, since it is a bug to report.

A page shows the refusals it catches at their field. A storage fault it catches is
also reported here (``counter.ui.forms.FieldErrors.show``): a write that was lost must
stop the clerk, not be a red line she may overlook.

The dialog is shown from the event loop, never from inside the hook: an error on a
worker thread is shown on the GUI thread, and the slot that failed has returned
before the dialog's own event loop runs. While one dialog is open, further errors are
logged, not stacked into dialogs (a timer failing every second would bury the screen).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from counter.log import ui as log
from counter.model.errors import CounterError, StorageError

TITLE = "操作未完成"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def clerk_message(error: BaseException) -> str:
    """What the clerk is told went wrong: a CounterError's own message; for anything
    else (a bug), its type and text, which she can read out to IT."""
    if isinstance(error, CounterError):
        text = str(getattr(error, "message", "") or error)
    else:
        detail = str(error)
        text = f"程序内部错误（{type(error).__name__}{'：' + detail if detail else ''}）"
    return text.rstrip("。．.，, ")


def dialog_text(error: BaseException, log_file: Path | None) -> str:
    """The dialog's text: what failed, that it is logged, and where."""
    text = f"{TITLE}：{clerk_message(error)}，已记录日志"
    if log_file is not None:
        text += f"\n\n日志文件：{log_file}"
    return text


class SafetyNet(QObject):
    """Catches what no page handled (``sys.excepthook``, ``threading.excepthook``) and
    what a page hands over (:meth:`report`): logged with its traceback, then shown."""

    _caught = Signal(str)

    def __init__(self, log_file: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.showing = False
        self._previous: ExceptHook | None = None
        self._previous_thread: Callable[[threading.ExceptHookArgs], object] | None = None
        # Queued even on the GUI thread: shown once the failed slot has returned.
        self._caught.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        global _net
        self._previous, sys.excepthook = sys.excepthook, self.excepthook
        self._previous_thread, threading.excepthook = threading.excepthook, self.thread_excepthook
        _net = self

    def uninstall(self) -> None:
        """Put back the hooks found at :meth:`install` (tests, and a closing app)."""
        global _net
        if self._previous is not None:
            sys.excepthook = self._previous
        if self._previous_thread is not None:
            threading.excepthook = self._previous_thread
        self._previous = self._previous_thread = None
        if _net is self:
            _net = None

    def excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt) and self._previous is not None:
            self._previous(kind, error, tb)  # Ctrl+C in a terminal stops the program
            return
        self.report(error, tb)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.report(args.exc_value, args.exc_traceback)

    def report(self, error: BaseException, tb: TracebackType | None = None) -> None:
        """Log ``error`` with its traceback, then show the dialog; from any thread."""
        log.error(
            "%s：%s",
            TITLE,
            clerk_message(error),
            exc_info=(type(error), error, tb or error.__traceback__),
        )
        try:
            self._caught.emit(dialog_text(error, self.log_file))
        except RuntimeError:  # the application is going away: the log has it
            log.warning("no window left to show the error in")

    def _show(self, text: str) -> None:
        if self.showing:
            log.warning("another error while the dialog was open (logged above): %s", text)
            return
        self.showing = True
        try:
            QMessageBox.critical(QApplication.activeWindow(), TITLE, text)
        finally:
            self.showing = False


_net: SafetyNet | None = None


def install(log_file: Path | None, parent: QObject | None = None) -> SafetyNet:
    """The desktop's net, for the life of the application."""
    net = SafetyNet(log_file, parent)
    net.install()
    return net


def page_message(error: CounterError | OSError) -> str:
    """The text a page shows where the action was. A storage fault is also reported
    (dialog and log): the action was not saved, which a line on the page may not tell
    the clerk, and IT needs the log. Refusals and offline answers stay on the page."""
    if isinstance(error, StorageError):
        report(error)
    return str(getattr(error, "message", "") or error)


def report(error: BaseException) -> None:
    """A fault a page caught that must stop the clerk: shown and logged like one that
    escaped. Before a net is installed (a page on its own, in a test) it is logged."""
    if _net is None:
        log.error("%s：%s", TITLE, clerk_message(error), exc_info=error)
        return
    _net.report(error)
