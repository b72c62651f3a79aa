"""Drives the spool from the desktop: a timer starts a worker on the thread pool.

The worker opens its own store connection (SQLite connections belong to one thread),
prints what is due with :func:`counter.printing.spool.run_due`, and reports back by
signal; the GUI thread never waits on a printer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from counter.log import printing as log
from counter.model.settings import Settings
from counter.printing.spool import StepResult, opener, pdf_folder, run_due
from counter.services.print_service import PrintService
from counter.store.db import connect


class _Signals(QObject):
    finished = Signal(object, str)  # list[StepResult], trouble text


class _SpoolTask(QRunnable):
    def __init__(self, store_path: Path, settings: Settings, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.store_path = store_path
        self.settings = settings
        self.clock = clock
        self.signals = _Signals()

    def run(self) -> None:
        results: list[StepResult] = []
        trouble = ""
        try:
            db = connect(self.store_path)
            try:
                service = PrintService(db, self.settings)
                results = run_due(service, opener(pdf_folder(self.store_path)), self.clock)
                trouble = service.trouble()
            finally:
                db.close()
        except Exception as exc:  # the store itself failed: say so, try again next tick
            log.exception("print spool run failed")
            trouble = f"打印队列无法读取数据：{exc}"
        self.signals.finished.emit(results, trouble)


class PrintSpool(QObject):
    """Runs the spool every ``interval_ms`` and whenever :meth:`kick` is called."""

    printed = Signal(object)  # list[StepResult] of one run
    state_changed = Signal(str, bool)  # status-bar text, printers fine

    def __init__(
        self,
        store_path: Path,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
        *,
        interval_ms: int = 3000,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.settings = settings
        self.clock = clock
        self.pool = pool or QThreadPool.globalInstance()
        self.busy = False
        self.again = False
        self._task: _SpoolTask | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.kick)

    def start(self) -> None:
        self.timer.start()
        self.kick()

    def stop(self) -> None:
        self.timer.stop()
        self.pool.waitForDone()

    def kick(self) -> None:
        """Run now, or once more right after the run in progress."""
        if self.busy:
            self.again = True
            return
        self.busy = True
        task = _SpoolTask(self.store_path, self.settings(), self.clock)
        task.signals.finished.connect(self.on_run_finished)
        self._task = task  # keep its signals object alive until it reports
        self.pool.start(task)

    def on_run_finished(self, results: list[StepResult], trouble: str) -> None:
        self.busy = False
        self._task = None
        self.printed.emit(results)
        self.state_changed.emit(trouble or self.tr("打印机正常"), not trouble)
        if self.again:
            self.again = False
            self.kick()
